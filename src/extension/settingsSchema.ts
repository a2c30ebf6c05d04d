// Groundwork's settings: their types, defaults, and which need a reindex. No vscode import, so
// a unit test checks these defaults against package.json's contributes.configuration.
import { MIN_RELEVANCE } from "../core/codebase";

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
  /** An OpenAI-compatible embedding model whose vectors go beside the builtin ones; empty: builtin only. Application scope. */
  "index.embeddings": EmbeddingSetting;
  /** Indexes built with other embedding models kept after a switch, so switching back is immediate. */
  "index.keepGenerations": number;
  /** Retrieved hits below this relevance (0-1) stay out of prompts and the Sources list. */
  "search.minRelevance": number;
  /** A team index on object storage read under a local overlay. Application scope: user settings only. */
  "index.shared": { uri?: string; endpoint?: string; region?: string };
}

export interface EmbeddingSetting {
  /** A local model folder run with transformers.js (instead of a server). */
  modelDir?: string;
  baseURL?: string;
  model?: string;
  dims?: number;
  maxInputTokens?: number;
  maxBatchItems?: number;
  concurrency?: number;
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
  "index.embeddings": {},
  "index.keepGenerations": 1,
  "search.minRelevance": MIN_RELEVANCE,
  "index.shared": {},
};

/** Settings that decide where code is sent: only the user's own settings may set them. */
export const MACHINE_SETTINGS: ReadonlySet<keyof GroundworkSettings> = new Set(["models", "chat.model", "completions.model", "model.timeoutSeconds", "search.reranker", "index.embeddings", "index.shared"]);

/** Settings whose change reopens the index (no reindex needed). */
export const REOPEN_SETTINGS: ReadonlySet<keyof GroundworkSettings> = new Set(["search.reranker", "index.keepGenerations"]);

/** Settings whose change needs a reindex to take effect. */
export const REINDEX_SETTINGS: ReadonlySet<keyof GroundworkSettings> = new Set(["index.maxFileBytes", "index.exclude", "index.maxFiles", "index.embeddings", "index.shared"]);
