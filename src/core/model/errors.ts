// Every way a model request can fail, as one error type whose message says what happened and
// what to do. The openai package already retries connection errors, 408/409/429 and 5xx with
// backoff (honouring Retry-After); what reaches here is final.
import OpenAI from "openai";
import { errorMessage } from "../util/host";

export type ModelErrorKind =
  | "unreachable" | "unauthorized" | "unknown-model" | "rate-limited" | "timeout" | "context-too-long"
  | "malformed" | "server" | "bad-request" | "cancelled";

export class ModelError extends Error {
  constructor(readonly kind: ModelErrorKind, message: string, readonly status?: number) {
    super(message);
    this.name = "ModelError";
  }
}

/**
 * An error thrown by a caller's callback (e.g. `onDelta`) while a request streamed: the caller's
 * fault, never the model's. The client passes its cause through instead of making it a ModelError.
 */
export class CallbackError extends Error {
  constructor(override readonly cause: unknown) {
    super(errorMessage(cause));
    this.name = "CallbackError";
  }
}

export interface ErrorContext {
  baseURL: string;
  model: string;
  timeoutMs: number;
  retries: number;
}

const CONTEXT_TOO_LONG = /context length|context window|maximum context|too many tokens|prompt is too long|reduce the length/i;

/** Maps whatever the openai package (or the stream) threw to a ModelError. */
export function toModelError(error: unknown, context: ErrorContext): ModelError {
  if (error instanceof ModelError) return error;
  const where = context.baseURL;
  const detail = (e: { message: string }): string => e.message.replace(/\s+/g, " ").slice(0, 200);
  if (error instanceof OpenAI.APIUserAbortError) return new ModelError("cancelled", "The request was cancelled.");
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new ModelError("timeout", `The model server at ${where} did not answer within ${Math.round(context.timeoutMs / 1000)} s (tried ${context.retries + 1} times). Is it overloaded? Try again, or raise the timeout.`);
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return new ModelError("unreachable", `Cannot reach the model server at ${where} (${detail(error)}). Is it running? Check the profile's baseURL in groundwork.models.`);
  }
  if (error instanceof OpenAI.AuthenticationError || error instanceof OpenAI.PermissionDeniedError) {
    return new ModelError("unauthorized", `The model server at ${where} refused the request (${error.status}): the API key is missing or wrong. Set it with "Groundwork: Set API Key" (CLI: GROUNDWORK_API_KEY).`, error.status);
  }
  if (error instanceof OpenAI.NotFoundError) {
    return new ModelError("unknown-model", `The model server at ${where} does not know the model "${context.model}" (404). Check the profile's model name, or pull / load the model on the server.`, 404);
  }
  if (error instanceof OpenAI.RateLimitError) {
    const after = error.headers?.get("retry-after");
    return new ModelError("rate-limited", `The model server at ${where} is still rate-limiting after ${context.retries} retries (429).${after ? ` It asks to wait ${after} s.` : ""} Try again later.`, 429);
  }
  if (error instanceof OpenAI.BadRequestError || error instanceof OpenAI.UnprocessableEntityError) {
    if (CONTEXT_TOO_LONG.test(error.message)) {
      return new ModelError("context-too-long", `The prompt is longer than the model's context window (${detail(error)}). Lower the profile's contextWindow so Groundwork sends less.`, error.status);
    }
    return new ModelError("bad-request", `The model server at ${where} rejected the request (${error.status}): ${detail(error)}`, error.status);
  }
  if (error instanceof OpenAI.APIError && typeof error.status === "number") {
    return new ModelError("server", `The model server at ${where} failed (${error.status}) after ${context.retries} retries: ${detail(error)}`, error.status);
  }
  if (error instanceof SyntaxError || /Could not parse|Unexpected token|JSON/i.test(errorMessage(error))) {
    return new ModelError("malformed", `The model server at ${where} sent a malformed stream (${errorMessage(error).slice(0, 200)}).`);
  }
  return new ModelError("server", `The model request to ${where} failed: ${errorMessage(error)}`);
}
