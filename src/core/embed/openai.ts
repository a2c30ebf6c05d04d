// An embedder behind any OpenAI-compatible /v1/embeddings endpoint (OpenAI, Azure OpenAI, Ollama,
// LM Studio, vLLM, llama.cpp's server, TEI, Voyage, Jina, Mistral). Inputs are cut to the model's
// token limit (counted with cl100k, with a margin for other tokenizers), batched by count and by
// tokens, sent a few at a time; 429 and 5xx answers, timeouts and dropped connections are retried
// (after their Retry-After, up to a minute), and every request, its waits included, has a timeout
// and can be cancelled. Query vectors are cached.
import { LRUCache } from "lru-cache";
import OpenAI from "openai";
import { sha256Hex } from "../util/hash";
import { errorMessage, hasCredentials, requestSignal, URL_CREDENTIALS } from "../util/host";
import { Slots } from "../util/slots";
import { cl100k, prepareTokenizer, truncateTokens } from "../util/tokens";
import { type EmbedInput, type Embedder, l2Normalize } from "./embedder";

/** What identifies an OpenAI-compatible embedding model: stored in the index (never the key). */
export interface OpenAIEmbeddingSpec {
  kind: "openai";
  /** Up to and including /v1. */
  baseURL: string;
  model: string;
  dims: number;
  /** Whether `dims` is sent as the `dimensions` parameter (models that can shorten their vectors). */
  sendDimensions?: boolean;
}

export interface OpenAIEmbedderOptions {
  baseURL: string;
  model: string;
  apiKey?: string;
  /** The vector length; asked of the server with one probe request when left out. */
  dims?: number;
  /** Send `dims` as the API's `dimensions` parameter (OpenAI's text-embedding-3 models take it). */
  sendDimensions?: boolean;
  /** Inputs per request (default 64). */
  maxBatchItems?: number;
  /** Tokens per request, all inputs together (default 60,000). */
  maxBatchTokens?: number;
  /** Tokens per input: longer inputs are cut (default 8,000; Ollama's nomic-embed-text takes 2,048). */
  maxInputTokens?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Per request, before it is retried (default 60 s). */
  timeoutMs?: number;
  /** Retries of a failed request: timeouts, connection errors, 429 and 5xx (default 6). */
  maxRetries?: number;
  /** Called before each request is sent (tests and the bench count them). */
  onRequest?: (inputs: number) => void;
  /** Called when a failed request is tried again after `waitMs` (the CLI says so). */
  onRetry?: (error: unknown, waitMs: number, attempt: number) => void;
  /** Called when the server refused an input as too long and inputs are now cut to `toTokens` (inputCutNote says it in words). */
  onInputCut?: (fromTokens: number, toTokens: number, error: unknown) => void;
}

/** The server answered vectors of another length than the index holds. */
export class EmbeddingDimensionError extends Error {
  override readonly name = "EmbeddingDimensionError";
}

/** Inputs are cut below the limit by this share: other tokenizers than cl100k count more tokens for the same text. */
const TOKEN_MARGIN = 0.85;

/** Below this many tokens an input refused as too long is not cut further: the refusal is about something else. */
const MIN_CUT_TOKENS = 32;

export class OpenAIEmbedder implements Embedder {
  readonly id: string;
  readonly dims: number;
  readonly fingerprint: string;
  /** Remote and paid: vectors are worth keeping by content (VectorCache). */
  readonly cacheable = true;
  readonly spec: OpenAIEmbeddingSpec;
  private readonly client: OpenAI;
  private readonly queries = new LRUCache<string, Float32Array>({ max: 500 });
  /** Requests in flight across all calls: two batches embedding at once still send at most `concurrency`. */
  private readonly slots: Slots;
  /** The input limit the server showed by refusing a longer input (below the configured one), in cl100k tokens. */
  private learnedLimit = Infinity;

  constructor(private readonly options: OpenAIEmbedderOptions & { dims: number }) {
    if (hasCredentials(options.baseURL)) throw new Error(`The embedding server's URL ${URL_CREDENTIALS}.`);
    this.dims = options.dims;
    this.id = options.model;
    this.slots = new Slots(options.concurrency ?? 4);
    this.spec = { kind: "openai", baseURL: options.baseURL.replace(/\/+$/, ""), model: options.model, dims: options.dims, sendDimensions: options.sendDimensions || undefined };
    // The base URL is part of it: two servers may serve different models under one name.
    this.fingerprint = sha256Hex(JSON.stringify({ ...this.spec, input: INPUT_FORMAT })).slice(0, 32);
    this.client = new OpenAI({
      apiKey: options.apiKey || "no-key", // local servers need none; the package insists on one
      baseURL: this.spec.baseURL,
      timeout: options.timeoutMs ?? 60_000,
      // Retried here (request): the package's own wait for a Retry-After can't be cancelled and has no bound.
      maxRetries: 0,
    });
  }

  /** An embedder whose vector length is known: given, or asked of the server with one short input. */
  static async connect(options: OpenAIEmbedderOptions, signal?: AbortSignal): Promise<OpenAIEmbedder> {
    if (options.dims) return new OpenAIEmbedder({ ...options, dims: options.dims });
    const probe = new OpenAIEmbedder({ ...options, dims: 0 });
    const [vector] = await probe.request(["dimension probe"], signal);
    return new OpenAIEmbedder({ ...options, dims: vector.length });
  }

  async embedDocuments(docs: readonly EmbedInput[], signal?: AbortSignal, onEmbedded?: (count: number) => void): Promise<Float32Array[]> {
    const texts = docs.map((doc) => this.fit(documentText(doc)));
    const batches = this.batches(texts);
    const out: Float32Array[] = new Array(texts.length);
    // Every request of the call queues at once, in order: a call made while another's requests are
    // queued goes after all of them (first in, first done), and the slots bound what is in flight.
    let failed: unknown;
    await Promise.all(batches.map((batch) => this.slots.run(async () => {
      // After one request failed for good, the call's others are not sent.
      if (failed !== undefined) throw failed;
      signal?.throwIfAborted();
      try {
        const vectors = await this.requestFitting(batch.texts, signal);
        vectors.forEach((vector, i) => (out[batch.start + i] = vector));
      } catch (error) {
        failed ??= error;
        throw error;
      }
      onEmbedded?.(batch.texts.length);
    })));
    return out;
  }

  /** Batches are counted with the tokenizer (and long inputs cut with it): its tables are built before the first batch. */
  prepare(): void {
    prepareTokenizer();
  }

  async embedQuery(text: string, signal?: AbortSignal): Promise<Float32Array> {
    const cached = this.queries.get(text);
    if (cached) return cached;
    const [vector] = await this.requestFitting([text], signal);
    this.queries.set(text, vector);
    return vector;
  }

  /**
   * A request whose refusal of an input as too long (the model's context is shorter than the
   * configured limit: a 512-token model) is not the run's end: the batch is split until the refused
   * input is alone, that input is cut (to the limit the error names, else to half) and sent again,
   * and every later input is cut to that limit too.
   */
  private async requestFitting(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const fitted = texts.map((text) => this.fit(text));
    try {
      return await this.request(fitted, signal);
    } catch (error) {
      if (!inputTooLong(error) || signal?.aborted) throw error;
      if (fitted.length > 1) {
        const half = Math.ceil(fitted.length / 2);
        return [...(await this.requestFitting(fitted.slice(0, half), signal)), ...(await this.requestFitting(fitted.slice(half), signal))];
      }
      const tokens = cl100k.count(fitted[0]);
      // The limit the refusal names, with the tokenizers' margin, when that cuts the input; else half of it.
      const named = namedTokenLimit(error);
      const limit = named !== undefined && Math.floor(named * TOKEN_MARGIN) < tokens ? Math.floor(named * TOKEN_MARGIN) : Math.floor(tokens / 2);
      if (limit < MIN_CUT_TOKENS) throw error;
      if (limit < this.learnedLimit) {
        this.learnedLimit = limit;
        this.options.onInputCut?.(tokens, limit, error);
      }
      return this.requestFitting([truncateTokens(fitted[0], Math.min(limit, this.learnedLimit))], signal);
    }
  }

  /** Cuts a text to the model's input limit, in tokens (the configured one, or a lower one the server showed). */
  private fit(text: string): string {
    const limit = Math.min(Math.floor((this.options.maxInputTokens ?? 8000) * TOKEN_MARGIN), this.learnedLimit);
    // Fewer characters than the limit are fewer tokens: no need to count.
    return text.length <= limit ? text : truncateTokens(text, limit);
  }

  private batches(texts: readonly string[]): Array<{ start: number; texts: string[] }> {
    const maxItems = this.options.maxBatchItems ?? 64;
    const maxTokens = this.options.maxBatchTokens ?? 60_000;
    const batches: Array<{ start: number; texts: string[] }> = [];
    let current: { start: number; texts: string[] } = { start: 0, texts: [] };
    let tokens = 0;
    texts.forEach((text, i) => {
      // A text has at most as many tokens as UTF-8 bytes: counted (on this thread, so only where it
      // matters) when that bound would not fit the request. Recounting the request's texts exactly once
      // the bound overflows packed 3% fewer requests but took the remote-embedder bench from 9.5 to
      // 10.6 s (docs/performance.md); raise maxBatchTokens for fewer, fuller requests.
      const bound = Buffer.byteLength(text, "utf8");
      const count = tokens + bound <= maxTokens ? bound : cl100k.count(text);
      if (current.texts.length > 0 && (current.texts.length >= maxItems || tokens + count > maxTokens)) {
        batches.push(current);
        current = { start: i, texts: [] };
        tokens = 0;
      }
      current.texts.push(text);
      tokens += count;
    });
    if (current.texts.length > 0) batches.push(current);
    return batches;
  }

  /** One request, retried while its failure may pass (up to maxRetries), each wait cut short by the signal. */
  private async request(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    this.options.onRequest?.(texts.length);
    const retries = this.options.maxRetries ?? 6;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.requestOnce(texts, signal);
      } catch (error) {
        // llama.cpp's server refuses a long input with a 500: not worth retrying as it is.
        const wait = attempt < retries && !signal?.aborted && !inputTooLong(error) ? retryDelayMs(error, attempt) : undefined;
        if (wait === undefined) throw error;
        this.options.onRetry?.(error, wait, attempt + 1);
        await sleep(wait, signal);
      }
    }
  }

  private async requestOnce(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const own = requestSignal(signal);
    // The client's timeout ends once the headers came: a server that stalls in its body is cut off here too, and retried.
    const timeoutMs = this.options.timeoutMs ?? 60_000;
    const stalled = new AbortController();
    const timer = setTimeout(() => stalled.abort(), timeoutMs);
    let response: unknown;
    try {
      response = await this.client.embeddings.create(
        { model: this.spec.model, input: texts, encoding_format: "float", ...(this.spec.sendDimensions ? { dimensions: this.dims } : {}) },
        { signal: own.signal ? AbortSignal.any([own.signal, stalled.signal]) : stalled.signal },
      );
    } catch (error) {
      if (stalled.signal.aborted && !signal?.aborted) throw new OpenAI.APIConnectionTimeoutError({ message: `The embedding server's answer timed out: not whole after ${(timeoutMs / 1000).toFixed(timeoutMs < 10_000 ? 1 : 0)} s.` });
      // The connection dropped while the answer was read (undici: "terminated"): retried as a dropped connection is.
      if (error instanceof TypeError && /terminated|socket|other side closed|ECONNRESET/i.test(`${error.message} ${errorMessage(error.cause)}`) && !signal?.aborted) {
        throw new OpenAI.APIConnectionError({ message: `The connection to the embedding server dropped during its answer (${error.message}).`, cause: error });
      }
      if (error instanceof SyntaxError) throw new Error(`The embedding server at ${this.spec.baseURL} answered JSON that does not parse (${error.message}).`);
      throw error;
    } finally {
      clearTimeout(timer);
      own.release();
    }
    return this.vectorsOf(response, texts.length);
  }

  /** The vectors of an answer, checked: one per input, in order, each of numbers, none all zero, of the index's length. */
  private vectorsOf(response: unknown, inputs: number): Float32Array[] {
    const items = (response as { data?: unknown } | null | undefined)?.data;
    if (!Array.isArray(items)) {
      const got = typeof response === "string" ? `text starting "${response.trim().slice(0, 40)}"` : "no list of vectors";
      throw new Error(`The embedding server at ${this.spec.baseURL} did not answer as /v1/embeddings does (${got}): is it the server's /v1 URL?`);
    }
    const data = (items as Array<{ index?: unknown; embedding?: unknown }>).slice().sort((a, b) => Number(a.index) - Number(b.index));
    if (data.length !== inputs) throw new Error(`The embedding server answered ${data.length} vectors for ${inputs} inputs.`);
    // Each input's vector exactly once: a repeated or missing index would put one text's vector at another's place.
    if (data.some((item, i) => item.index !== i)) throw new Error(`The embedding server answered the vectors of inputs ${data.map((item) => String(item.index)).join(", ")} for inputs 0 to ${inputs - 1}.`);
    return data.map((item) => {
      const values = item.embedding;
      // null or a string among the values would become 0 in a Float32Array: a vector that matches nothing, kept in the cache.
      if (!Array.isArray(values) || values.length === 0 || values.some((x) => typeof x !== "number" || !Number.isFinite(x))) {
        throw new Error(`The embedding server answered a vector ${Array.isArray(values) && values.length === 0 ? "with no values" : "with values that are not numbers"}.`);
      }
      const vector = Float32Array.from(values as number[]);
      if (vector.every((x) => x === 0)) throw new Error("The embedding server answered a vector of zeros.");
      if (this.dims && vector.length !== this.dims) {
        throw new EmbeddingDimensionError(
          `${this.spec.model} at ${this.spec.baseURL} returned ${vector.length}-dimensional vectors; this index holds ${this.dims}. ` +
            "Set the embedding dimensions to match the model (or leave them empty to ask the server), and re-index.",
        );
      }
      return l2Normalize(vector);
    });
  }
}

/**
 * Whether a server refused a request because an input (or the batch) is longer than its model takes:
 * OpenAI's and vLLM's "maximum context length", TEI's "must have less than 512 tokens", llama.cpp's
 * "input is too large", Ollama's "exceeds the context length", others' "too long" or "token limit".
 */
export function inputTooLong(error: unknown): boolean {
  if (!(error instanceof OpenAI.APIError) || error.status === undefined || ![400, 413, 422, 500].includes(error.status)) return false;
  // About the input's length in tokens, not a request that took too long or a list of too many inputs.
  return /context (length|window)|input (is |was )?too (long|large)|too many tokens|less than \d+ tokens|(token|input) limit|exceeds? (the )?(maximum )?(context|token|input|sequence) ?(length|limit|size)?|maximum (input|sequence) length/i.test(error.message);
}

/** The limit in tokens an input-too-long refusal names ("maximum context length is 8192 tokens", "less than 512 tokens"). */
function namedTokenLimit(error: unknown): number | undefined {
  const match = /(?:context length is|less than|limit (?:is|of)|at most|up to)\s+(\d[\d,]*)\s+tokens/i.exec(errorMessage(error));
  const limit = match ? Number(match[1].replace(/,/g, "")) : NaN;
  return Number.isFinite(limit) && limit > 0 ? limit : undefined;
}

/** What a host says when inputs are cut after a refusal (onInputCut). */
export function inputCutNote(fromTokens: number, toTokens: number, error: unknown, setting: string): string {
  return `the embedding server refused an input of about ${fromTokens} tokens as too long (${errorMessage(error)}); inputs are cut to ${toTokens} tokens from now on (${setting} sets the limit).`;
}

/** The longest wait a server's Retry-After gets; past it, the client's own backoff applies. */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * How long to wait before retrying a failed request; undefined when it is not worth retrying (a
 * refusal, a cancel). Timeouts, dropped connections, 408, 409, 429 and 5xx are retried: after the
 * server's Retry-After when it asks for up to a minute, else after a growing backoff (at most 8 s).
 */
export function retryDelayMs(error: unknown, attempt: number): number | undefined {
  if (error instanceof OpenAI.APIUserAbortError) return undefined;
  const backoff = Math.min(8_000, 500 * 2 ** attempt) * (0.75 + Math.random() / 2);
  if (error instanceof OpenAI.APIConnectionError) return backoff;
  if (!(error instanceof OpenAI.APIError) || error.status === undefined) return undefined;
  if (![408, 409, 429].includes(error.status) && error.status < 500) return undefined;
  const headers = error.headers as Headers | undefined;
  const afterMs = headers?.get?.("retry-after-ms")?.trim();
  const after = headers?.get?.("retry-after")?.trim();
  let asked: number | undefined;
  if (afterMs) asked = Number(afterMs);
  else if (after) asked = /^\d+(\.\d+)?$/.test(after) ? Number(after) * 1000 : Date.parse(after) - Date.now();
  // No usable wait (none, past, negative) or one past the bound: the growing backoff instead.
  if (asked === undefined || !Number.isFinite(asked) || asked <= 0 || asked > MAX_RETRY_AFTER_MS) return backoff;
  return asked;
}

/** Waits, or rejects at once with the signal's reason when it aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Part of the fingerprint: how a chunk becomes the text sent (documentText). */
const INPUT_FORMAT = "title\\ntext:v1";

/** What is sent for a chunk: its title (symbol, scope, signature), then its path and code. */
export function documentText(doc: EmbedInput): string {
  return doc.title ? `${doc.title}\n${doc.text}` : doc.text;
}
