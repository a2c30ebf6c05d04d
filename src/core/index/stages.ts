// The indexing pipeline's stages, by name: scan (the indexer) → chunk → embed → fields → write (the
// indexer). The per-file stages run in process, or in worker threads (workerPool.ts), which run
// chunk, embed (the builtin embedder is plain computation) and fields together, off the caller's
// thread. Whatever a worker did not run, the indexer runs before it writes.
import type { Chunker, ChunkResult } from "../chunk/chunker";
import { chunkerFingerprint } from "./fingerprint";

/** What the per-file stages made of one file. */
export interface ProcessedFile {
  /** The chunk stage's output. */
  chunked: ChunkResult;
  /** The embed stage's output, when it ran with the file: vectors made by the embedder with this fingerprint. */
  embedded?: { embedder: string; vectors: Float32Array[] };
  /** The fields stage's output, when it ran with the file: each chunk's full-text fields (rows.textFields). */
  fields?: Array<[string, string]>;
}

export interface FileStages {
  /** Runs the chunk stage on one file, and the embed and fields stages where this runner can. */
  process(path: string, text: string): Promise<ProcessedFile>;
  /** The chunker's fingerprint (part of the index fingerprint): computed by chunking a probe. */
  chunkerFingerprint(): Promise<string>;
  /**
   * A digest of everything `chunkerFingerprint` derives from, where the stages can tell (a bundled
   * worker script with its grammars beside it): an index folder keeps the fingerprint under it.
   * Worked out once, or (`again`) from the files as they are now.
   */
  chunkerInputs?(options?: { again?: boolean }): string | undefined;
  /** Gives back what idle runners hold (worker threads' heaps and parsers); the next file starts them again. */
  release?(): void;
}

/** The chunk stage in this thread; embedding and fields are left to the indexer. */
export class InProcessStages implements FileStages {
  private fingerprint: Promise<string> | undefined;

  constructor(private readonly chunker: Chunker) {}

  async process(path: string, text: string): Promise<ProcessedFile> {
    return { chunked: await this.chunker.chunkFile(path, text) };
  }

  chunkerFingerprint(): Promise<string> {
    this.fingerprint ??= chunkerFingerprint(this.chunker);
    return this.fingerprint;
  }
}
