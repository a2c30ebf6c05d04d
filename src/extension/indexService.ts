// Owns the index of each workspace folder inside VS Code: opens them lazily, serializes index
// runs, turns file events into incremental updates, and publishes a state for the status bar.
import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import { errorMessage, type Logger } from "../core/host";
import type { IndexProgress, IndexRunResult } from "../core/index/indexer";
import { WorkerChunker } from "../core/chunk/workerChunker";
import { BuiltinEmbedder } from "../core/embed/builtin";
import type { SearchHit } from "../core/retrieval/retriever";
import { type IndexStatus, WorkspaceIndex } from "../core/workspaceIndex";
import type { GroundworkSettings } from "./settings";

export type IndexState =
  | { kind: "idle" }
  | { kind: "indexing"; filesDone: number; filesTotal: number }
  | { kind: "ready"; files: number; chunks: number }
  | { kind: "paused" }
  | { kind: "error"; message: string };

export interface FolderHit extends SearchHit {
  folder: vscode.WorkspaceFolder;
}

export interface IndexServiceDeps {
  storageDir: string;
  workerPath: string;
  logger: Logger;
  settings: () => GroundworkSettings;
}

export class IndexService implements vscode.Disposable {
  private readonly indexes = new Map<string, Promise<WorkspaceIndex>>();
  private readonly chunker: WorkerChunker;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly stateEmitter = new vscode.EventEmitter<IndexState>();
  readonly onDidChangeState = this.stateEmitter.event;
  private currentState: IndexState = { kind: "idle" };
  private paused = false;
  /** Aborted by pause(): stops the run in progress at the next file. */
  private pauseController = new AbortController();

  constructor(private readonly deps: IndexServiceDeps) {
    // Parsing, chunking and embedding (the builtin embedder) all run in the worker: the extension
    // host's thread only reads files and writes batches.
    // One core stays with the extension host (and the editor's own work): the pool is one smaller.
    this.chunker = new WorkerChunker({ workerPath: deps.workerPath, builtinEmbedderDims: new BuiltinEmbedder().dims, poolSize: Math.max(1, Math.min(4, availableParallelism() - 1)) });
  }

  get state(): IndexState {
    return this.currentState;
  }

  /** Indexes every workspace folder, one after another. */
  reindexAll(options: { signal?: AbortSignal; onProgress?: (progress: IndexProgress) => void } = {}): Promise<IndexRunResult[]> {
    if (this.paused) return Promise.resolve([]);
    const signal = options.signal ? AbortSignal.any([options.signal, this.pauseController.signal]) : this.pauseController.signal;
    return this.enqueue(async () => {
      const results: IndexRunResult[] = [];
      for (const folder of vscode.workspace.workspaceFolders ?? []) {
        if (signal.aborted) break;
        const index = await this.open(folder);
        this.deps.logger.info(`Indexing ${folder.uri.fsPath}`);
        const result = await index.run({
          signal,
          onProgress: (progress) => {
            if (progress.phase === "indexing") this.setState({ kind: "indexing", filesDone: progress.filesDone, filesTotal: progress.filesTotal });
            options.onProgress?.(progress);
          },
        });
        this.deps.logger.info(
          `Indexed ${folder.name}: ${result.filesIndexed} files parsed, ${result.filesUnchanged} unchanged, ` +
            `${result.filesSkipped} skipped, ${result.filesRemoved} removed, ${result.totalChunks} chunks in ${result.seconds.toFixed(1)} s` +
            (result.cancelled ? " (cancelled)" : ""),
        );
        results.push(result);
      }
      return results;
    });
  }

  /** Stops indexing (the run in progress stops at the next file) until resume(); searches keep working. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.pauseController.abort();
    this.deps.logger.info("Indexing paused");
    this.setState({ kind: "paused" });
  }

  /** Indexing again: one incremental run catches up with everything that changed meanwhile. */
  resume(): Promise<IndexRunResult[]> {
    this.paused = false;
    this.pauseController = new AbortController();
    this.deps.logger.info("Indexing resumed");
    return this.reindexAll();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Re-indexes changed paths of one folder (absolute paths); nothing while paused (resume catches up). */
  updateFiles(folder: vscode.WorkspaceFolder, absPaths: readonly string[]): Promise<IndexRunResult> {
    if (this.paused) {
      return Promise.resolve({ filesIndexed: 0, filesUnchanged: 0, filesSkipped: 0, filesRemoved: 0, filesFailed: 0, chunksWritten: 0, totalChunks: 0, seconds: 0, cancelled: true });
    }
    return this.enqueue(async () => {
      const relPaths = absPaths
        .map((absPath) => path.relative(folder.uri.fsPath, absPath).split(path.sep).join("/"))
        .filter((relPath) => relPath && !relPath.startsWith(".."));
      const result = await (await this.open(folder)).update(relPaths);
      this.deps.logger.debug(`Updated ${relPaths.length} paths in ${folder.name}: ${result.filesIndexed} re-indexed, ${result.filesRemoved} removed`);
      return result;
    });
  }

  async search(query: string, limit: number): Promise<FolderHit[]> {
    const hits: FolderHit[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const results = await (await this.open(folder)).search(query, { limit });
      hits.push(...results.map((hit) => ({ ...hit, folder })));
    }
    return hits.sort((a, b) => b.score - a.score).slice(0, limit);
  }

  async statuses(): Promise<IndexStatus[]> {
    const statuses: IndexStatus[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) statuses.push(await (await this.open(folder)).status());
    return statuses;
  }

  clear(): Promise<void> {
    return this.enqueue(async () => {
      for (const index of this.indexes.values()) await (await index).store.clear();
    });
  }

  /** Closes every index so the next use reopens it with the current settings. */
  reopen(): Promise<void> {
    return this.enqueue(async () => {
      const open = [...this.indexes.values()];
      this.indexes.clear();
      for (const index of open) (await index.catch(() => undefined))?.close();
    });
  }

  /** Closes indexes of folders no longer in the workspace. */
  forgetRemovedFolders(): void {
    const current = new Set((vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri.toString()));
    for (const [key, index] of this.indexes) {
      if (current.has(key)) continue;
      this.indexes.delete(key);
      void index.then((opened) => opened.close(), () => undefined);
    }
  }

  dispose(): void {
    this.chunker.dispose();
    for (const index of this.indexes.values()) void index.then((opened) => opened.close(), () => undefined);
    this.indexes.clear();
    this.stateEmitter.dispose();
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      try {
        const result = await task();
        await this.publishReady();
        return result;
      } catch (error) {
        this.deps.logger.error("Indexing failed", error);
        this.setState({ kind: "error", message: errorMessage(error) });
        throw error;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async publishReady(): Promise<void> {
    if (this.paused) return this.setState({ kind: "paused" });
    let files = 0;
    let chunks = 0;
    for (const index of this.indexes.values()) {
      const summary = await (await index).summary();
      files += summary.files;
      chunks += summary.chunks;
    }
    this.setState({ kind: "ready", files, chunks });
  }

  private setState(state: IndexState): void {
    this.currentState = state;
    this.stateEmitter.fire(state);
  }

  /** The folder's index, opened on first use. */
  indexFor(folder: vscode.WorkspaceFolder): Promise<WorkspaceIndex> {
    return this.open(folder);
  }

  private open(folder: vscode.WorkspaceFolder): Promise<WorkspaceIndex> {
    const key = folder.uri.toString();
    let index = this.indexes.get(key);
    if (!index) {
      const settings = this.deps.settings();
      const id = createHash("sha256").update(key).digest("hex").slice(0, 16);
      index = WorkspaceIndex.open({
        root: folder.uri.fsPath,
        dbPath: path.join(this.deps.storageDir, `index-${id}`),
        chunker: this.chunker,
        // Small write batches keep each synchronous Arrow conversion short.
        batchChunks: 500,
        scan: { maxFileBytes: settings["index.maxFileBytes"], excludes: settings["index.exclude"], maxFiles: settings["index.maxFiles"] },
        logger: this.deps.logger,
      });
      index.catch(() => this.indexes.delete(key));
      this.indexes.set(key, index);
    }
    return index;
  }
}
