// Groundwork's settings: their types, defaults, and which need a reindex. No vscode import, so
// a unit test checks these defaults against package.json's contributes.configuration.

export interface GroundworkSettings {
  /** Index the workspace in the background after start-up. */
  "index.enabled": boolean;
  /** Files larger than this are skipped. */
  "index.maxFileBytes": number;
  /** More excludes, in .gitignore syntax. */
  "index.exclude": string[];
  /** At most this many files per folder. */
  "index.maxFiles": number;
  /** Model profiles (raw: validated by parseProfiles). Application scope: user settings only. */
  models: unknown[];
  /** Profile id for chat and code actions; empty: the first. */
  "chat.model": string;
  /** Profile id for inline completions; empty: the chat profile. */
  "completions.model": string;
  "completions.enabled": boolean;
  "completions.debounceMs": number;
  "model.timeoutSeconds": number;
  /** A /v1/rerank server that reorders the head of every search; empty: no reranking. Application scope. */
  "search.reranker": { baseURL?: string; model?: string };
}

export const SETTING_DEFAULTS: GroundworkSettings = {
  "index.enabled": true,
  "index.maxFileBytes": 1024 * 1024,
  "index.exclude": [],
  "index.maxFiles": 250_000,
  models: [],
  "chat.model": "",
  "completions.model": "",
  "completions.enabled": true,
  "completions.debounceMs": 300,
  "model.timeoutSeconds": 60,
  "search.reranker": {},
};

/** Settings that decide where code is sent: only the user's own settings may set them. */
export const MACHINE_SETTINGS: ReadonlySet<keyof GroundworkSettings> = new Set(["models", "chat.model", "completions.model", "model.timeoutSeconds", "search.reranker"]);

/** Settings whose change reopens the index (no reindex needed). */
export const REOPEN_SETTINGS: ReadonlySet<keyof GroundworkSettings> = new Set(["search.reranker"]);

/** Settings whose change needs a reindex to take effect. */
export const REINDEX_SETTINGS: ReadonlySet<keyof GroundworkSettings> = new Set(["index.maxFileBytes", "index.exclude", "index.maxFiles"]);
