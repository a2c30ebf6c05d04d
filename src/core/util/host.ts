// Small interfaces through which the core talks to its host (VS Code, the CLI, tests).

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";

export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

/** A logger that drops everything: for tests and callers that don't care. */
export const silentLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export function errorMessage(error: unknown): string {
  // LanceDB's errors end with the Rust source line that raised them: no use to anyone reading the message.
  return (error instanceof Error ? error.message : String(error)).replace(/(?:,\s*|\s+)\/[^\s,()]*\.rs:\d+:\d+/g, "");
}

/**
 * A signal of its own for one request, aborted with `parent`; `release()` once the request is done
 * takes its listener off `parent` again. The openai SDK adds an abort listener to the signal it is
 * given and never removes it: given a run's signal, thousands of requests left one each (Node warns
 * past 100, and each kept its request's objects alive until the run ended).
 */
export function requestSignal(parent: AbortSignal | undefined): { signal: AbortSignal | undefined; release: () => void } {
  if (!parent) return { signal: undefined, release: () => undefined };
  const controller = new AbortController();
  const abort = (): void => controller.abort(parent.reason);
  if (parent.aborted) abort();
  else parent.addEventListener("abort", abort, { once: true });
  return { signal: controller.signal, release: () => parent.removeEventListener("abort", abort) };
}

/** The work's value, or (its request cancelled) an error saying it took longer than `ms` (`message`, when given). */
export function withTimeout<T>(work: (signal: AbortSignal) => Promise<T>, ms: number, message = `no answer within ${ms} ms`): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(message));
      controller.abort();
    }, ms);
  });
  const running = work(controller.signal);
  running.catch(() => undefined);
  return Promise.race([running, timeout]).finally(() => clearTimeout(timer));
}

/** Why a server's URL is refused: one with a user name or password in it would be stored (in the index, in settings) and printed. */
export const URL_CREDENTIALS = "holds a user name or password; give the key in its own setting or environment variable instead (the URL is stored and shown)";

/** Whether a URL carries a user name or password (`https://user:secret@host/v1`). */
export function hasCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== "" || parsed.password !== "";
  } catch {
    return false;
  }
}

/** A URL as it may be shown: without a user name or password. */
export function shownUrl(url: string): string {
  if (!hasCredentials(url)) return url;
  const parsed = new URL(url);
  parsed.username = "";
  parsed.password = "";
  return parsed.toString().replace(/\/$/, url.endsWith("/") ? "/" : "");
}
