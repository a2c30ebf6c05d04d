// One workspace's index, composed: embedder, chunker, store, indexer and search. The CLI and
// the extension both build exactly this.
import { readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { Chunker, type ChunkerOptions } from "./chunk/chunker";
import { ConventionSet, isConventionFile } from "./conventions/conventionSet";
import { BuiltinEmbedder } from "./embed/builtin";
import { type Embedder, embedderIdentity } from "./embed/embedder";
import { errorMessage, type Logger, silentLogger } from "./host";
import { type ChunkSource, Indexer, type IndexRunResult, type RunOptions } from "./index/indexer";
import type { ScanOptions } from "./scan/scanner";
import type { FileRecord } from "./store/schema";
import { IndexLock, IndexLockedError } from "./store/lock";
import { IndexStore, type SourceReader } from "./store/store";
import { HybridRetriever, type SearchHit, type SearchOptions } from "./retrieval/retriever";

export interface WorkspaceIndexOptions {
  root: string;
  /** Defaults to <root>/.groundwork/index. */
  dbPath?: string;
  embedder?: Embedder;
  chunker?: ChunkSource;
  chunkerOptions?: ChunkerOptions;
  scan?: Omit<ScanOptions, "signal">;
  /** Defaults for every search of this index. */
  search?: SearchOptions;
  logger?: Logger;
  /** Chunk count from which vector search uses an ANN index built in the background. */
  vectorIndexMinRows?: number;
  /** See IndexerOptions.syncTextIndexMaxRows. */
  syncTextIndexMaxRows?: number;
  /** Chunks embedded and written together (IndexerOptions.batchChunks). */
  batchChunks?: number;
}

/**
 * Below this, a flat vector search is fast enough and always exact. Measured here (512 dims, k=30):
 * flat 2.5 ms at 500 rows, 3.9 ms at 1k, 5.6 ms at 2k, 13 ms at 5.4k; HNSW_SQ ~1.5 ms at any of
 * them, built in 0.5 s at 5.4k rows.
 */
export const VECTOR_INDEX_MIN_ROWS = 1_000;
/** The vector index is rebuilt when rows added since its build exceed this share of it. */
const VECTOR_INDEX_STALE_SHARE = 0.25;
/** Rows the full-text index may lag behind (they are searched flat) before maintenance folds them in. */
const TEXT_INDEX_SLACK_ROWS = 2_000;
/** Compact when writes have left more fragments than this (each search visits every one). */
const MAX_FRAGMENTS = 32;

export interface IndexStatus {
  root: string;
  dbPath: string;
  embedder: string;
  filesIndexed: number;
  chunks: number;
  skipped: FileRecord[];
  failed: FileRecord[];
  lastUpdated?: string;
  /** Rows the ANN index covers and rows searched flat beside it; absent while search is all flat. */
  vectorIndex?: { indexed: number; unindexed: number };
}

export function defaultDbPath(root: string): string {
  return path.join(root, ".groundwork", "index");
}

export class WorkspaceIndex {
  private conventionSet: Promise<ConventionSet> | undefined;
  /** One writer per store, across processes: runs, updates and maintenance hold it. */
  private readonly lock: IndexLock;
  private maintenance: Promise<void> | undefined;
  private closed = false;

  private constructor(
    readonly root: string,
    readonly dbPath: string,
    readonly store: IndexStore,
    readonly embedder: Embedder,
    readonly indexer: Indexer,
    readonly retriever: HybridRetriever,
    private readonly ownedChunker: Chunker | undefined,
    private readonly logger: Logger,
    private readonly vectorIndexMinRows: number,
  ) {
    this.lock = new IndexLock(dbPath);
  }

  static async open(options: WorkspaceIndexOptions): Promise<WorkspaceIndex> {
    const root = path.resolve(options.root);
    const dbPath = path.resolve(options.dbPath ?? defaultDbPath(root));
    const logger = options.logger ?? silentLogger;
    const embedder = options.embedder ?? new BuiltinEmbedder();
    const store = await IndexStore.open(dbPath, { embedderIdentity: embedderIdentity(embedder), dims: embedder.dims, logger });
    const ownedChunker = options.chunker ? undefined : new Chunker(options.chunkerOptions);
    const chunker = options.chunker ?? ownedChunker!;
    // The index never indexes itself, wherever it lives inside the workspace.
    const own = path.relative(root, dbPath);
    const scan = own && !own.startsWith("..") && !path.isAbsolute(own)
      ? { ...options.scan, excludes: [...(options.scan?.excludes ?? []), `/${own.split(path.sep).join("/")}/`] }
      : options.scan;
    const indexer = new Indexer({ root, store, embedder, chunker, scan, logger, syncTextIndexMaxRows: options.syncTextIndexMaxRows, batchChunks: options.batchChunks });
    const retriever = new HybridRetriever(store, embedder, { defaults: options.search, source: sourceReader(root) });
    return new WorkspaceIndex(root, dbPath, store, embedder, indexer, retriever, ownedChunker, logger, options.vectorIndexMinRows ?? VECTOR_INDEX_MIN_ROWS);
  }

  /** Indexes the workspace; throws IndexLockedError while another process writes this index. */
  async run(options?: RunOptions): Promise<IndexRunResult> {
    const result = await this.lock.withLock(() => this.indexer.run(options));
    if (this.conventionSet) await (await this.conventionSet).reload();
    if (!result.cancelled) this.scheduleMaintenance();
    return result;
  }

  /** Re-indexes these workspace-relative paths; a changed conventions file reloads the conventions. */
  async update(relPaths: readonly string[], options?: RunOptions): Promise<IndexRunResult> {
    const result = await this.lock.withLock(() => this.indexer.update(relPaths, options));
    if (this.conventionSet && relPaths.some((relPath) => isConventionFile(relPath))) await (await this.conventionSet).reload();
    this.scheduleMaintenance();
    return result;
  }

  /**
   * Background maintenance after a run: compacts the store (which also folds new rows into the
   * full-text and vector indexes) when writes have fragmented it or the full-text index lags, and
   * builds the vector index once the store is big enough (or rebuilds it when many rows were
   * added since). Never blocks: searches go on meanwhile, flat until the index lands.
   */
  private scheduleMaintenance(): void {
    if (this.maintenance || this.closed) return;
    this.maintenance = this.lock.withLock(async () => {
      const rows = await this.store.countChunks();
      const coverage = rows >= this.vectorIndexMinRows ? await this.store.vectorIndexCoverage() : undefined;
      const buildIndex = rows >= this.vectorIndexMinRows && (!coverage || coverage.unindexed > coverage.indexed * VECTOR_INDEX_STALE_SHARE);
      const text = await this.store.textIndexCoverage();
      const textBehind = text !== undefined && text.unindexed > Math.max(TEXT_INDEX_SLACK_ROWS, text.indexed * 0.05);
      const started = Date.now();
      if (buildIndex || textBehind || (await this.store.fragmentCount()) > MAX_FRAGMENTS) {
        await this.store.compact();
        this.logger.info(`Compacted the index (${rows} chunks) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
      if (!buildIndex) return;
      this.logger.info(`Building the vector index over ${rows} chunks in the background`);
      await this.store.buildVectorIndex();
      this.logger.info(`Vector index built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    })
      .catch((error) => {
        if (error instanceof IndexLockedError) this.logger.debug(`Index maintenance postponed: ${error.message}`);
        else this.logger.warn(`Index maintenance failed; searches still work, maybe slower: ${errorMessage(error)}`);
      })
      .finally(() => {
        this.maintenance = undefined;
      });
  }

  /** Resolves when no background maintenance is running (the CLI and the benchmarks wait for it). */
  async maintenanceIdle(): Promise<void> {
    await this.maintenance;
  }

  /** The team's conventions, read on first use and kept current by `run` and `update`. */
  conventions(): Promise<ConventionSet> {
    this.conventionSet ??= ConventionSet.load(this.root, this.logger);
    return this.conventionSet;
  }

  search(query: string, options?: SearchOptions): Promise<SearchHit[]> {
    return this.retriever.search(query, options);
  }

  /** Counts only: cheap enough for a status bar after every update. */
  async summary(): Promise<{ files: number; chunks: number }> {
    const [files, chunks] = await Promise.all([this.store.countFiles("indexed"), this.store.countChunks()]);
    return { files, chunks };
  }

  async status(): Promise<IndexStatus> {
    const records = [...(await this.store.fileRecords()).values()].sort((a, b) => a.path.localeCompare(b.path));
    return {
      root: this.root,
      dbPath: this.dbPath,
      embedder: embedderIdentity(this.embedder),
      filesIndexed: records.filter((r) => r.status === "indexed").length,
      chunks: await this.store.countChunks(),
      skipped: records.filter((r) => r.status === "skipped"),
      failed: records.filter((r) => r.status === "error"),
      lastUpdated: await this.store.getMeta("lastUpdated"),
      vectorIndex: await this.store.vectorIndexCoverage(),
    };
  }

  /** Background maintenance still running finishes first: its native work must not outlive the store. */
  close(): void {
    this.closed = true;
    this.ownedChunker?.dispose();
    if (this.maintenance) void this.maintenance.finally(() => this.store.close());
    else this.store.close();
  }
}

/** Characters of file text kept between searches (about 16 MB): hits keep coming from the same files. */
const SOURCE_CACHE_CHARS = 8_000_000;

/**
 * Reads workspace files for search hits; never outside the root. Synchronously: a handful of
 * indexed (size-capped) files from the page cache take ~0.2 ms, a quarter of fs.promises' time.
 * The most recently read are kept while their size and modification time stay the same (the store
 * checks each hit's lines against its indexed hash anyway).
 */
export function sourceReader(root: string): SourceReader {
  const base = path.resolve(root);
  const cache = new Map<string, { mtimeMs: number; size: number; text: string }>();
  let cachedChars = 0;
  return async (relPath) => {
    const file = path.resolve(base, relPath);
    if (!file.startsWith(base + path.sep)) return undefined;
    const { mtimeMs, size } = statSync(file);
    const kept = cache.get(relPath);
    cache.delete(relPath);
    if (kept) cachedChars -= kept.text.length;
    const text = kept && kept.mtimeMs === mtimeMs && kept.size === size ? kept.text : readFileSync(file, "utf8");
    if (text.length <= SOURCE_CACHE_CHARS / 4) {
      cache.set(relPath, { mtimeMs, size, text });
      cachedChars += text.length;
      for (const [oldest, entry] of cache) {
        if (cachedChars <= SOURCE_CACHE_CHARS) break;
        cache.delete(oldest);
        cachedChars -= entry.text.length;
      }
    }
    return text;
  };
}
