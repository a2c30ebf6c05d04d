// The one door into the core. Every host (the CLI, the extension's chat, code actions, completions
// and commands, the MCP server, the language-model tools) talks to the core through a Codebase:
// the indexes of all folders of a workspace, searched as one. It owns the path namespace (folder
// prefixes) and the citation format, fans out over folders concurrently and merges by one rule (one
// fusion over every folder's candidates), serializes writes, and offers what hosts need: search,
// `@` mentions, definitions, reading cited code, conventions for a file, status, updates from file
// events and progress events. Stores, indexers, retrievers and LanceDB rows stay behind it.
import { parseCitation } from "../../shared/citation";
import { Chunker } from "../chunk/chunker";
import type { Convention } from "../conventions/sources";
import { BuiltinEmbedder } from "../embed/builtin";
import type { Embedder } from "../embed/embedder";
import type { EmbeddingEstimate } from "../index/estimate";
import type { IndexProgress } from "../index/indexer";
import { type FileStages, InProcessStages } from "../index/stages";
import { WorkerStages } from "../index/workerPool";
import { byRole, rankDefinitions, SYMBOL_NAME, usesName } from "../retrieval/definitions";
import { HttpReranker } from "../retrieval/reranker";
import { chunkRole } from "../retrieval/roles";
import { fromSegment, HybridRetriever, type SearchSegment } from "../retrieval/retriever";
import type { SearchHit, SearchOptions } from "../retrieval/types";
import { type SourceReader, StoreUnreadableError, type StoredChunk } from "../store/store";
import { relocated } from "../store/sourceText";
import { IndexDamagedError } from "../store/damage";
import { errorMessage, type Logger, silentLogger } from "../util/host";
import { STOP_WORDS } from "../util/text";
import { cl100k } from "../util/tokens";
import type { FolderIndex } from "./folderIndex";
import { FolderIndexes } from "./folderIndexes";
import { IndexedFiles } from "./indexedFiles";
import { type FolderSpec, PathSpace } from "./paths";
import { type CitedCode, type CodebaseFolder, CodebaseError, type CodebaseOptions, type FolderRunResult, type FolderStatus, type MentionSuggestion, type OwnershipEvent, type ProgressEvent } from "./types";

export type { CodebaseOptions, CodebaseFolder, FolderRunResult, FolderStatus, ProgressEvent, OwnershipEvent, MentionSuggestion, CitedCode } from "./types";
export { CodebaseError } from "./types";
export { defaultDbPath } from "./folderIndexes";

export class Codebase {
  private space: PathSpace<CodebaseFolder>;
  private readonly indexes: FolderIndexes;
  private readonly retriever: HybridRetriever;
  private readonly listeners = new Set<(event: ProgressEvent) => void>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly files = new IndexedFiles({
    flavor: () => this.space.flavor,
    resolve: (codebasePath) => this.resolve(codebasePath),
    segmentsOf: (folder) => this.folderIndex(folder).segments(folder.prefix),
    scope: () => (this.folders.length > 1 ? "any folder of the workspace" : "the workspace"),
  });
  readonly logger: Logger;

  private constructor(
    private readonly options: CodebaseOptions,
    readonly embedder: Embedder,
    private readonly stages: FileStages,
    private readonly ownedStages: WorkerStages | Chunker | undefined,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.indexes = new FolderIndexes(options, embedder, stages, this.logger);
    this.space = new PathSpace([], options.paths);
    const reranker = options.reranker ? new HttpReranker(options.reranker) : undefined;
    this.retriever = new HybridRetriever(() => this.segments(), { defaults: options.search, reranker });
  }

  static async open(options: CodebaseOptions): Promise<Codebase> {
    const embedder = options.embedder ?? new BuiltinEmbedder();
    let stages: FileStages;
    let owned: WorkerStages | Chunker;
    if (options.workerPath) {
      // With the builtin embedder, the workers embed and derive the fields too: this thread only reads and writes.
      owned = new WorkerStages({
        workerPath: options.workerPath, poolSize: options.workers, chunker: options.chunker,
        builtinEmbedderDims: embedder instanceof BuiltinEmbedder ? embedder.dims : undefined,
      });
      stages = owned;
    } else {
      owned = new Chunker(options.chunker);
      stages = new InProcessStages(owned);
    }
    const codebase = new Codebase(options, embedder, stages, owned);
    try {
      await codebase.setFolders(options.folders);
    } catch (error) {
      codebase.close();
      throw error;
    }
    return codebase;
  }

  get folders(): readonly CodebaseFolder[] { return this.space.folders; }

  /** The shared index the first folder overlays (CodebaseOptions.shared), when there is one. */
  get sharedIndex(): string | undefined { return this.options.shared; }

  /** Opens the indexes of folders added to the workspace and closes those of folders removed. */
  async setFolders(specs: readonly FolderSpec[]): Promise<void> {
    this.space = new PathSpace(await this.indexes.set(specs), this.options.paths);
  }

  private folderIndex(folder: CodebaseFolder): FolderIndex {
    return this.indexes.of(folder);
  }

  private segments(): SearchSegment[] {
    return this.indexes.segments(this.folders);
  }

  // ---- paths and citations

  /** The codebase path of an absolute file path; undefined outside every folder. */
  pathOf(absPath: string): string | undefined {
    return this.space.fromAbsolute(absPath)?.path;
  }

  /** The folder and absolute path a codebase path names; undefined when it names none. */
  resolve(codebasePath: string): { folder: CodebaseFolder; relPath: string; absPath: string } | undefined {
    return this.space.resolve(codebasePath);
  }

  // ---- indexing (one write at a time)

  /** Subscribes to indexing progress; returns the unsubscribe function. */
  onProgress(listener: (event: ProgressEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(folder: string, progress: IndexProgress): void {
    for (const listener of this.listeners) listener({ folder, progress });
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Brings every folder's index up to date, one folder after another; each is then maintained in the background unless `maintain: false`. */
  index(options: { signal?: AbortSignal; onProgress?: (event: ProgressEvent) => void; onOwnership?: (event: OwnershipEvent) => void | Promise<void>; maintain?: boolean } = {}): Promise<FolderRunResult[]> {
    return this.enqueue(async () => {
      const results: FolderRunResult[] = [];
      for (const folder of this.folders) {
        if (options.signal?.aborted) break;
        const result = await this.folderIndex(folder).run({
          signal: options.signal,
          maintain: options.maintain,
          onProgress: (progress) => {
            this.emit(folder.name, progress);
            options.onProgress?.({ folder: folder.name, progress });
          },
          onOwnership: options.onOwnership && ((change) => options.onOwnership!({ folder: folder.name, change })),
        });
        results.push({ ...result, folder: folder.name });
      }
      // A full run is over: its workers' memory goes back (updates from file events start one again).
      if (this.ownedStages instanceof WorkerStages) this.ownedStages.release();
      return results;
    });
  }

  /** Brings these files (absolute paths from file events: created, changed, deleted, renamed) up to date. */
  update(absPaths: readonly string[], options: { signal?: AbortSignal } = {}): Promise<FolderRunResult[]> {
    return this.enqueue(async () => {
      const byFolder = new Map<CodebaseFolder, string[]>();
      for (const absPath of absPaths) {
        const found = this.space.fromAbsolute(absPath);
        if (found) byFolder.set(found.folder, [...(byFolder.get(found.folder) ?? []), found.relPath]);
      }
      const results: FolderRunResult[] = [];
      for (const [folder, relPaths] of byFolder) {
        const result = await this.folderIndex(folder).update(relPaths, { signal: options.signal, onProgress: (progress) => this.emit(folder.name, progress) });
        results.push({ ...result, folder: folder.name });
      }
      this.indexes.noticeDeleted(); // an update that found the index deleted wrote only its files
      return results;
    });
  }

  /**
   * What a run in another process (the extension's indexing process) reports as it writes: which
   * files the folder's shared index answers for now. Applied at once, not queued behind other work.
   */
  async applyOwnership(event: OwnershipEvent): Promise<void> {
    const folder = this.folders.find((candidate) => candidate.name === event.folder);
    if (folder) await this.indexes.find(folder.root)?.applyOwnership(event.change);
  }

  /** Reads every folder's index again after another process wrote it (the extension's indexing process); `generationsOnly`: only whether it added a generation (cheap, while it writes). */
  refresh(options: { generationsOnly?: boolean } = {}): Promise<void> {
    return this.enqueue(async () => {
      await Promise.all(this.indexes.all().map((index) => index.reload(options)));
      this.indexes.noticeDeleted();
    });
  }

  /** Calls `listener` with the folders whose index was deleted under this process: searches find nothing there until a run builds it again. */
  onIndexDeleted(listener: (folders: string[]) => void): () => void {
    return this.indexes.onDeleted((roots) => listener(this.folders.filter((folder) => roots.includes(folder.root)).map((folder) => folder.name)));
  }

  /** Deletes every folder's index; the next `index()` builds them again. */
  clear(): Promise<void> {
    return this.enqueue(async () => { for (const index of this.indexes.all()) await index.clear(); });
  }

  /**
   * What indexing would send to the neural embedder, for folders whose index lacks its vectors
   * (a first embedding): files, chunks, chunks not in the vector cache and their tokens, summed.
   * Undefined when there is nothing to embed.
   */
  async embeddingEstimate(signal?: AbortSignal): Promise<EmbeddingEstimate | undefined> {
    let total: EmbeddingEstimate | undefined;
    for (const folder of this.folders) {
      const estimate = await this.folderIndex(folder).embeddingEstimate(signal);
      if (!estimate) continue;
      total ??= { files: 0, chunks: 0, toEmbed: 0, tokens: 0 };
      for (const key of ["files", "chunks", "toEmbed", "tokens"] as const) total[key] += estimate[key];
    }
    return total;
  }

  /** The neural embedder's name and where it runs, when there is one (the first folder's). */
  get neuralEmbedder(): { id: string; spec?: object } | undefined {
    const [folder] = this.folders;
    const neural = folder && this.indexes.find(folder.root)?.neuralEmbedder;
    return neural && { id: neural.id, spec: (neural as { spec?: object }).spec };
  }

  /**
   * Maintains every folder's index now (compaction, full-text and vector indexes where due) and
   * resolves when done: the CLI's index command does it in a fresh process after indexing.
   */
  async maintain(): Promise<void> {
    await this.enqueue(() => Promise.all(this.folders.map((folder) => this.folderIndex(folder).maintain())));
  }

  /** Resolves when no background maintenance runs (the CLI and benchmarks wait for it). */
  async maintenanceIdle(): Promise<void> {
    await Promise.all(this.indexes.all().map((index) => index.maintenanceIdle()));
  }

  // ---- reading

  /** Hybrid search over every folder; hits carry codebase paths. */
  async search(query: string, options?: SearchOptions): Promise<SearchHit[]> {
    const hits = await this.lookingAgainIfGone(() => this.retriever.search(query, options));
    // One identifier that is a common word (Go's `Then`, `Is`, `New`): full text and the builtin vectors leave it out; its definitions answer.
    const name = query.trim();
    return hits.length > 0 || !SYMBOL_NAME.test(name) || !STOP_WORDS.has(name.toLowerCase()) ? hits : this.definitions(name, options?.limit ?? 10);
  }

  /** A read; when it fails because a generation's files went (another process replaced it, or it was deleted), the generations are read again and it is tried once more. */
  private async lookingAgainIfGone<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (!isGoneIndex(error)) throw error;
      this.logger.info(`Re-reading the index after a failed read (${errorMessage(error)})`);
      await Promise.all(this.indexes.all().map((index) => index.refresh()));
      this.indexes.noticeDeleted();
      return read();
    }
  }

  /** The chunks an `@` mention pins: a file's (`@src/a.ts`) or a symbol's definitions (`@parseURL`). */
  async mention(mention: string): Promise<SearchHit[]> {
    const text = mention.replace(/^@/, "");
    if (!text.includes("/") && !text.includes(".")) return this.definitions(text, 3);
    const target = await this.files.target(text);
    if (!target) return [];
    // Where their code is now, in a file edited since it was indexed (see relocated).
    const chunks = await this.lookingAgainIfGone(() => this.fromFolder(target.folder, async (store, source) => (source ? relocated(await store.chunksOf(target.relPath), source) : store.chunksOf(target.relPath))));
    return chunks.map((chunk) => pinned(chunk, target.folder.prefix));
  }

  /** Where a symbol is defined, from the symbol table (best first: as the index lists them). */
  async definitions(symbol: string, limit = 5): Promise<SearchHit[]> {
    // Deeper than asked, to put code first (see rankDefinitions); a small class's methods too.
    return rankDefinitions(await this.fromEveryFolder((store, source) => store.chunksDefining([symbol], limit * 4, source, true))).slice(0, limit);
  }

  /** The chunks that use a symbol, found through the full-text index (every identifier, also split into words) or, for a common word without terms there (Go's `Then`), among the chunks whose code holds it, code first; kept where they use the name itself (usesName). */
  async references(symbol: string, limit = 20): Promise<SearchHit[]> {
    const name = symbol.trim();
    if (!SYMBOL_NAME.test(name)) throw new CodebaseError(`"${symbol}" is not an identifier.`);
    const depth = Math.max(limit * 4, 40);
    const hits = STOP_WORDS.has(name.toLowerCase())
      ? byRole(await this.fromEveryFolder((store, source) => store.chunksHolding(name, depth * 10, source)))
      : await this.search(name, { mode: "text", limit: depth, candidates: depth, termMatchDepth: 0, maxPerFile: depth, expand: false });
    return hits.filter((hit) => usesName(hit, name)).slice(0, limit);
  }

  /** Reads every folder (fromFolder): the chunks at their codebase paths, with their files' roles. */
  private async fromEveryFolder(read: (store: SearchSegment["store"], source: SourceReader | undefined) => Promise<StoredChunk[]>): Promise<SearchHit[]> {
    return (await this.lookingAgainIfGone(() => Promise.all(this.folders.map(async (folder) => (await this.fromFolder(folder, read)).map((chunk) => ({ ...pinned(chunk, folder.prefix), role: chunkRole(chunk) })))))).flat();
  }

  /** Reads from the first of a folder's segments that answers for the result's paths (the newest generation first). */
  private async fromFolder(folder: CodebaseFolder, read: (store: SearchSegment["store"], source: SourceReader | undefined) => Promise<StoredChunk[]>): Promise<StoredChunk[]> {
    const out: StoredChunk[] = [];
    for (const segment of this.folderIndex(folder).segments(folder.prefix)) {
      out.push(...(await fromSegment(segment, () => read(segment.store, segment.source), [])).filter((chunk) => !segment.hides?.(chunk.path) && !out.some((o) => o.id === chunk.id)));
    }
    return out;
  }

  /** What `@` completes to: indexed files whose path contains the query, or symbols that match it. */
  async suggestMentions(query: string, kind: "file" | "symbol", limit = 12): Promise<MentionSuggestion[]> {
    const lower = query.toLowerCase();
    if (kind === "file") {
      const items: MentionSuggestion[] = [];
      for (const folder of this.folders) {
        for (const relPath of await this.files.paths(folder)) {
          if (!(folder.prefix + relPath).toLowerCase().includes(lower)) continue;
          items.push({ kind: "file", value: folder.prefix + relPath, detail: folder.name });
          if (items.length >= limit) return items;
        }
      }
      return items;
    }
    if (!query) return [];
    const items: MentionSuggestion[] = [];
    for (const hit of await this.search(query, { limit: limit * 2, mode: "text" })) {
      if (hit.symbol.toLowerCase().includes(lower) && !items.some((i) => i.value === hit.symbol)) items.push({ kind: "symbol", value: hit.symbol, detail: `${hit.kind} in ${hit.path}` });
    }
    return items.slice(0, limit);
  }

  /**
   * The lines a citation names (or a path and a line range), read from the workspace file now.
   * Only files the index holds are read: nothing outside the workspace, and no ignored, secret
   * or binary file.
   */
  readCode(codebasePath: string, startLine = 1, endLine = Number.MAX_SAFE_INTEGER): Promise<CitedCode> {
    return this.files.read(codebasePath, startLine, endLine);
  }

  /** The code a citation (`path:start-end`) names. */
  readCitation(citation: string): Promise<CitedCode> {
    const parsed = parseCitation(citation);
    if (!parsed) return Promise.reject(new CodebaseError(`"${citation}" is not a citation: expected path:start-end.`));
    return this.readCode(parsed.path, parsed.startLine, parsed.endLine);
  }

  /** The team's rules that apply to a file (a codebase path; "" for those of the first folder that apply everywhere). */
  async conventionsFor(codebasePath: string): Promise<Convention[]> {
    const target = codebasePath ? this.resolve(codebasePath) : undefined;
    const folder = target?.folder ?? this.folders[0];
    if (!folder) return [];
    const rules = await (await this.folderIndex(folder).conventions()).forFile(target?.relPath ?? "");
    return rules.map((rule) => ({ ...rule, source: folder.prefix + rule.source }));
  }

  /** The short form of a file's conventions, for inline completions. */
  async conventionDigest(codebasePath: string, maxTokens: number): Promise<string> {
    const target = this.resolve(codebasePath);
    if (!target) return "";
    return (await this.folderIndex(target.folder).conventions()).digest(target.relPath, maxTokens, cl100k);
  }

  // ---- state

  /** Why the index can't work on this machine (LanceDB can't load here), or undefined when it can. */
  get unavailable(): string | undefined {
    return this.indexes.all().find((index) => index.unavailable)?.unavailable;
  }

  /** How often searches were answered from the query cache. */
  get searchCacheStats(): { hits: number; misses: number } {
    return this.retriever.stats;
  }

  /** Every folder's index, with every skipped file and its reason. */
  status(): Promise<FolderStatus[]> {
    return this.lookingAgainIfGone(() => Promise.all(this.folders.map(async (folder) => ({ ...(await this.folderIndex(folder).status()), folder: folder.name, prefix: folder.prefix }))));
  }

  /** Counts over all folders: cheap enough for a status bar after every update. */
  async summary(): Promise<{ files: number; chunks: number }> {
    const counts = await this.lookingAgainIfGone(() => Promise.all(this.indexes.all().map((index) => index.summary())));
    return counts.reduce((sum, c) => ({ files: sum.files + c.files, chunks: sum.chunks + c.chunks }), { files: 0, chunks: 0 });
  }

  /** Closes every index; background maintenance finishes first. */
  close(): void {
    this.indexes.close();
    this.ownedStages?.dispose();
  }
}

function pinned(chunk: StoredChunk, prefix: string): SearchHit {
  return { ...chunk, id: prefix + chunk.id, path: prefix + chunk.path, score: 1, relevance: 1, scores: { fusion: 1 }, ranks: {} };
}

/** A search that failed because its generation's files are gone or damaged: worth one look again. */
function isGoneIndex(error: unknown): boolean {
  const cause = error instanceof IndexDamagedError ? error.cause : error;
  return cause instanceof StoreUnreadableError || /LanceError\(IO\)|not found|No such file/i.test(errorMessage(cause));
}
