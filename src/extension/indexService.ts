// The extension's side of the index: one Codebase over the workspace's folders, opened lazily
// with the current settings, kept in step with the folders; indexing that can be paused, and a
// state for the status bar. Everything else reads the codebase through `codebase()`.
import { availableParallelism } from "node:os";
import * as vscode from "vscode";
import { Codebase, type FolderRunResult, indexInChild, type IndexJob, IndexProcessStartError, jobOptions, type FolderStatus, type ProgressEvent, type SearchHit } from "../core/codebase";
import { errorMessage, type Logger } from "../core/util/host";
import { codebaseSettings, workspaceFolders } from "./codebaseSettings";
import type { GroundworkSettings } from "./settings";

export { EMBEDDINGS_SECRET, RERANKER_SECRET, SHARED_INDEX_SECRET } from "./codebaseSettings";

export type IndexState =
  | { kind: "idle" }
  | { kind: "indexing"; filesDone: number; filesTotal: number; embedding?: { done: number; total: number } }
  | { kind: "ready"; files: number; chunks: number }
  | { kind: "paused" }
  | { kind: "disabled" }
  /** The index can't work on this machine; everything else does. */
  | { kind: "unavailable"; message: string }
  | { kind: "error"; message: string };

export interface IndexServiceDeps {
  storageDir: string;
  workerPath: string;
  /**
   * The indexing process's script (dist/indexer.js): full runs happen there, away from the editor's
   * extension host. Without it (or when it can't start) they happen in this process.
   */
  indexerPath?: string;
  logger: Logger;
  settings: () => GroundworkSettings;
  /** A key from SecretStorage (the reranker's, the embedding model's). */
  secret: (name: string) => Thenable<string | undefined>;
  /** Asks before a first embedding sends this much code to the embedding model; true: go ahead. */
  confirmEmbedding?: (question: EmbeddingQuestion) => Thenable<boolean>;
}

export interface EmbeddingQuestion { model: string; baseURL: string; chunks: number; tokens: number }

/** A first embedding of at least this many chunks is asked about first. */
export const CONFIRM_EMBEDDING_CHUNKS = 1000;

/** While a child process indexes, the extension host looks for what it wrote (new generations) at most this often. */
const CHILD_REFRESH_MS = 1_000;

export class IndexService implements vscode.Disposable {
  private opened: Promise<Codebase> | undefined;
  private readonly stateEmitter = new vscode.EventEmitter<IndexState>();
  readonly onDidChangeState = this.stateEmitter.event;
  private currentState: IndexState = { kind: "idle" };
  private paused = false;
  /** Aborted by pause(): stops the run in progress at the next file. */
  private pauseController = new AbortController();
  /** Embedding models the user agreed to send this workspace to (by spec), or declined this session. */
  private readonly embeddingAnswers = new Map<string, boolean>();
  private readonly answersEmitter = new vscode.EventEmitter<void>();
  readonly onDidAnswerEmbedding = this.answersEmitter.event; // agent mode's MCP definition follows the answer
  /** The embedding total of the run in progress, when it was estimated. */
  private embeddingTotal: number | undefined;
  /** The codebase as plain data, for the indexing process: set when the codebase opens. */
  private job: IndexJob | undefined;
  /**
   * This process's writes, in order: runs, saves, clears. A run in the indexing process keeps its
   * place until that process has ended (it holds the writer lock until then, maintenance included).
   */
  private writes: Promise<unknown> = Promise.resolve();
  /** Aborted when the codebase closes (reopen, dispose): a run for it stops at the next file. */
  private openRuns = new AbortController();
  /** The indexing process's id while one runs. */
  private childPid: number | undefined;
  /** Where the last full run happened: the indexing process, or this one (no indexer script, or it could not start). */
  private lastRunWhere: "indexing process" | "extension host" | undefined;

  constructor(private readonly deps: IndexServiceDeps) {
    if (!this.backgroundIndexing) this.currentState = { kind: "disabled" };
  }

  get state(): IndexState { return this.currentState; }

  /** The codebase over the workspace's folders, opened on first use with the current settings. */
  codebase(): Promise<Codebase> {
    if (!this.opened) {
      const settings = this.deps.settings();
      const opening = codebaseSettings(settings, {
        storageDir: this.deps.storageDir, workerPath: this.deps.workerPath, logger: this.deps.logger, secret: this.deps.secret,
        declined: (baseURL, model) => this.embeddingDeclined(baseURL, model),
      }).then(({ job, rerank }) => {
        this.job = job;
        return Codebase.open({
          ...jobOptions(job, this.deps.logger),
          ...rerank,
          // Writes in this process (saves; a full run where the indexing process can't start) leave one core to
          // the editor, and small write batches keep each synchronous Arrow conversion short.
          workers: Math.max(1, Math.min(4, availableParallelism() - 1)),
          batchChunks: 500,
        });
      }).then((codebase) => {
        codebase.onProgress((event) => this.onProgress(event));
        // Someone deleted the index folder while VS Code ran: build it again (searches there find nothing meanwhile).
        codebase.onIndexDeleted((folders) => {
          this.deps.logger.warn(`The index of ${folders.join(", ")} was deleted while VS Code ran${this.backgroundIndexing ? "; it is built again" : ""}.`);
          if (this.backgroundIndexing) void this.reindexAll().catch((error: unknown) => this.deps.logger.warn(`Indexing again after the index was deleted failed: ${errorMessage(error)}`));
        });
        if (codebase.unavailable) this.reportUnavailable(codebase.unavailable);
        return codebase;
      });
      opening.catch((error: unknown) => {
        if (this.opened === opening) this.opened = undefined;
        this.setState({ kind: "error", message: errorMessage(error) });
      });
      this.opened = opening;
    }
    return this.opened;
  }

  /** Said once per session; the state keeps saying it. */
  private reportUnavailable(message: string): void {
    this.setState({ kind: "unavailable", message });
    if (this.unavailableReported) return;
    this.unavailableReported = true;
    this.deps.logger.warn(message);
    void vscode.window.showWarningMessage(`Groundwork: ${message}`);
  }

  private unavailableReported = false;

  /** Before a first embedding of a large workspace: how much would be sent, where, and whether to (declined: builtin vectors only this session). */
  private async embeddingAllowed(codebase: Codebase, signal: AbortSignal): Promise<boolean> {
    const neural = codebase.neuralEmbedder;
    const spec = neural?.spec as { baseURL?: string; model?: string } | undefined;
    if (!neural || !spec?.baseURL) return true;
    const key = JSON.stringify([spec.baseURL, spec.model]);
    if (this.embeddingAnswers.get(key) === true) return true;
    const estimate = await codebase.embeddingEstimate(signal);
    this.embeddingTotal = estimate?.toEmbed;
    if (!estimate || estimate.toEmbed < CONFIRM_EMBEDDING_CHUNKS || !this.deps.confirmEmbedding) return true;
    const allowed = await this.deps.confirmEmbedding({ model: spec.model ?? neural.id, baseURL: spec.baseURL, chunks: estimate.toEmbed, tokens: estimate.tokens });
    this.embeddingAnswers.set(key, allowed);
    this.answersEmitter.fire();
    if (!allowed) this.deps.logger.info(`Embedding with ${spec.model} declined: indexing with builtin vectors only this session`);
    return allowed;
  }

  /** Whether the user declined embedding this workspace with `model` at `baseURL` this session. */
  embeddingDeclined(baseURL: string, model: string): boolean {
    return this.embeddingAnswers.get(JSON.stringify([baseURL.replace(/\/+$/, ""), model])) === false;
  }

  /** groundwork.search.minRelevance: retrieved hits below it stay out of prompts and Sources. */
  get minRelevance(): number {
    return this.deps.settings()["search.minRelevance"];
  }

  /** Whether indexing in the background (at start-up, on file, settings and folder changes) is on. */
  get backgroundIndexing(): boolean {
    return this.deps.settings()["index.enabled"];
  }

  /** Background indexing turned on (catch up now) or off (say so; a run in progress finishes). */
  backgroundIndexingChanged(): void {
    if (!this.backgroundIndexing) {
      this.deps.logger.info("Background indexing is off (groundwork.index.enabled)");
      if (this.currentState.kind !== "indexing") this.setState({ kind: "disabled" });
      return;
    }
    this.deps.logger.info("Background indexing is on: catching up");
    void this.reindexAll().catch((error: unknown) => this.deps.logger.warn(`Indexing after background indexing was turned on failed: ${errorMessage(error)}`));
  }

  /** Indexes every workspace folder, one after another. */
  async reindexAll(options: { signal?: AbortSignal; onProgress?: (event: ProgressEvent) => void } = {}): Promise<FolderRunResult[]> {
    if (this.paused || this.disposed) return [];
    const stopped = options.signal ? AbortSignal.any([options.signal, this.pauseController.signal]) : this.pauseController.signal;
    let reopened = this.openRuns.signal;
    return this.track(async (codebase) => {
      if (!(await this.embeddingAllowed(codebase, stopped))) {
        await this.reopen();
        codebase = await this.codebase();
        reopened = this.openRuns.signal;
      }
      // Reopened while asking (new settings): the run is for the new codebase.
      if (reopened.aborted && !stopped.aborted) return this.reindexAll(options);
      const results = await this.indexAll(codebase, AbortSignal.any([stopped, reopened]), options.onProgress);
      // The codebase was reopened under the run (new settings, a new key): the run starts again with them.
      if (reopened.aborted && !stopped.aborted) return this.reindexAll(options);
      this.embeddingTotal = undefined;
      for (const result of results) {
        this.deps.logger.info(
          `Indexed ${result.folder}: ${result.filesIndexed} files parsed, ${result.filesUnchanged} unchanged, ` +
            `${result.filesSkipped} skipped, ${result.filesRemoved} removed, ${result.totalChunks} chunks in ${result.seconds.toFixed(1)} s` +
            (result.cancelled ? " (cancelled)" : ""),
        );
      }
      return results;
    }, []);
  }

  /** Runs a write after those before it (see `writes`). */
  private inOrder<T>(task: () => Promise<T>): Promise<T> {
    const run = this.writes.then(task);
    this.writes = run.catch(() => undefined);
    return run;
  }

  /**
   * A full run: in the indexing process when there is one (this host then only takes its progress
   * and reads what it wrote), else here. Resolves with the results once they are written; later
   * writes wait until the indexing process has ended.
   */
  private indexAll(codebase: Codebase, signal: AbortSignal, onProgress?: (event: ProgressEvent) => void): Promise<FolderRunResult[]> {
    const job = this.job;
    if (!this.deps.indexerPath || !job || codebase.unavailable) return this.inOrder(() => this.indexHere(codebase, signal, onProgress));
    return new Promise((resolve, reject) => {
      void this.inOrder(() => this.runInChild(codebase, job, signal, onProgress).then(({ results, ended }) => {
        resolve(results);
        return ended;
      }, reject));
    });
  }

  /** One run in the indexing process: its results, and `ended` once the process has ended and its index was read again. */
  private async runInChild(codebase: Codebase, job: IndexJob, signal: AbortSignal, onProgress?: (event: ProgressEvent) => void): Promise<{ results: FolderRunResult[]; ended: Promise<void> }> {
    // Maintenance after this host's own saves holds the writer lock: the indexing process would find it taken.
    await codebase.maintenanceIdle();
    if (signal.aborted) return { results: [], ended: Promise.resolve() };
    let lastRefresh = performance.now();
    const child = indexInChild(job, {
      entry: this.deps.indexerPath!,
      logger: this.deps.logger,
      signal,
      onOwnership: (event) => codebase.applyOwnership(event), // searches here then find a file the run hands to the team index
      onProgress: (event) => {
        this.onProgress(event);
        onProgress?.(event);
        // A first index answers as it grows: look for the generation the child is writing.
        if (performance.now() - lastRefresh < CHILD_REFRESH_MS) return;
        lastRefresh = performance.now();
        void codebase.refresh({ generationsOnly: true }).catch((error: unknown) => this.deps.logger.debug(`Reading the index during a run failed: ${errorMessage(error)}`));
      },
    });
    this.childPid = child.pid;
    const ended = child.exited.then(async () => {
      this.childPid = undefined;
      await codebase.refresh().catch((error: unknown) => this.deps.logger.warn(`Reading the index after a run failed: ${errorMessage(error)}`));
    });
    try {
      const results = await child.results;
      this.lastRunWhere = "indexing process";
      await codebase.refresh();
      return { results, ended };
    } catch (error) {
      await ended;
      if (!(error instanceof IndexProcessStartError)) throw error;
      this.deps.logger.warn(`${error.message}; indexing in the extension host instead.`);
      return { results: await this.indexHere(codebase, signal, onProgress), ended };
    }
  }

  private indexHere(codebase: Codebase, signal: AbortSignal, onProgress?: (event: ProgressEvent) => void): Promise<FolderRunResult[]> {
    this.lastRunWhere = "extension host";
    return codebase.index({ signal, onProgress });
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
  resume(): Promise<FolderRunResult[]> {
    this.paused = false;
    this.pauseController = new AbortController();
    this.deps.logger.info("Indexing resumed");
    return this.reindexAll();
  }

  /** The process a full run is happening in, while one is (undefined: none, or in this one). */
  get indexingProcess(): number | undefined {
    return this.childPid;
  }

  /** Where the last full run happened. */
  get lastRun(): "indexing process" | "extension host" | undefined { return this.lastRunWhere; }

  get isPaused(): boolean { return this.paused; }

  /** Resolves once the writes queued so far (a run in the indexing process: until it ended) and the maintenance after them are done. */
  async settled(): Promise<void> {
    await this.inOrder(async () => (await this.opened)?.maintenanceIdle());
  }

  /** Re-indexes changed files (absolute paths); nothing while paused (resume catches up). */
  async updateFiles(absPaths: readonly string[]): Promise<FolderRunResult[]> {
    if (this.paused) return [];
    return this.track(async (codebase) => {
      const results = await this.inOrder(() => codebase.update(absPaths));
      for (const result of results) this.deps.logger.debug(`Updated ${result.folder}: ${result.filesIndexed} re-indexed, ${result.filesRemoved} removed`);
      return results;
    }, []);
  }

  async search(query: string, limit: number): Promise<SearchHit[]> {
    return (await this.codebase()).search(query, { limit });
  }

  async statuses(): Promise<FolderStatus[]> {
    return (await this.codebase()).status();
  }

  clear(): Promise<void> {
    return this.track((codebase) => this.inOrder(() => codebase.clear()));
  }

  /** Closes the codebase so the next use reopens it with the current settings. */
  async reopen(): Promise<void> {
    const open = this.opened;
    this.opened = undefined;
    // A run for the codebase closing (its settings, its key) stops; the next one is for the new codebase.
    this.openRuns.abort();
    this.openRuns = new AbortController();
    // Closed in its turn: after a run's process has ended and the maintenance after saves (it holds the writer lock).
    await this.inOrder(async () => {
      const codebase = await open?.catch(() => undefined);
      await codebase?.maintenanceIdle();
      codebase?.close();
    });
  }

  /** Follows the workspace's folders: opens added folders' indexes and closes removed ones'. */
  async foldersChanged(): Promise<void> {
    if (!this.opened) return;
    const folders = workspaceFolders();
    // The next run in the indexing process covers the same folders.
    if (this.job) this.job = { ...this.job, folders };
    await (await this.codebase()).setFolders(folders);
  }

  private disposed = false;

  /**
   * When the window closes: a run stops at the next file, and this resolves once the indexing
   * process has ended (or after `waitMs`), so nothing writes the index after the extension is gone.
   */
  async stop(waitMs = 3_000): Promise<void> {
    this.disposed = true;
    this.pauseController.abort();
    this.openRuns.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.writes, new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }

  dispose(): void {
    this.disposed = true;
    // A run in the indexing process stops at the next file and the process ends.
    this.pauseController.abort();
    void this.reopen();
    this.stateEmitter.dispose();
    this.answersEmitter.dispose();
  }

  /** Runs an operation on the codebase; publishes the ready state after it, or the error. */
  private async track<T>(task: (codebase: Codebase) => Promise<T>, whenUnavailable?: T): Promise<T> {
    try {
      const codebase = await this.codebase();
      if (codebase.unavailable && whenUnavailable !== undefined) return whenUnavailable;
      const result = await task(codebase);
      await this.publishReady(codebase);
      return result;
    } catch (error) {
      this.deps.logger.error("Indexing failed", error);
      this.setState({ kind: "error", message: errorMessage(error) });
      throw error;
    }
  }

  private onProgress(event: ProgressEvent): void {
    const { phase, filesDone, filesTotal, embedding } = event.progress;
    if (phase !== "indexing") return;
    const embedded = embedding && { done: embedding.embedded + embedding.cached, total: this.embeddingTotal ?? embedding.embedded + embedding.cached + embedding.queued };
    this.setState({ kind: "indexing", filesDone, filesTotal, embedding: embedded });
  }

  private async publishReady(codebase: Codebase): Promise<void> {
    if (this.paused) return this.setState({ kind: "paused" });
    const { files, chunks } = await codebase.summary();
    if (!this.backgroundIndexing && chunks === 0) return this.setState({ kind: "disabled" });
    this.setState({ kind: "ready", files, chunks });
  }

  private setState(state: IndexState): void {
    this.currentState = state;
    this.stateEmitter.fire(state);
  }
}
