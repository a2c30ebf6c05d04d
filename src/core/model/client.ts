// One model profile's connection, on the openai package: streamed chat with tool calls,
// fill-in-the-middle completions, and vLLM LoRA adapter loading on first use. A stream that stops
// mid-answer is cut off by an idle timer, so no request can hang forever.
import { randomUUID } from "node:crypto";
import OpenAI from "openai";
import type { ChatCompletionTool } from "openai/resources/chat/completions";
import { errorMessage, type Logger, requestSignal, silentLogger } from "../util/host";
import type { ChatMessage } from "../prompt/messages";
import { redactSecrets } from "../security/redact";
import { CallbackError, ModelError, toModelError } from "./errors";
import type { ModelProfile } from "./profiles";

export type { ChatMessage } from "../prompt/messages";

export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface ChatRequest {
  messages: ChatMessage[];
  tools?: ChatCompletionTool[];
  /** "required": the model must call a tool (VS Code's LanguageModelChatToolMode.Required). */
  toolChoice?: "auto" | "required";
  signal?: AbortSignal;
  /** Each piece of streamed answer text, as it arrives. */
  onDelta?: (text: string) => void;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

export interface ChatResult {
  text: string;
  toolCalls: ToolCall[];
  finishReason: string;
  /** As the server reported it; undefined when it did not. */
  usage?: Usage;
  /** True when tools were dropped because the server does not support them. */
  toolsDropped: boolean;
  /** Secrets replaced in what was sent. */
  redactions: number;
}

export interface CompletionRequest {
  prompt: string;
  /** For servers with native suffix support (`fim: native-suffix`). */
  suffix?: string;
  maxTokens: number;
  stop?: string[];
  signal?: AbortSignal;
}

export interface ModelClientOptions {
  apiKey?: string;
  logger?: Logger;
  /** Until the response starts. */
  timeoutMs?: number;
  /** Longest silence inside a stream before it counts as hung. */
  idleTimeoutMs?: number;
  /** Retries of transient failures (connection, 408, 409, 429, 5xx), with backoff. */
  maxRetries?: number;
}

export class ModelClient {
  private readonly client: OpenAI;
  private readonly logger: Logger;
  private readonly timeoutMs: number;
  private readonly idleTimeoutMs: number;
  private readonly maxRetries: number;
  private adapterLoaded: Promise<void> | undefined;
  private toolsUnsupported = false;

  constructor(readonly profile: ModelProfile, private readonly options: ModelClientOptions = {}) {
    this.logger = options.logger ?? silentLogger;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    this.maxRetries = options.maxRetries ?? 2;
    this.client = new OpenAI({
      // Local servers need no key, but the package insists on one.
      apiKey: options.apiKey || "no-key",
      baseURL: profile.baseURL,
      timeout: this.timeoutMs,
      maxRetries: this.maxRetries,
      defaultHeaders: profile.headers,
    });
  }

  private errorContext() {
    return { baseURL: this.profile.baseURL, model: this.profile.model, timeoutMs: this.timeoutMs, retries: this.maxRetries };
  }

  /**
   * Streams one chat turn. A server that refuses the tools before answering gets the turn again
   * without them; one that says it does not support tools at all is not offered them again.
   */
  async chat(request: ChatRequest): Promise<ChatResult> {
    await this.ensureAdapter(request.signal);
    const tools = this.toolsUnsupported ? undefined : request.tools;
    let streamed = false;
    const onDelta = request.onDelta && ((text: string) => {
      streamed = true;
      request.onDelta!(text);
    });
    try {
      return await this.streamChat({ ...request, onDelta }, tools);
    } catch (error) {
      // The caller's own error passes through as it is: it is not the model's to report.
      if (error instanceof CallbackError) throw error.cause;
      const modelError = toModelError(error, this.errorContext());
      // Told by the server's own words, not ours (which name its address: a `/function-tools/v1` gateway),
      // and only before any of the answer was shown (a retry would show it twice).
      const words = errorMessage(error);
      // A server that takes tools but not a required call: the turn again without the requirement, tools kept.
      if (!streamed && tools?.length && request.toolChoice && /tool_choice/i.test(words) && (modelError.kind === "bad-request" || modelError.kind === "server")) {
        this.logger.info(`${this.profile.id}: the server refused tool_choice (${modelError.message}); asking without it`);
        return await this.chat({ ...request, toolChoice: undefined });
      }
      if (!streamed && tools?.length && (modelError.kind === "bad-request" || modelError.kind === "server") && /tool|function/i.test(words)) {
        const unsupported = TOOLS_UNSUPPORTED.test(words);
        this.logger.info(`${this.profile.id}: the server rejected tool calls (${modelError.message}); answering in one shot${unsupported ? " (and from now on)" : ""}`);
        if (unsupported) this.toolsUnsupported = true;
        return { ...(await this.streamChat(request, undefined).catch((e) => Promise.reject(e instanceof CallbackError ? e.cause : toModelError(e, this.errorContext())))), toolsDropped: true };
      }
      throw modelError;
    }
  }

  private async streamChat(request: ChatRequest, tools: ChatCompletionTool[] | undefined): Promise<ChatResult> {
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    request.signal?.addEventListener("abort", abort, { once: true });
    if (request.signal?.aborted) controller.abort();
    let stalled = false;
    let idle: ReturnType<typeof setTimeout> | undefined;
    const resetIdle = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        stalled = true;
        controller.abort();
      }, this.idleTimeoutMs);
    };
    const { messages, count } = redactMessages(request.messages);
    const result: ChatResult = { text: "", toolCalls: [], finishReason: "unknown", toolsDropped: false, redactions: count };
    const calls = new Map<number, ToolCall>();
    try {
      const stream = await this.client.chat.completions.create(
        {
          model: this.profile.model,
          messages,
          stream: true,
          stream_options: { include_usage: true },
          temperature: this.profile.temperature,
          max_tokens: this.profile.maxOutputTokens,
          ...(this.profile.stop.length ? { stop: this.profile.stop } : {}),
          ...(tools?.length ? { tools, ...(request.toolChoice ? { tool_choice: request.toolChoice } : {}) } : {}),
        },
        { signal: controller.signal },
      );
      resetIdle();
      for await (const chunk of stream) {
        resetIdle();
        if (chunk.usage) result.usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        const text = choice.delta?.content;
        if (text) {
          result.text += text;
          try {
            request.onDelta?.(text);
          } catch (error) {
            throw new CallbackError(error);
          }
        }
        for (const call of choice.delta?.tool_calls ?? []) {
          const entry = calls.get(call.index) ?? { id: "", name: "", arguments: "" };
          if (call.id) entry.id = call.id;
          if (call.function?.name) entry.name += call.function.name;
          if (call.function?.arguments) entry.arguments += call.function.arguments;
          calls.set(call.index, entry);
        }
        if (choice.finish_reason) result.finishReason = choice.finish_reason;
      }
      // An aborted stream may simply end: say why it ended.
      if (stalled || request.signal?.aborted) throw new Error("stream aborted");
    } catch (error) {
      if (stalled) {
        throw new ModelError("timeout", `The model server at ${this.profile.baseURL} stopped sending in the middle of the answer (nothing for ${Math.round(this.idleTimeoutMs / 1000)} s).`);
      }
      if (request.signal?.aborted) throw new ModelError("cancelled", "The request was cancelled.");
      throw error;
    } finally {
      clearTimeout(idle);
      request.signal?.removeEventListener("abort", abort);
    }
    // A server that streams no call ids gets ids of ours: each result must find its call.
    result.toolCalls = [...calls.entries()].sort((a, b) => a[0] - b[0]).map(([, call]) => call).filter((call) => call.name)
      .map((call) => (call.id ? call : { ...call, id: `call_${randomUUID().replace(/-/g, "").slice(0, 24)}` }));
    return result;
  }

  /** One fill-in-the-middle (or plain) completion through /v1/completions. */
  async complete(request: CompletionRequest): Promise<{ text: string; usage?: Usage; redactions: number }> {
    await this.ensureAdapter(request.signal);
    const prompt = redactSecrets(request.prompt);
    const suffix = request.suffix !== undefined ? redactSecrets(request.suffix) : undefined;
    const own = requestSignal(request.signal);
    try {
      const response = await this.client.completions.create(
        {
          model: this.profile.model,
          prompt: prompt.text,
          ...(suffix ? { suffix: suffix.text } : {}),
          max_tokens: request.maxTokens,
          temperature: this.profile.temperature,
          ...(request.stop?.length ? { stop: request.stop } : {}),
        },
        { signal: own.signal },
      );
      const usage = response.usage ? { promptTokens: response.usage.prompt_tokens, completionTokens: response.usage.completion_tokens } : undefined;
      return { text: response.choices?.[0]?.text ?? "", usage, redactions: prompt.count + (suffix?.count ?? 0) };
    } catch (error) {
      throw toModelError(error, this.errorContext());
    } finally {
      own.release();
    }
  }

  /**
   * Loads the profile's LoRA adapter on a vLLM server once (`/v1/load_lora_adapter`). The load is
   * shared by every request waiting for it and is not tied to any one of them: a request cancelled
   * meanwhile stops waiting (as cancelled), the others go on waiting.
   */
  ensureAdapter(signal?: AbortSignal): Promise<void> {
    if (this.profile.kind !== "lora" || !this.profile.adapterPath) return Promise.resolve();
    this.adapterLoaded ??= this.loadAdapter().catch((error) => {
      this.adapterLoaded = undefined;
      throw error;
    });
    if (!signal) return this.adapterLoaded;
    const loading = this.adapterLoaded;
    return new Promise<void>((resolve, reject) => {
      const cancelled = (): void => reject(new ModelError("cancelled", "The request was cancelled."));
      if (signal.aborted) return cancelled();
      signal.addEventListener("abort", cancelled, { once: true });
      loading.then(resolve, reject).finally(() => signal.removeEventListener("abort", cancelled));
    });
  }

  private async loadAdapter(): Promise<void> {
    const url = `${this.profile.baseURL}/load_lora_adapter`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...this.profile.headers,
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify({ lora_name: this.profile.model, lora_path: this.profile.adapterPath }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new ModelError("unreachable", `Cannot reach ${url} to load the LoRA adapter "${this.profile.model}" (${errorMessage(error)}).`);
    }
    const body = await response.text();
    // vLLM answers 400 "... has already been loaded" when another client loaded it first.
    if (response.ok || /already/i.test(body)) {
      this.logger.info(`${this.profile.id}: LoRA adapter ${this.profile.model} ready (${this.profile.adapterPath})`);
      return;
    }
    throw new ModelError(
      response.status === 404 ? "bad-request" : "server",
      `Loading the LoRA adapter "${this.profile.model}" from ${this.profile.adapterPath} failed (${response.status}: ${body.slice(0, 200)}). ` +
        "The server must run vLLM with --enable-lora and VLLM_ALLOW_RUNTIME_LORA_UPDATING=1, or serve the adapter by name.",
      response.status,
    );
  }
}

/** Server words for "this model or server takes no tools" (Ollama, vLLM without a tool parser, llama.cpp without --jinja). */
const TOOLS_UNSUPPORTED = /not support|unsupported|requires --|--enable-auto-tool-choice|--jinja|not enabled|not available/i;

function redactArguments(json: string, clean: (text: string) => string): string {
  try {
    return JSON.stringify(JSON.parse(json, (_key, value: unknown) => (typeof value === "string" ? clean(value) : value)));
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return clean(json);
  }
}

/** Every text that goes to the server passes through the secret redactor (exported for hosts that send prompts through another vendor's model). */
export function redactMessages(messages: readonly ChatMessage[]): { messages: ChatMessage[]; count: number } {
  let count = 0;
  const clean = (text: string): string => {
    const redacted = redactSecrets(text);
    count += redacted.count;
    return redacted.text;
  };
  const out = messages.map((message) => {
    if ("tool_calls" in message && message.tool_calls?.length) {
      // A tool call's arguments (an earlier turn's, from any model) are redacted value by value: the JSON stays valid.
      const calls = message.tool_calls.map((call) => (call.type === "function" ? { ...call, function: { ...call.function, arguments: redactArguments(call.function.arguments, clean) } } : call));
      message = { ...message, tool_calls: calls } as ChatMessage;
    }
    if (typeof message.content === "string") return { ...message, content: clean(message.content) } as ChatMessage;
    if (Array.isArray(message.content)) {
      return { ...message, content: message.content.map((part) => ("text" in part && typeof part.text === "string" ? { ...part, text: clean(part.text) } : part)) } as ChatMessage;
    }
    return message;
  });
  return { messages: out, count };
}
