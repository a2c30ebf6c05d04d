// A local OpenAI-protocol server for tests, over real HTTP: chat completions (streamed as SSE the
// way the real API streams them, with tool calls and a usage chunk), completions, embeddings,
// models and vLLM's load_lora_adapter. It records every request and can be told to fail: any
// status (401, 404, 429 with Retry-After, 500), hang before or during the answer, send a broken
// stream or drop the connection.
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export type Reply =
  | { kind: "text"; text: string; chunkSize?: number; delayMs?: number; omitUsage?: boolean }
  | { kind: "tool"; calls: Array<{ name: string; arguments: string }>; /** Streams the calls without ids, as some servers do. */ noIds?: boolean }
  | { kind: "error"; status: number; message?: string; retryAfter?: number }
  /** Sends the headers and a first piece, then nothing. */
  | { kind: "hang" }
  /** Accepts the request and never answers. */
  | { kind: "hang-before-headers" }
  /** A chunk that is not JSON, then the end of the stream. */
  | { kind: "broken" }
  /** Closes the socket without an answer. */
  | { kind: "drop" }
  /** Embeddings: headers and the start of the body, then the socket is closed. */
  | { kind: "cut" }
  /** Embeddings: this body as it is (a page that is not JSON, vectors with nulls). */
  | { kind: "raw"; contentType: string; body: string };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** The raw body as received, for "is this string anywhere in what was sent?" checks. */
  raw: string;
  time: number;
}

export interface ModelServerOptions {
  /** Models the server knows; others get a 404. Empty: any model is accepted. */
  models?: string[];
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Answers chat requests when the queue is empty. */
  respond?: (request: RecordedRequest) => Reply;
  /** Answers /v1/completions requests when the queue is empty (default: "return a + b;"). */
  complete?: (request: RecordedRequest) => Reply;
  /** A document's relevance to a query at /v1/rerank; default: the share of the query's words (3+ letters) it holds. */
  relevance?: (query: string, document: string) => number;
  /** /v1/embeddings: the vector length when the request names none (default 32); changeable while running. */
  embeddingDims?: number;
  /** /v1/embeddings: more inputs in one request get a 400, as real servers' limits do. */
  maxEmbeddingInputs?: number;
  /** /v1/embeddings: an input longer than this (characters) gets a 400 ("maximum context length"), or `tooLongReply`. */
  maxEmbeddingChars?: number;
  /** /v1/embeddings: how an input over maxEmbeddingChars is refused (as TEI's 413 or llama.cpp's 500 do). */
  tooLongReply?: { status: number; message: string };
  /** /v1/embeddings: how long a request of this many inputs takes to answer, as a model's compute would (default: at once). */
  embeddingDelayMs?: (inputs: number) => number;
  /** /v1/load_lora_adapter: how long loading an adapter takes (default: at once). */
  adapterLoadMs?: number;
}

/** Embedding requests being answered at once, over time (the integral gives the mean). */
export interface InFlight {
  now: number;
  max: number;
  /** Sum of (requests in flight × milliseconds) since the first request. */
  weightedMs: number;
  since?: number;
  last?: number;
}

/**
 * A test embedding: the input's words hashed into `dims` buckets, normalized. Texts that share
 * words are near, as with a real model, so searches by these vectors find what they should.
 */
export function bagOfWordsVector(text: string, dims: number): number[] {
  const vector = new Array<number>(dims).fill(0);
  for (const word of text.toLowerCase().match(/[a-z]{3,}/g) ?? []) {
    let hash = 2166136261;
    for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), 16777619);
    vector[(hash >>> 0) % dims] += 1;
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((x) => x / norm);
}

function wordShare(query: string, document: string): number {
  const words = [...new Set(query.toLowerCase().match(/[a-z]{3,}/g) ?? [])];
  const text = document.toLowerCase();
  return words.length ? words.filter((word) => text.includes(word)).length / words.length : 0;
}

/** The default answer: cites the first context item of the system prompt, as a good model would. */
export function citeFirstContextItem(request: RecordedRequest): Reply {
  const system = String(request.body?.messages?.find((m: { role: string }) => m.role === "system")?.content ?? "");
  const first = /^\[([^\]\s]+:\d+-\d+)\]/m.exec(system.slice(system.indexOf("<retrieved_code>")));
  return { kind: "text", text: first ? `The code you are asking about is in [${first[1]}]. It does what its name says.` : "I found nothing relevant in the retrieved code." };
}

export class TestModelServer {
  readonly requests: RecordedRequest[] = [];
  readonly adapters = new Map<string, string>();
  private readonly queue: Reply[] = [];
  private readonly embeddingQueue: Reply[] = [];
  private readonly sockets = new Set<import("node:net").Socket>();
  /** Embedding requests in flight: now, at most, and over time. */
  readonly embeddingsInFlight: InFlight = { now: 0, max: 0, weightedMs: 0 };

  private constructor(private readonly server: http.Server, private readonly options: ModelServerOptions) {
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  static async start(options: ModelServerOptions = {}): Promise<TestModelServer> {
    const server = http.createServer();
    const instance = new TestModelServer(server, options);
    server.on("request", (req, res) => void instance.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return instance;
  }

  /** The base URL a profile uses, ending in /v1. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  /** Replies for the next chat or completion requests, in order. */
  enqueue(...replies: Reply[]): void {
    this.queue.push(...replies);
  }

  /** Replies for the next embedding requests, in order (failures: error, hang-before-headers, drop, hang, cut, raw). */
  enqueueEmbeddings(...replies: Reply[]): void {
    this.embeddingQueue.push(...replies);
  }

  /** The server's options, changeable while it runs (e.g. the embedding length). */
  get settings(): ModelServerOptions {
    return this.options;
  }

  /** Recorded requests to one endpoint, e.g. "/v1/chat/completions". */
  to(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    // A server behind a path (a gateway's `/team/v1`) answers as at `/v1`.
    const fullPath = (req.url ?? "").split("?")[0];
    const path = fullPath.includes("/v1/") ? fullPath.slice(fullPath.indexOf("/v1/")) : fullPath;
    const request: RecordedRequest = { method: req.method ?? "", path, headers: req.headers, body, raw, time: Date.now() };
    this.requests.push(request);
    if (this.options.apiKey && req.headers.authorization !== `Bearer ${this.options.apiKey}`) {
      return this.error(res, { kind: "error", status: 401, message: "Incorrect API key provided." });
    }
    switch (request.path) {
      case "/v1/models":
        return this.json(res, 200, { object: "list", data: [...(this.options.models ?? []), ...this.adapters.keys()].map((id) => ({ id, object: "model", owned_by: "test" })) });
      case "/v1/load_lora_adapter":
        return this.loadAdapter(request, res);
      case "/v1/embeddings":
        return this.trackInFlight(() => this.embeddings(request, res));
      case "/v1/rerank": {
        const { query, documents } = (request.body ?? {}) as { query?: string; documents?: string[] };
        if (typeof query !== "string" || !Array.isArray(documents)) return this.json(res, 400, { error: { message: "query and documents are required" } });
        const relevance = this.options.relevance ?? wordShare;
        const results = documents.map((document, index) => ({ index, relevance_score: relevance(query, document) })).sort((a, b) => b.relevance_score - a.relevance_score);
        return this.json(res, 200, { results });
      }
      case "/v1/chat/completions":
      case "/v1/completions": {
        const model = request.body?.model;
        const known = this.options.models?.length ? [...this.options.models, ...this.adapters.keys()] : undefined;
        if (known && !known.includes(model)) {
          return this.error(res, { kind: "error", status: 404, message: `The model \`${model}\` does not exist or you do not have access to it.` });
        }
        const reply = this.queue.shift() ?? (request.path === "/v1/completions"
          ? (this.options.complete?.(request) ?? { kind: "text", text: "return a + b;" })
          : (this.options.respond ?? citeFirstContextItem)(request));
        return request.path === "/v1/completions" ? this.completion(request, res, reply) : this.chat(request, res, reply);
      }
      default:
        return this.json(res, 404, { error: { message: `Unknown path ${request.path}`, type: "invalid_request_error" } });
    }
  }

  private json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  }

  private error(res: http.ServerResponse, reply: Extract<Reply, { kind: "error" }>): void {
    const headers: Record<string, string> = reply.retryAfter !== undefined ? { "retry-after": String(reply.retryAfter) } : {};
    this.json(res, reply.status, { error: { message: reply.message ?? `Test server error ${reply.status}`, type: "test_error", code: null } }, headers);
  }

  /** Handles the failure replies every endpoint shares; true when it did. */
  private failure(res: http.ServerResponse, reply: Reply): boolean {
    switch (reply.kind) {
      case "error":
        this.error(res, reply);
        return true;
      case "hang-before-headers":
        return true;
      case "drop":
        res.socket?.destroy();
        return true;
      default:
        return false;
    }
  }

  private async chat(request: RecordedRequest, res: http.ServerResponse, reply: Reply): Promise<void> {
    if (this.failure(res, reply)) return;
    const model = request.body?.model ?? "test-model";
    const id = `chatcmpl-${this.requests.length}`;
    const base = { id, object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), model };
    const promptTokens = Math.ceil(request.raw.length / 4);
    if (!request.body?.stream) {
      const text = reply.kind === "text" ? reply.text : "";
      return this.json(res, 200, {
        id, object: "chat.completion", created: base.created, model,
        choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
        usage: { prompt_tokens: promptTokens, completion_tokens: Math.ceil(text.length / 4), total_tokens: promptTokens + Math.ceil(text.length / 4) },
      });
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const send = (data: unknown): boolean => res.write(`data: ${JSON.stringify(data)}\n\n`);
    send({ ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] });
    if (reply.kind === "hang") {
      send({ ...base, choices: [{ index: 0, delta: { content: "Let me think" }, finish_reason: null }] });
      return;
    }
    if (reply.kind === "broken") {
      res.write(`data: {"id": "${id}", "choices": [{"delta": {"content": "hal\n\n`);
      res.end();
      return;
    }
    let completion = "";
    if (reply.kind === "tool") {
      reply.calls.forEach((call, index) => {
        send({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, ...(reply.noIds ? {} : { id: `call_${this.requests.length}_${index}` }), type: "function", function: { name: call.name, arguments: "" } }] }, finish_reason: null }] });
        for (let i = 0; i < call.arguments.length; i += 8) {
          send({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, function: { arguments: call.arguments.slice(i, i + 8) } }] }, finish_reason: null }] });
        }
        completion += call.arguments;
      });
      send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] });
    } else if (reply.kind === "text") {
      const size = reply.chunkSize ?? 6;
      for (let i = 0; i < reply.text.length; i += size) {
        send({ ...base, choices: [{ index: 0, delta: { content: reply.text.slice(i, i + size) }, finish_reason: null }] });
        if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
      }
      completion = reply.text;
      send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] });
    }
    const omitUsage = reply.kind === "text" && reply.omitUsage;
    if (request.body?.stream_options?.include_usage && !omitUsage) {
      const completionTokens = Math.ceil(completion.length / 4);
      send({ ...base, choices: [], usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens } });
    }
    res.write("data: [DONE]\n\n");
    res.end();
  }

  private completion(request: RecordedRequest, res: http.ServerResponse, reply: Reply): void {
    if (this.failure(res, reply)) return;
    if (reply.kind === "hang") return;
    const text = reply.kind === "text" ? reply.text : "";
    const promptTokens = Math.ceil(String(request.body?.prompt ?? "").length / 4);
    this.json(res, 200, {
      id: `cmpl-${this.requests.length}`, object: "text_completion", created: Math.floor(Date.now() / 1000), model: request.body?.model,
      choices: [{ index: 0, text, finish_reason: "stop", logprobs: null }],
      usage: { prompt_tokens: promptTokens, completion_tokens: Math.ceil(text.length / 4), total_tokens: promptTokens + Math.ceil(text.length / 4) },
    });
  }

  private async trackInFlight(answer: () => Promise<void>): Promise<void> {
    const flight = this.embeddingsInFlight;
    const tick = (change: number): void => {
      const now = performance.now();
      flight.since ??= now;
      if (flight.last !== undefined) flight.weightedMs += flight.now * (now - flight.last);
      flight.last = now;
      flight.now += change;
      flight.max = Math.max(flight.max, flight.now);
    };
    tick(1);
    try {
      await answer();
    } finally {
      tick(-1);
    }
  }

  private async embeddings(request: RecordedRequest, res: http.ServerResponse): Promise<void> {
    const reply = this.embeddingQueue.shift();
    if (reply && this.failure(res, reply)) return;
    if (reply?.kind === "raw") {
      res.writeHead(200, { "content-type": reply.contentType });
      return void res.end(reply.body);
    }
    if (reply?.kind === "hang" || reply?.kind === "cut") {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,');
      if (reply.kind === "cut") setTimeout(() => res.socket?.destroy(), 50);
      return;
    }
    const inputs: string[] = Array.isArray(request.body?.input) ? request.body.input : [String(request.body?.input ?? "")];
    if (this.options.maxEmbeddingInputs && inputs.length > this.options.maxEmbeddingInputs) {
      return this.json(res, 400, { error: { message: `At most ${this.options.maxEmbeddingInputs} inputs per request, got ${inputs.length}.`, type: "invalid_request_error" } });
    }
    const long = this.options.maxEmbeddingChars && inputs.find((input) => input.length > this.options.maxEmbeddingChars!);
    const refusal = this.options.tooLongReply ?? { status: 400, message: "This model's maximum context length was exceeded." };
    if (long) return this.json(res, refusal.status, { error: { message: refusal.message, type: "invalid_request_error" } });
    const delay = this.options.embeddingDelayMs?.(inputs.length) ?? 0;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    const dims = Number(request.body?.dimensions) || this.options.embeddingDims || 32;
    const encode = (vector: number[]): number[] | string => (request.body?.encoding_format === "base64" ? Buffer.from(Float32Array.from(vector).buffer).toString("base64") : vector);
    this.json(res, 200, {
      object: "list", model: request.body?.model,
      data: inputs.map((input, index) => ({ object: "embedding", index, embedding: encode(bagOfWordsVector(input, dims)) })),
      usage: { prompt_tokens: Math.ceil(inputs.join(" ").length / 4), total_tokens: Math.ceil(inputs.join(" ").length / 4) },
    });
  }

  private async loadAdapter(request: RecordedRequest, res: http.ServerResponse): Promise<void> {
    if (this.options.adapterLoadMs) await new Promise((resolve) => setTimeout(resolve, this.options.adapterLoadMs));
    const name = request.body?.lora_name;
    const lora = request.body?.lora_path;
    if (typeof name !== "string" || typeof lora !== "string") return this.json(res, 400, { error: { message: "lora_name and lora_path are required" } });
    if (this.adapters.has(name)) return this.json(res, 400, { error: { message: `The lora adapter '${name}' has already been loaded.` } });
    this.adapters.set(name, lora);
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`Success: LoRA adapter '${name}' added successfully.`);
  }
}
