// The extension's side of the index: one Codebase over the workspace's folders, opened lazily
// with the current settings, kept in step with the folders; indexing that can be paused, and a
// state for the status bar. Everything else reads the codebase through `codebase()`.
import { availableParallelism } from "node:os";
import * as vscode from "vscode";
import { Codebase, type CodebaseOptions, connectEmbedder, embedderFactory, type FolderRunResult, localEmbedder, storageOptionsFromEnv, useStorage, type FolderStatus, type ProgressEvent, type SearchHit } from "../core/codebase";
import { errorMessage, type Logger } from "../core/util/host";
import type { GroundworkSettings } from "./settings";

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
  logger: Logger;
  settings: () => GroundworkSettings;
  /** A key from SecretStorage (the reranker's, the embedding model's). */
  secret: (name: string) => Thenable<string | undefined>;
  /** Asks before a first embedding sends this much code to the embedding model; true: go ahead. */
  confirmEmbedding?: (question: EmbeddingQuestion) => Thenable<boolean>;
}

export interface EmbeddingQuestion {
  model: string;
  baseURL: string;
  chunks: number;
  tokens: number;
}

/** The SecretStorage name of the embedding model's key (Set API Key › Embeddings). */
export const EMBEDDINGS_SECRET = "groundwork.apiKey.embeddings";

/** The SecretStorage name of the shared index's credentials, `ACCESS_KEY_ID:SECRET_ACCESS_KEY` (Set API Key › Shared index). */
export const SHARED_INDEX_SECRET = "groundwork.apiKey.sharedIndex";

/** A first embedding of at least this many chunks is asked about first. */
export const CONFIRM_EMBEDDING_CHUNKS = 1000;

/** The SecretStorage name of the reranker's key (Set API Key › Reranker). */
export const RERANKER_SECRET = "groundwork.apiKey.reranker";

/** The workspace's folders as the codebase takes them. */
function workspaceFolders(): Array<{ name: string; root: string }> {
  return (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === "file").map((folder) => ({ name: folder.name, root: folder.uri.fsPath }));
}

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
  /** The embedding total of the run in progress, when it was estimated. */
  private embeddingTotal: number | undefined;

  constructor(private readonly deps: IndexServiceDeps) {
    if (!this.backgroundIndexing) this.currentState = { kind: "disabled" };
  }

  get state(): IndexState {
    return this.currentState;
  }

  /** The codebase over the workspace's folders, opened on first use with the current settings. */
  codebase(): Promise<Codebase> {
    if (!this.opened) {
      const settings = this.deps.settings();
      const opening = Promise.all([this.rerankerOptions(settings), this.embeddingOptions(settings), this.sharedIndex(settings)]).then(([rerank, embedding, shared]) => Codebase.open({
        folders: workspaceFolders(),
        storageDir: this.deps.storageDir,
        workerPath: this.deps.workerPath,
        // Parsing, chunking and embedding run in workers; one core stays with the extension host and the editor.
        workers: Math.max(1, Math.min(4, availableParallelism() - 1)),
        // Small write batches keep each synchronous Arrow conversion short.
        batchChunks: 500,
        scan: { maxFileBytes: settings["index.maxFileBytes"], excludes: settings["index.exclude"], maxFiles: settings["index.maxFiles"] },
        logger: this.deps.logger,
        keepGenerations: settings["index.keepGenerations"],
        shared,
        ...rerank,
        ...embedding,
      })).then((codebase) => {
        codebase.onProgress((event) => this.onProgress(event));
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

  /** The reranker of `groundwork.search.reranker`, with its key from SecretStorage; nothing when unset. */
  private async rerankerOptions(settings: GroundworkSettings): Promise<Pick<CodebaseOptions, "reranker" | "search">> {
    const { baseURL, model } = settings["search.reranker"] ?? {};
    if (!baseURL || !model) return {};
    return { reranker: { baseURL, model, apiKey: await this.deps.secret(RERANKER_SECRET) }, search: { rerank: true } };
  }

  /**
   * The embedding model of `groundwork.index.embeddings`, with its key from SecretStorage. Its
   * vector length is asked of the server when the setting leaves it out; when the server can't
   * be reached then, the index goes on with the model it was built with (if any), and says why.
   */
  private async embeddingOptions(settings: GroundworkSettings): Promise<Pick<CodebaseOptions, "neural" | "embedderFor">> {
    const setting = settings["index.embeddings"] ?? {};
    const apiKey = await this.deps.secret(EMBEDDINGS_SECRET);
    const limits = { maxInputTokens: setting.maxInputTokens, maxBatchItems: setting.maxBatchItems, concurrency: setting.concurrency };
    const embedderFor = embedderFactory(() => apiKey, limits);
    if (setting.modelDir) {
      // A model run on this machine: nothing leaves it, so there is nothing to ask first.
      try {
        return { neural: localEmbedder({ modelDir: setting.modelDir }), embedderFor };
      } catch (error) {
        this.deps.logger.warn(`The embedding model folder ${setting.modelDir} can't be used: ${errorMessage(error)}`);
        void vscode.window.showWarningMessage(`Groundwork: ${errorMessage(error)}`);
        return { neural: "from-index", embedderFor };
      }
    }
    if (!setting.baseURL || !setting.model) return { embedderFor };
    if (this.embeddingAnswers.get(JSON.stringify([setting.baseURL.replace(/\/+$/, ""), setting.model])) === false) return { embedderFor };
    try {
      // Progress comes with the indexer's progress events (embedded, cached, queued), request by request.
      const neural = await connectEmbedder({ baseURL: setting.baseURL, model: setting.model, dims: setting.dims, apiKey, ...limits });
      return { neural, embedderFor };
    } catch (error) {
      const message = `The embedding model ${setting.model} at ${setting.baseURL} can't be used (${errorMessage(error)}); searching with the index as it is.`;
      this.deps.logger.warn(message);
      void vscode.window.showWarningMessage(`Groundwork: ${message}`);
      return { neural: "from-index", embedderFor };
    }
  }

  /**
   * Before a first embedding of a large workspace: how much would be sent, and where, and whether
   * to. Declined: this session indexes with builtin vectors only.
   */
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
    if (!allowed) this.deps.logger.info(`Embedding with ${spec.model} declined: indexing with builtin vectors only this session`);
    return allowed;
  }

  /** The shared index of `groundwork.index.shared`, its credentials from SecretStorage (kept in memory, never logged). */
  private async sharedIndex(settings: GroundworkSettings): Promise<string | undefined> {
    const { uri, endpoint, region } = settings["index.shared"] ?? {};
    if (!uri) return undefined;
    const secret = await this.deps.secret(SHARED_INDEX_SECRET);
    const colon = secret?.indexOf(":") ?? -1;
    const options = { ...storageOptionsFromEnv(process.env) };
    if (secret && colon > 0) Object.assign(options, { aws_access_key_id: secret.slice(0, colon), aws_secret_access_key: secret.slice(colon + 1) });
    if (region) options.aws_region = region;
    if (endpoint) Object.assign(options, { aws_endpoint: endpoint, aws_virtual_hosted_style_request: "false", ...(endpoint.startsWith("http://") ? { allow_http: "true" } : {}) });
    useStorage([uri], options);
    return uri;
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
    if (this.paused) return [];
    const signal = options.signal ? AbortSignal.any([options.signal, this.pauseController.signal]) : this.pauseController.signal;
    return this.track(async (codebase) => {
      if (!(await this.embeddingAllowed(codebase, signal))) {
        await this.reopen();
        codebase = await this.codebase();
      }
      const results = await codebase.index({ signal, onProgress: options.onProgress });
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

  get isPaused(): boolean {
    return this.paused;
  }

  /** Re-indexes changed files (absolute paths); nothing while paused (resume catches up). */
  async updateFiles(absPaths: readonly string[]): Promise<FolderRunResult[]> {
    if (this.paused) return [];
    return this.track(async (codebase) => {
      const results = await codebase.update(absPaths);
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
    return this.track((codebase) => codebase.clear());
  }

  /** Closes the codebase so the next use reopens it with the current settings. */
  async reopen(): Promise<void> {
    const open = this.opened;
    this.opened = undefined;
    (await open?.catch(() => undefined))?.close();
  }

  /** Follows the workspace's folders: opens added folders' indexes and closes removed ones'. */
  async foldersChanged(): Promise<void> {
    if (!this.opened) return;
    await (await this.codebase()).setFolders(workspaceFolders());
  }

  dispose(): void {
    void this.reopen();
    this.stateEmitter.dispose();
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
