// What a folder's index is opened with and what its status reports (folderIndex.ts).
import type { Embedder } from "../embed/embedder";
import type { FileStages } from "../index/stages";
import type { ScanOptions } from "../scan/scanner";
import type { FileRecord } from "../store/schema";
import type { Logger } from "../util/host";
import type { EmbedderFactory } from "./generationEmbedders";
import type { SharedStatus } from "./sharedOverlay";

/**
 * Below this, a flat vector search is fast enough and always exact. Measured here (512 dims, k=30):
 * flat 2.5 ms at 500 rows, 3.9 ms at 1k, 5.6 ms at 2k, 13 ms at 5.4k; HNSW_SQ ~1.5 ms at any of
 * them, built in 0.5 s at 5.4k rows.
 */
export const VECTOR_INDEX_MIN_ROWS = 1_000;

export interface FolderIndexOptions {
  root: string;
  /** The folder holding the generations and the writer lock. */
  dbPath: string;
  embedder: Embedder;
  /** A neural embedder whose vectors go beside the builtin ones; "from-index": the one the answering generation was built with. */
  neural?: Embedder | "from-index";
  /** Makes a neural embedder from a generation's recorded spec (the host supplies keys). */
  embedderFor?: EmbedderFactory;
  /** A shared index (object-store URI) this folder's index overlays: it answers for what is the same here. */
  shared?: string;
  /** Complete generations built with other embedders kept after a switch, so a switch back answers at once (default 1). */
  keepGenerations?: number;
  stages: FileStages;
  scan?: Omit<ScanOptions, "signal">;
  logger: Logger;
  /** Chunk count from which vector search uses an ANN index built in the background. */
  vectorIndexMinRows?: number;
  /** See IndexerOptions.syncTextIndexMaxRows. */
  syncTextIndexMaxRows?: number;
  /** Chunks embedded and written together (IndexerOptions.batchChunks). */
  batchChunks?: number;
}

export interface IndexStatus {
  root: string;
  dbPath: string;
  embedder: string;
  filesIndexed: number;
  chunks: number;
  skipped: FileRecord[];
  failed: FileRecord[];
  lastUpdated?: string;
  /** The git commit the index was last brought up to date with, when the folder is a repository. */
  commit?: string;
  /** The shared index this one overlays, when there is one. */
  shared?: SharedStatus;
  /** Rows the ANN index covers and rows searched flat beside it; absent while search is all flat. */
  vectorIndex?: { indexed: number; unindexed: number };
  /** The generation answering searches: its fingerprint, and whether its vectors answer queries made now. */
  generation?: { fingerprint: string; searches: "hybrid" | "keywords only" };
  /** Set while a new generation is built beside the answering one: why, and how many files it holds. */
  rebuilding?: { reason: string; filesDone: number };
  /** Set when the index can't work on this machine, saying why. */
  unavailable?: string;
}
