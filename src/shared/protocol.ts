// The typed message protocol between the extension and the chat webview. The webview says
// `ready` before the extension sends anything; every message is one of these shapes on both sides.

export { type Citation, findCitations, formatCitation, parseCitation } from "./citation";

/** A retrieved snippet as the sources list shows it. */
export interface SourceView {
  citation: string;
  symbols: string[];
  /** Why it was chosen, e.g. "vector #1, keyword #3, 80% of the question's words" or "definition used by a.ts:1-9". */
  why: string;
}

export interface CitationView {
  text: string;
  valid: boolean;
}

export interface AnswerView {
  id: string;
  question: string;
  answer: string;
  mode: "model" | "retrieval-only";
  profileLabel: string;
  sources: SourceView[];
  citations: CitationView[];
  conventions: string[];
  notice?: string;
  latencyMs?: number;
  tokens?: string;
  /** For Compare: which side, and its title. */
  compareSide?: string;
}

export interface ModelView {
  id: string;
  label: string;
  kind: "base" | "lora";
  active: boolean;
}

export interface Mention {
  kind: "file" | "symbol";
  /** What is inserted: `@path` or `@symbol`. */
  label: string;
  detail: string;
}

export type WebviewToExtension =
  | { type: "ready" }
  | { type: "ask"; id: string; question: string }
  | { type: "stop" }
  | { type: "newChat" }
  | { type: "openCitation"; citation: string }
  | { type: "copy"; code: string }
  | { type: "insert"; code: string }
  | { type: "apply"; code: string; language: string }
  | { type: "switchModel"; profileId: string }
  /** `id` increases with every request; the reply carries it back. */
  | { type: "mentions"; id: number; query: string; kind: "file" | "symbol" }
  | { type: "configureModel" };

export type ExtensionToWebview =
  | { type: "state"; indexState: string; models: ModelView[]; history: AnswerView[] }
  | { type: "indexState"; text: string }
  | { type: "models"; models: ModelView[] }
  | { type: "answerStart"; id: string; question: string; profileLabel: string; compareSide?: string }
  | { type: "delta"; id: string; text: string }
  | { type: "status"; id: string; text: string }
  | { type: "answerEnd"; answer: AnswerView }
  | { type: "mentions"; id: number; items: Mention[] }
  | { type: "cleared" }
  /** Put text into the input and send it (commands such as Ask About Selection). */
  | { type: "askFromCommand"; question: string };

const WEBVIEW_MESSAGE_TYPES: ReadonlySet<string> = new Set(["ready", "ask", "stop", "newChat", "openCitation", "copy", "insert", "apply", "switchModel", "mentions", "configureModel"]);

/** Checks a message from the webview before the extension acts on it. */
export function isWebviewMessage(value: unknown): value is WebviewToExtension {
  if (!value || typeof value !== "object") return false;
  const message = value as Record<string, unknown>;
  if (typeof message.type !== "string" || !WEBVIEW_MESSAGE_TYPES.has(message.type)) return false;
  const strings = (...keys: string[]): boolean => keys.every((key) => typeof message[key] === "string");
  switch (message.type) {
    case "ask":
      return strings("id", "question");
    case "openCitation":
      return strings("citation");
    case "copy":
    case "insert":
      return strings("code");
    case "apply":
      return strings("code", "language");
    case "switchModel":
      return strings("profileId");
    case "mentions":
      return strings("query") && Number.isSafeInteger(message.id) && (message.kind === "file" || message.kind === "symbol");
    default:
      return true;
  }
}
