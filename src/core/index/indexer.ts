// Keeps a store in step with a folder, through the pipeline's stages: scan → chunk → embed →
// fields → write (stages.ts). Incremental by content hash (an unchanged file is neither re-parsed
// nor re-embedded), handles deletions and renames, writes in batches, reports progress, can be
// cancelled, and resumes after being killed without duplicate chunks.
import { readFileSync } from "node:fs";
import type { Chunk } from "../chunk/types";
import type { Embedder } from "../embed/embedder";
import { errorMessage, type Logger, silentLogger } from "../util/host";
import { classifyContent } from "../scan/rules";
import { type ScanEntry, type ScanOptions, scanPaths, scanWorkspace, withinFileLimit } from "../scan/scanner";
import type { FileRecord } from "../store/schema";
import type { FileUpdate, IndexStore } from "../store/store";
import { contentKey, type VectorCache } from "../store/vectorCache";
import { fileContentHash } from "../util/hash";
import { BatchPipeline } from "./batchPipeline";
import { embeddingInput, neuralContent, toRow } from "./rows";
import { DELETED_HERE, type OwnershipChange, reportingOwnership, SHARED, type SharedFiles } from "./sharedFiles";
import type { FileStages, ProcessedFile } from "./stages";

export { DELETED_HERE, type OwnershipChange, SHARED, type SharedFiles } from "./sharedFiles";

export interface IndexerOptions {
  root: string;
  store: IndexStore;
  embedder: Embedder;
  /** A neural embedder whose vectors go in the second column (`nvector`) of a store made for it. */
  neural?: Embedder;
  /** Its vectors by content, so that content embedded once is never sent again. */
  vectorCache?: VectorCache;
  /**
   * A shared index this one overlays: a file whose content the shared index holds gets a record
   * saying so (SHARED) and no chunks; a file the shared index has but the folder does not, a
   * tombstone (DELETED_HERE), so the shared copy stays hidden.
   */
  shared?: SharedFiles;
  /** The per-file stages: chunk, and where the runner can, embed and fields. */
  stages: FileStages;
  scan?: Omit<ScanOptions, "signal">;
  /** Chunks embedded and written together. */
  batchChunks?: number;
  /** Up to this many chunks the full-text index is rebuilt after each change; above, new rows are searched flat until maintenance. */
  syncTextIndexMaxRows?: number;
  logger?: Logger;
}

export interface IndexProgress {
  phase: "scanning" | "indexing" | "finishing" | "done";
  filesDone: number;
  filesTotal: number;
  chunksWritten: number;
  /** With a neural embedder: chunks it embedded in this run, chunks whose vectors came from the cache, and chunks still to embed of those met so far. */
  embedding?: { embedded: number; cached: number; queued: number };
}

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (progress: IndexProgress) => void;
  /** With a shared index: which files it answers for now, as each batch is written (the write waits for a returned promise). */
  onOwnership?: (change: OwnershipChange) => void | Promise<void>;
}

export interface IndexRunResult {
  /** Files parsed, chunked and embedded in this run. */
  filesIndexed: number;
  filesUnchanged: number;
  filesSkipped: number;
  filesRemoved: number;
  filesFailed: number;
  chunksWritten: number;
  /** Chunks the neural embedder embedded (requests paid for), and chunks whose neural vectors the cache had. */
  chunksEmbedded: number;
  vectorsReused: number;
  totalChunks: number;
  seconds: number;
  cancelled: boolean;
}

interface Pending {
  record: FileRecord;
  /** The per-file stages' output; absent when only the record changes. */
  processed?: ProcessedFile;
}

export class Indexer {
  private readonly logger: Logger;
  private readonly batchChunks: number;

  constructor(private readonly options: IndexerOptions) {
    this.logger = options.logger ?? silentLogger;
    this.batchChunks = options.batchChunks ?? 2000;
  }

  /** Brings the whole folder up to date. */
  async run(runOptions: RunOptions = {}): Promise<IndexRunResult> {
    const started = Date.now();
    runOptions.onProgress?.({ phase: "scanning", filesDone: 0, filesTotal: 0, chunksWritten: 0 });
    // Stage: scan.
    const entries: ScanEntry[] = [];
    for await (const entry of scanWorkspace(this.options.root, { ...this.options.scan, signal: runOptions.signal })) entries.push(entry);
    const known = await this.options.store.fileRecords();
    if (runOptions.signal?.aborted) return this.finish(emptyCounts(), started, true, false);
    const seen = new Set(entries.map((entry) => (entry.kind === "file" ? entry.file.path : entry.skipped.path)));
    // A folder that could not be listed (its permissions changed) says nothing of its files: what was indexed below it stays.
    const unlisted = entries.flatMap((entry) => (entry.kind === "skipped" && entry.skipped.unlisted ? [entry.skipped.path.replace(/^\.\/$/, "")] : []));
    const gone = (path: string): boolean => !seen.has(path) && !unlisted.some((dir) => path.startsWith(dir));
    const removals = [...known.keys()].filter((path) => gone(path) && this.options.shared?.hashOf(path) === undefined);
    const tombstones = [...(this.options.shared?.paths() ?? [])].filter((path) => gone(path) && known.get(path)?.reason !== DELETED_HERE);
    // A full run with files to read gets the neural embedder ready (a tokenizer's tables) while its
    // first files are chunked; an update of a few files rarely needs it and does without.
    const reads = entries.some((entry) => entry.kind === "file" && !this.unchangedByStat(entry.file, known.get(entry.file.path)));
    return this.apply(entries, removals, known, started, runOptions, tombstones, reads);
  }

  /** Brings the given workspace-relative paths up to date (created, changed, deleted or renamed files). */
  async update(relPaths: readonly string[], runOptions: RunOptions = {}): Promise<IndexRunResult> {
    const started = Date.now();
    const { entries, missing, folders } = await scanPaths(this.options.root, relPaths, this.options.scan);
    // A folder created or moved in: its files have no events of their own. A full run reads
    // only what changed, so it is the simple correct answer.
    if (folders.length > 0) return this.run(runOptions);
    const known = await this.options.store.fileRecords();
    // A deleted folder comes as one path: everything known below it goes too.
    const gone = (path: string): boolean => missing.some((m) => path === m || path.startsWith(m + "/"));
    // Under the file limit, a file this update deletes frees its place (a rename keeps its file indexed).
    const indexed = (relPath: string): boolean => known.get(relPath)?.status === "indexed";
    const limited = withinFileLimit(entries, this.options.scan?.maxFiles, indexed, [...known.values()].filter((record) => record.status === "indexed" && !gone(record.path)).length);
    const shared = [...(this.options.shared?.paths() ?? [])];
    const removals = [...known.keys()].filter((path) => gone(path) && this.options.shared?.hashOf(path) === undefined);
    const tombstones = shared.filter((path) => gone(path) && known.get(path)?.reason !== DELETED_HERE);
    return this.apply(limited, removals, known, started, runOptions, tombstones);
  }

  private async apply(
    entries: readonly ScanEntry[],
    removals: string[],
    known: ReadonlyMap<string, FileRecord>,
    started: number,
    runOptions: RunOptions,
    tombstones: readonly string[] = [],
    /** A full run with files to read (not an update of a few). */
    fullRun = false,
  ): Promise<IndexRunResult> {
    const { store } = this.options;
    const counts = emptyCounts();
    counts.filesRemoved = removals.length;
    let changed = removals.length > 0;
    if (removals.length > 0) await store.write([], removals);
    const total = entries.filter((entry) => entry.kind === "file").length;
    let done = 0;
    let pending: Pending[] = tombstones.map((path) => ({ record: skippedRecord(path, DELETED_HERE), processed: emptyResult() }));
    if (tombstones.length > 0) changed = true;
    let pendingChunks = 0;
    // With a model to embed for, the first batches are small, doubling up to the full size: its
    // requests start after a few hundred chunks instead of thousands.
    let batchLimit = this.options.neural ? Math.min(this.batchChunks, FIRST_NEURAL_BATCH) : this.batchChunks;
    // Batches are embedded and written behind the loop (batchPipeline.ts), which goes on preparing
    // the next files (the chunk workers keep working) meanwhile.
    const write = (rows: FileUpdate[]): Promise<void> => store.write(rows);
    const { shared } = this.options;
    const pipeline = new BatchPipeline<FileUpdate[]>(shared && runOptions.onOwnership ? reportingOwnership(write, store.dir, shared, runOptions.onOwnership) : write, runOptions.signal);
    let inFlightChunks = 0;
    const embeddingProgress = (): IndexProgress["embedding"] =>
      this.options.neural ? { embedded: counts.chunksEmbedded, cached: counts.vectorsReused, queued: Math.max(0, counts.chunksWritten + pendingChunks + inFlightChunks - counts.chunksEmbedded - counts.vectorsReused) } : undefined;
    const flush = async (): Promise<void> => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      pendingChunks = 0;
      changed = true;
      const chunks = batch.reduce((sum, item) => sum + (item.processed?.chunked.chunks.length ?? 0), 0);
      const report = (): void => runOptions.onProgress?.({ phase: "indexing", filesDone: done, filesTotal: total, chunksWritten: counts.chunksWritten, embedding: embeddingProgress() });
      await pipeline.push((signal) => {
        inFlightChunks += chunks;
        return this.embedBatch(batch, counts, signal, report);
      }, () => {
        counts.chunksWritten += chunks;
        inFlightChunks -= chunks;
      });
    };
    let cancelled = false;
    // A few files are read and sent to the chunk source ahead of the one being written, so a
    // worker chunker is never idle while this thread reads, hashes and writes.
    const prepared = new Map<number, Promise<Pending | "unchanged">>();
    const prepareAhead = (from: number): void => {
      for (let j = from; j < Math.min(entries.length, from + LOOKAHEAD_FILES); j++) {
        const ahead = entries[j];
        if (ahead.kind === "file" && !prepared.has(j)) {
          prepared.set(j, this.prepare(ahead.file.path, ahead.file.absPath, ahead.file.size, ahead.file.mtimeMs, known.get(ahead.file.path)));
        }
      }
    };
    let embedderPrepared = !fullRun || !this.options.neural?.prepare;
    try {
      for (const [position, entry] of entries.entries()) {
        if (runOptions.signal?.aborted) {
          cancelled = true;
          break;
        }
        prepareAhead(position);
        if (!embedderPrepared) {
          // The first files are on their way to the chunk workers (which start meanwhile).
          embedderPrepared = true;
          this.prepareEmbedder();
        }
        if (entry.kind === "skipped") {
          counts.filesSkipped++;
          const previous = known.get(entry.skipped.path);
          if (previous?.status !== "skipped" || previous.reason !== entry.skipped.reason) {
            pending.push({ record: skippedRecord(entry.skipped.path, entry.skipped.reason), processed: emptyResult() });
          }
        } else {
          const item = await prepared.get(position)!;
          prepared.delete(position);
          done++;
          if (item === "unchanged") counts.filesUnchanged++;
          else {
            if (item.record.status === "indexed" && item.processed) counts.filesIndexed++;
            else if (item.record.status === "indexed") counts.filesUnchanged++;
            else if (item.record.status === "skipped") counts.filesSkipped++;
            else if (item.record.status === "error") counts.filesFailed++;
            pending.push(item);
            pendingChunks += item.processed?.chunked.chunks.length ?? 0;
          }
        }
        if (pendingChunks >= batchLimit || pending.length >= this.batchChunks) {
          batchLimit = Math.min(this.batchChunks, batchLimit * 2);
          await flush();
        }
        runOptions.onProgress?.({ phase: "indexing", filesDone: done, filesTotal: total, chunksWritten: counts.chunksWritten + pendingChunks, embedding: embeddingProgress() });
      }
      runOptions.onProgress?.({ phase: "finishing", filesDone: done, filesTotal: total, chunksWritten: counts.chunksWritten + pendingChunks, embedding: embeddingProgress() });
      await flush();
    } catch (error) {
      // Nothing of this run may still be writing when it ends.
      await pipeline.drain().catch(() => undefined);
      throw error;
    }
    await pipeline.drain();
    // A full run's files are done: the workers' memory goes back before the full-text index is built over every row.
    if (fullRun) this.options.stages.release?.();
    const result = await this.finish(counts, started, cancelled, changed);
    runOptions.onProgress?.({ phase: "done", filesDone: done, filesTotal: total, chunksWritten: counts.chunksWritten, embedding: embeddingProgress() });
    return result;
  }

  /** Whether a file's size and modification time say it is indexed as it is (it is then not read again). */
  private unchangedByStat(file: { size: number; mtimeMs: number }, previous: FileRecord | undefined): boolean {
    if (previous?.status !== "indexed" || previous.size !== file.size || previous.mtimeMs !== file.mtimeMs) return false;
    const shared = this.options.shared?.hashOf(previous.path);
    // Leaning on the shared index holds while it has this content (not once it is gone, or CI republished the file changed);
    // a file indexed here whose content the shared index now holds goes back to leaning on it.
    return previous.reason === SHARED ? shared === previous.hash : shared !== previous.hash;
  }

  private prepareEmbedder(): void {
    try {
      this.options.neural?.prepare?.();
    } catch (error) {
      this.logger.debug(`The embedder could not get ready ahead of its first batch: ${errorMessage(error)}`);
    }
  }

  /** Reads a file and decides what to do with it; "unchanged" means not even read again. */
  private async prepare(path: string, absPath: string, size: number, mtimeMs: number, previous: FileRecord | undefined): Promise<Pending | "unchanged"> {
    // A record that leaned on a shared index no longer here is not enough: the file is read again.
    const leaned = previous?.reason === SHARED && !this.options.shared;
    if (this.unchangedByStat({ size, mtimeMs }, previous)) return "unchanged";
    let bytes: Buffer;
    try {
      bytes = readFileSync(absPath);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === "ENOENT" ? "deleted during indexing" : `unreadable (${code ?? errorMessage(error)})`;
      // Keep what was indexed before: a transient read error must not lose it.
      return { record: { ...(previous ?? skippedRecord(path, reason)), status: "error", reason } };
    }
    const hash = fileContentHash(bytes);
    const base = { path, size, mtimeMs, hash, indexedAt: Date.now() };
    // The shared index holds this very content: the overlay keeps only a record saying so.
    if (this.options.shared?.hashOf(path) === hash) {
      return previous?.reason === SHARED && previous.hash === hash
        ? { record: { ...previous, ...base } }
        : { record: { ...base, status: "indexed", reason: SHARED, language: "", chunkCount: 0 }, processed: emptyResult() };
    }
    if (previous?.status === "indexed" && previous.hash === hash && !leaned && previous.reason !== SHARED) {
      return { record: { ...previous, ...base } };
    }
    const verdict = classifyContent(bytes);
    if (!verdict.ok) return { record: { ...base, status: "skipped", reason: verdict.reason, language: "", chunkCount: 0 }, processed: emptyResult() };
    try {
      // Stage: chunk (and, in a worker, embed and fields).
      const processed = await this.options.stages.process(path, bytes.toString("utf8"));
      const { chunked } = processed;
      return { record: { ...base, status: "indexed", reason: chunked.note ?? "", language: chunked.language, chunkCount: chunked.chunks.length }, processed };
    } catch (error) {
      this.logger.warn(`Could not chunk ${path}: ${errorMessage(error)}`);
      return { record: { ...(previous ?? { ...base, language: "", chunkCount: 0 }), status: "error", reason: `chunking failed (${errorMessage(error)})` } };
    }
  }

  /** A batch's rows: its chunks with their fields and vectors, embedded where the per-file stages did not. */
  private async embedBatch(batch: readonly Pending[], counts: Counts, signal?: AbortSignal, report?: () => void): Promise<FileUpdate[]> {
    // Stage: embed, for the files whose vectors the per-file stages did not make with this embedder.
    const fingerprint = this.options.embedder.fingerprint;
    const embeddedAlready = (item: Pending): boolean => {
      const embedded = item.processed?.embedded;
      return embedded !== undefined && embedded.embedder === fingerprint && embedded.vectors.length === item.processed!.chunked.chunks.length;
    };
    const toEmbed = batch.filter((item) => !embeddedAlready(item)).flatMap((item) => item.processed?.chunked.chunks ?? []);
    const embedded = toEmbed.length ? await this.options.embedder.embedDocuments(toEmbed.map(embeddingInput), signal) : [];
    // The neural embedder's vectors for every chunk of the batch, from the cache where it has them.
    const neural = this.options.neural ? await this.neuralVectors(batch.flatMap((item) => item.processed?.chunked.chunks ?? []), counts, signal, report) : undefined;
    let next = 0;
    let nextNeural = 0;
    // Fields: toRow derives those the per-file stages did not.
    return batch.map(({ record, processed }) => ({
      record,
      chunks: processed?.chunked.chunks.map((chunk, i) => {
        const row = toRow(chunk, embeddedAlready({ record, processed }) ? processed.embedded!.vectors[i] : embedded[next++], processed.fields?.[i]);
        if (neural) row.nvector = neural[nextNeural++];
        return row;
      }),
    }));
  }

  private async neuralVectors(chunks: readonly Chunk[], counts: Counts, signal?: AbortSignal, report?: () => void): Promise<Float32Array[]> {
    const neural = this.options.neural!;
    const cache = this.options.vectorCache;
    const keys = chunks.map((chunk) => contentKey(neuralContent(chunk)));
    const found = cache ? await cache.get(keys) : new Array<Float32Array | undefined>(chunks.length).fill(undefined);
    // Equal content in a batch (copied files, generated twins) is sent once.
    const missing = new Map<string, number[]>();
    found.forEach((vector, i) => {
      if (vector) return;
      missing.set(keys[i], [...(missing.get(keys[i]) ?? []), i]);
    });
    counts.vectorsReused += chunks.length - [...missing.values()].reduce((sum, list) => sum + list.length, 0);
    const firsts = [...missing.values()].map((list) => list[0]);
    if (firsts.length > 0) {
      // Counted request by request where the embedder says so (a remote model), else all at once.
      let counted = 0;
      const vectors = await neural.embedDocuments(firsts.map((i) => embeddingInput(chunks[i])), signal, (count) => {
        counted += count;
        counts.chunksEmbedded += count;
        report?.();
      });
      counts.chunksEmbedded += firsts.length - counted;
      const entries = firsts.map((i, j) => ({ key: keys[i], vector: vectors[j] }));
      for (const { key, vector } of entries) for (const i of missing.get(key)!) found[i] = vector;
      counts.vectorsReused += [...missing.values()].reduce((sum, list) => sum + list.length - 1, 0);
      await cache?.put(entries);
    }
    report?.();
    return found as Float32Array[];
  }

  private async finish(counts: Counts, started: number, cancelled: boolean, changed: boolean): Promise<IndexRunResult> {
    const { store } = this.options;
    const coverage = await store.textIndexCoverage();
    // Full-text search also scans rows added since the index was built, so a large index is not
    // rebuilt after every small update: background maintenance folds new rows in (WorkspaceIndex).
    const rebuild = !coverage || (changed && (coverage.indexed + coverage.unindexed <= (this.options.syncTextIndexMaxRows ?? SYNC_TEXT_INDEX_MAX_ROWS) || coverage.unindexed > coverage.indexed));
    if (rebuild) await store.buildTextIndex();
    if (changed) await store.setMeta("lastUpdated", new Date().toISOString());
    return { ...counts, totalChunks: await store.countChunks(), seconds: (Date.now() - started) / 1000, cancelled };
  }
}

/** Files prepared (read, hashed, chunked) ahead of the one being written. */
const LOOKAHEAD_FILES = 48;
/** The first batch's chunks when a neural embedder runs: four requests of 64 inputs (the defaults' concurrency and batch size). */
const FIRST_NEURAL_BATCH = 256;

/** Up to this many chunks, the full-text index is rebuilt after each change (a fraction of a second). */
const SYNC_TEXT_INDEX_MAX_ROWS = 5_000;

type Counts = Omit<IndexRunResult, "totalChunks" | "seconds" | "cancelled">;

function emptyCounts(): Counts {
  return { filesIndexed: 0, filesUnchanged: 0, filesSkipped: 0, filesRemoved: 0, filesFailed: 0, chunksWritten: 0, chunksEmbedded: 0, vectorsReused: 0 };
}

function emptyResult(): ProcessedFile {
  return { chunked: { language: "", chunks: [] } };
}

function skippedRecord(path: string, reason: string): FileRecord {
  return { path, size: 0, mtimeMs: 0, hash: "", status: "skipped", reason, language: "", chunkCount: 0, indexedAt: Date.now() };
}
