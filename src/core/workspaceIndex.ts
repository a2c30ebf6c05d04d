// One workspace's index, composed: embedder, chunker, store, indexer and search. The CLI and
// the extension both build exactly this.
import * as path from "node:path";
import { Chunker, type ChunkerOptions } from "./chunk/chunker";
import { BuiltinEmbedder } from "./embed/builtin";
import { type Embedder, embedderIdentity } from "./embed/embedder";
import { type Logger, silentLogger } from "./host";
import { type ChunkSource, Indexer, type IndexRunResult, type RunOptions } from "./index/indexer";
import type { ScanOptions } from "./scan/scanner";
import type { FileRecord } from "./store/schema";
import { IndexStore } from "./store/store";
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
}

export function defaultDbPath(root: string): string {
  return path.join(root, ".groundwork", "index");
}

export class WorkspaceIndex {
  private constructor(
    readonly root: string,
    readonly dbPath: string,
    readonly store: IndexStore,
    readonly embedder: Embedder,
    readonly indexer: Indexer,
    readonly retriever: HybridRetriever,
    private readonly ownedChunker: Chunker | undefined,
  ) {}

  static async open(options: WorkspaceIndexOptions): Promise<WorkspaceIndex> {
    const root = path.resolve(options.root);
    const dbPath = path.resolve(options.dbPath ?? defaultDbPath(root));
    const logger = options.logger ?? silentLogger;
    const embedder = options.embedder ?? new BuiltinEmbedder();
    const store = await IndexStore.open(dbPath, { embedderIdentity: embedderIdentity(embedder), dims: embedder.dims, logger });
    const ownedChunker = options.chunker ? undefined : new Chunker(options.chunkerOptions);
    const chunker = options.chunker ?? ownedChunker!;
    const indexer = new Indexer({ root, store, embedder, chunker, scan: options.scan, logger });
    const retriever = new HybridRetriever(store, embedder, { defaults: options.search });
    return new WorkspaceIndex(root, dbPath, store, embedder, indexer, retriever, ownedChunker);
  }

  run(options?: RunOptions): Promise<IndexRunResult> {
    return this.indexer.run(options);
  }

  update(relPaths: readonly string[], options?: RunOptions): Promise<IndexRunResult> {
    return this.indexer.update(relPaths, options);
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
    };
  }

  close(): void {
    this.ownedChunker?.dispose();
    this.store.close();
  }
}
