// What the Codebase takes and gives: its options, folders, progress, status and errors.
import type { Citation } from "../../shared/citation";
import type { ChunkerOptions } from "../chunk/chunker";
import type { Embedder } from "../embed/embedder";
import type { IndexProgress, IndexRunResult, OwnershipChange } from "../index/indexer";
import type { HttpRerankerOptions } from "../retrieval/reranker";
import type { SearchOptions } from "../retrieval/types";
import type { ScanOptions } from "../scan/scanner";
import type { Logger } from "../util/host";
import type { IndexStatus } from "./folderIndex";
import type { EmbedderFactory } from "./generationEmbedders";
import type { FolderSpec, NamedFolder } from "./paths";
import type { PathFlavor } from "../../shared/fsPaths";

export interface CodebaseOptions {
  folders: readonly FolderSpec[];
  /** Where a folder's index lives when its spec names none: `<storageDir>/index-<hash of its path>`; without it, `<folder>/.groundwork/index`. */
  storageDir?: string;
  /** Default: the builtin embedder. */
  embedder?: Embedder;
  /**
   * A neural embedder (the OpenAI-compatible one) whose vectors are searched beside the builtin
   * ones and full text; "from-index": the one each folder's index was built with (CLI commands
   * other than a switch). Without it: builtin vectors only.
   */
  neural?: Embedder | "from-index";
  /** Makes an embedder again from the spec an index recorded (base URL, model, dims; the host adds the key). */
  embedderFor?: EmbedderFactory;
  /**
   * A shared index on object storage (`s3://bucket/prefix`, written by CI with `index --db`), read
   * only: the first folder's local index then holds just what differs here, and wins for it.
   */
  shared?: string;
  /** Complete indexes built with other embedders kept after a switch, so switching back answers at once (default 1). */
  keepGenerations?: number;
  /** The bundled worker script (dist/worker.js): parse, chunk and embed in worker threads. Without it, in this thread. */
  workerPath?: string;
  /** Worker threads (default: one per core, at most 4). */
  workers?: number;
  chunker?: ChunkerOptions;
  scan?: Omit<ScanOptions, "signal">;
  /** Defaults for every search. */
  search?: SearchOptions;
  /** A /v1/rerank server; searches with `rerank: true` use it. */
  reranker?: HttpRerankerOptions;
  logger?: Logger;
  /** How the file system compares paths (default: this machine's); tests pass Windows' or macOS's. */
  paths?: PathFlavor;
  /** Tuning, for tests and benchmarks: see FolderIndexOptions. */
  vectorIndexMinRows?: number;
  syncTextIndexMaxRows?: number;
  batchChunks?: number;
}

/** A folder of the codebase. */
export interface CodebaseFolder extends NamedFolder {
  dbPath: string;
}

export interface FolderRunResult extends IndexRunResult {
  folder: string;
}

export interface FolderStatus extends IndexStatus {
  /** The folder's name, and the prefix of its paths ("" in a single-folder codebase). */
  folder: string;
  prefix: string;
}

export interface ProgressEvent {
  folder: string;
  progress: IndexProgress;
}

/** A run's change of which files a folder's shared index answers for (see SharedOverlay.applyOwnership). */
export interface OwnershipEvent {
  folder: string;
  change: OwnershipChange;
}

export interface MentionSuggestion {
  kind: "file" | "symbol";
  /** What an `@` mention inserts: a codebase path or a symbol name. */
  value: string;
  detail: string;
}

/** Code read for a citation. */
export interface CitedCode extends Citation {
  /** `path:start-end` of the lines actually read (the end is clamped to the file). */
  citation: string;
  text: string;
  language: string;
  /** Absolute path of the file. */
  absPath: string;
}

/** A request the codebase cannot serve, with what to do about it. */
export class CodebaseError extends Error {
  override readonly name = "CodebaseError";
}
