// One folder's index over time. The index lives in generations, one folder each under the index
// path (`g-<fingerprint>`), named by the fingerprint of what derived its rows (index/fingerprint.ts).
// Opening only reads: the newest complete generation answers. A writer (a run, an update) computes
// the current fingerprint; when no generation has it, a new one is built beside the old, which
// keeps answering (keyword search only when its vectors no longer match the embedder) for every
// file the new one has not reached yet. When the new one is complete it answers alone, and
// maintenance deletes the old. Every write and every deletion holds the writer lock.
import * as path from "node:path";
import { ConventionSet, isConventionFile } from "../conventions/conventionSet";
import type { Embedder } from "../embed/embedder";
import { indexFingerprint } from "../index/fingerprint";
import { DELETED_HERE, Indexer, type IndexRunResult, type OwnershipChange, type RunOptions } from "../index/indexer";
import type { SearchSegment } from "../retrieval/retriever";
import { IndexLock, IndexLockedError } from "../store/lock";
import { lanceUnsupportedReason } from "../store/cpu";
import { IndexUnavailableError, isRemoteUri, loadLanceDb } from "../store/lance";
import { IndexStore } from "../store/store";
import { IndexDamagedError, markingDamage } from "../store/damage";
import { VectorCache } from "../store/vectorCache";
import { errorMessage, shownUrl } from "../util/host";
import { embeddersLabel, GenerationEmbedders, generationsToKeep, neuralIdentity, rebuildReason } from "./generationEmbedders";
import { estimateEmbedding, type EmbeddingEstimate } from "../index/estimate";
import { damagedWhenChecked, deleteAllGenerations, deleteGenerations, generationDir, deletedByHand, GenerationReader, gitHead, maintainStore, openOrCreateGeneration, pickGenerations, recordChosen } from "./generations";
import { KeptChunkerPart } from "./keptFingerprint";
import { relativeInside } from "./paths";
import { SharedOverlay } from "./sharedOverlay";
import { onStorage, remoteLockDir } from "./storage";
import { sourceReader } from "./sourceReader";
import { type FolderIndexOptions, type IndexStatus, VECTOR_INDEX_MIN_ROWS } from "./folderIndexTypes";

export { type FolderIndexOptions, type IndexStatus, VECTOR_INDEX_MIN_ROWS } from "./folderIndexTypes";

export class FolderIndex {
  /** One writer per index, across processes: runs, updates and maintenance hold it. */
  private readonly lock: IndexLock;
  private embedders: GenerationEmbedders;
  private neural: Embedder | undefined;
  private vectorCache: VectorCache | undefined;
  private overlay: SharedOverlay | undefined;
  private readonly source;
  /** The complete generation that answers (or, before any is complete, the newest). */
  private answering: IndexStore | undefined;
  /** A generation being built beside `answering`, for a new fingerprint. */
  private building: IndexStore | undefined;
  /** Paths the building generation has decided (written or removed): the answering one no longer speaks for them. */
  private readonly decided = new Set<string>();
  /** Generations no longer used, deleted by maintenance. */
  private readonly retired: IndexStore[] = [];
  private readonly generations: GenerationReader;
  /** Set when the index can't work on this machine (see IndexUnavailableError): searches find nothing, writes refuse. */
  private unavailableError: IndexUnavailableError | undefined;
  private deleted = false; // a read found every generation gone where one answered (see takeDeleted)
  private conventionSet: Promise<ConventionSet> | undefined;
  private maintenance: Promise<void> | undefined;
  private closed = false;
  private readonly chunkerPart: KeptChunkerPart;

  private constructor(private readonly options: FolderIndexOptions) {
    // An index on object storage has one writer by design (CI); this machine's writers still take turns, on a local lock.
    this.lock = new IndexLock(isRemoteUri(options.dbPath) ? remoteLockDir(options.dbPath) : options.dbPath);
    this.neural = options.neural === "from-index" ? undefined : options.neural;
    this.embedders = this.embeddersFor(this.neural);
    this.source = sourceReader(options.root);
    this.chunkerPart = new KeptChunkerPart(options.stages, options.dbPath);
    this.generations = new GenerationReader(options.dbPath, options.logger);
  }

  private embeddersFor(neural: Embedder | undefined): GenerationEmbedders {
    const cacheable = neural && (neural as { cacheable?: boolean }).cacheable;
    this.vectorCache = cacheable && !isRemoteUri(this.options.dbPath) ? new VectorCache({ dir: path.join(this.options.dbPath, "vectors"), embedder: neural.fingerprint, dims: neural.dims }) : undefined;
    return new GenerationEmbedders(this.options.embedder, neural, this.options.embedderFor);
  }

  private get queryPart(): string { return this.embedders.queryPart; }

  /** The neural embedder writes use (none: builtin vectors only). */
  get neuralEmbedder(): Embedder | undefined { return this.neural; }

  get root(): string { return this.options.root; }
  get dbPath(): string { return this.options.dbPath; }

  /** Opens the folder's index for reading: nothing is written, created or deleted. */
  static async open(options: FolderIndexOptions): Promise<FolderIndex> {
    const index = new FolderIndex(options);
    const unsupported = lanceUnsupportedReason();
    const failed = (error: unknown): never => {
      index.close();
      throw error;
    };
    if (unsupported) index.unavailableError = new IndexUnavailableError(unsupported);
    else await index.refresh().catch(failed);
    // "from-index": the neural embedder the answering generation was built with, made again from its spec.
    if (options.neural === "from-index" && index.answering?.identity.neural) {
      const neural = index.embedders.for(index.answering).neural;
      if (neural) {
        index.neural = neural;
        index.embedders = index.embeddersFor(neural);
      } else {
        const { spec } = index.answering.identity.neural;
        options.logger.warn(`The index of ${options.root} was built with the embedding model ${String(spec.model ?? spec.kind)}${typeof spec.baseURL === "string" ? ` at ${shownUrl(spec.baseURL)}` : ""}, which is not used here ` +
          "(its server is not one named in the settings, --embedding-base-url or GROUNDWORK_EMBEDDING_BASE_URL, or it can't be made here): searching with the builtin vectors and full text.");
      }
    }
    // The shared index of the fingerprint the embedders now make (with "from-index", the one the local index was built with).
    if (options.shared && !index.unavailableError) {
      const overlay = (index.overlay = await SharedOverlay.open(options.shared, await index.fingerprint().catch(failed), options.logger).catch(failed));
      await overlay.refreshOwned(index.answering).catch(failed);
    }
    return index;
  }

  /** Whether the index folder was deleted under this process since the last call (nothing answers where something did): once per deletion. */
  takeDeleted(): boolean {
    const deleted = this.deleted;
    this.deleted = false;
    return deleted;
  }

  /** Why the index can't work here, when it can't. */
  get unavailable(): string | undefined { return this.unavailableError?.message; }

  /**
   * Reads which generations exist and picks the one that answers: the newest complete one whose
   * vectors answer queries made now, else the newest complete one, else the newest. Called on
   * open, again when a search finds its generation gone (another process replaced it), and by
   * every write under the lock, since another process may have changed them meanwhile.
   */
  async refresh(): Promise<void> {
    if (this.lock.isHeld || this.unavailableError) return; // this process is writing: its view is current
    try {
      await this.reread();
    } catch (error) {
      if (!(error instanceof IndexUnavailableError)) throw error;
      this.unavailableError = error;
    }
  }

  /**
   * After another process wrote this index (the extension's index run in a child process): which
   * generations answer, what the shared index no longer answers for, and the conventions.
   * `generationsOnly`: only whether generations were added or removed (cheap; while it writes).
   */
  async reload(options: { generationsOnly?: boolean } = {}): Promise<void> {
    // The other process may have changed what is inside a generation (marked it complete), not just which there are.
    if (this.closed) return;
    if (!options.generationsOnly) this.generations.changed();
    await this.refresh();
    if (options.generationsOnly || this.unavailableError) return;
    await this.overlay?.refreshShared();
    await this.overlay?.refreshOwned(this.answering);
    if (this.conventionSet) await (await this.conventionSet).reload();
  }

  private async reread(): Promise<void> {
    const remoteFingerprint = isRemoteUri(this.options.dbPath) ? await this.fingerprint() : undefined;
    const found = await this.generations.read(remoteFingerprint); // undefined: the generation folders are unchanged
    if (!found) return;
    // Only when the reader opens: after that its embedders are set, and its writes go where they read.
    const chosen = this.options.neural === "from-index" && !this.answering ? found.chosen : undefined;
    const { answering, building } = pickGenerations(found, this.answering, this.building, this.queryPart, chosen);
    if (this.answering && !answering && found.length === 0 && !found.unreadable && !remoteFingerprint && (await deletedByHand(this.options.dbPath, this.answering.dir))) this.deleted = true;
    if (!building) {
      this.decided.clear();
      if (this.building) this.building.onWrite = undefined;
    }
    this.answering = answering;
    this.building = building;
  }

  /** What searches read: the answering generation, and the one being built, which wins for its files. */
  segments(prefix: string): SearchSegment[] {
    const segments: SearchSegment[] = [];
    if (this.unavailableError) return segments;
    const overlay = this.overlay; // a file a run is handing to the shared index: its shared copy answers
    const handedOver = overlay && ((p: string) => overlay.hidesLocal(p));
    if (this.building) segments.push({ prefix, store: this.building, source: this.source, ...this.embedders.for(this.building), hides: handedOver });
    if (this.answering) {
      const decided = this.building ? this.decided : undefined;
      const hides = decided ? (p: string) => decided.has(p) || overlay?.hidesLocal(p) === true : handedOver;
      segments.push({ prefix, store: this.answering, source: this.source, ...this.embedders.for(this.answering), hides });
    }
    const shared = this.overlay?.segment(prefix, this.source, (store) => this.embedders.for(store));
    if (shared) segments.push(shared);
    return segments;
  }

  /** The full fingerprint a writer needs (the chunker's part computed once, or kept in the index folder by an earlier run). */
  private async fingerprint(): Promise<string> {
    return indexFingerprint(this.queryPart, await this.chunkerPart.get());
  }

  /** The generation writes go to, created (under the lock the caller holds) when none has the fingerprint. */
  private async writeTarget(): Promise<IndexStore> {
    // A first run computes the chunker's part in a worker (~0.2 s): LanceDB's native module loads on
    // this thread meanwhile (~0.1 s), not after it. Its failure is reported where the store opens.
    const [fingerprint] = await Promise.all([this.fingerprint(), loadLanceDb().catch(() => undefined)]);
    await this.chunkerPart.keep();
    for (const store of [this.building, this.answering]) {
      if (store?.identity.fingerprint !== fingerprint) continue;
      if (!(await damagedWhenChecked(store, this.options.logger))) return store;
      if (this.answering === store) this.answering = undefined;
      else this.building = undefined;
    }
    const dir = generationDir(this.options.dbPath, fingerprint);
    const identity = {
      fingerprint, query: this.queryPart, embedder: this.options.embedder.fingerprint, dims: this.options.embedder.dims, createdAt: Date.now(),
      neural: neuralIdentity(this.neural),
    };
    const store = await openOrCreateGeneration(dir, identity, this.options.logger, () => {
      const reason = this.answering ? rebuildReason(this.answering.identity, this.options.embedder, this.neural, this.queryPart) : "new index";
      if (this.answering) this.options.logger.warn(`Rebuilding the index of ${this.options.root} (${reason}); the current index answers until the new one is complete.`);
    });
    this.generations.changed();
    // A handle on the folder just replaced (a damaged or half-created generation) goes.
    for (const handle of [this.answering, this.building]) if (handle && handle !== store && handle.dir === dir) handle.close();
    if (this.answering?.dir === dir) this.answering = undefined;
    if (this.building?.dir === dir) this.building = undefined;
    if (!this.answering) this.answering = store;
    else {
      this.building = store;
      this.decided.clear();
      for (const record of (await store.fileRecords()).keys()) this.decided.add(record);
      store.onWrite = (paths) => paths.forEach((p) => this.decided.add(p));
    }
    return store;
  }

  /** Indexes the folder, then maintains it in the background unless `maintain: false`; throws IndexLockedError while another process writes this index. */
  async run(options?: RunOptions & { maintain?: boolean }): Promise<IndexRunResult> {
    if (this.unavailableError) throw this.unavailableError;
    const result = await this.lock.withLock(() => onStorage(this.options.dbPath, async () => {
      await this.reread();
      const store = await this.writeTarget();
      store.beginWrites();
      // A shared index that stopped answering steps aside: this run then indexes the whole folder.
      if (this.overlay?.active) await this.overlay.check();
      const outcome = await markingDamage(store.dir, () => this.indexer(store).run(this.overlay?.reporting(options) ?? options));
      await this.overlay?.refreshOwned(store);
      if (outcome.cancelled) return outcome;
      // The commit the index was built from, when the folder is a git repository (a shared index says which).
      const commit = await gitHead(this.options.root);
      if (commit && commit !== (await store.getMeta("commit"))) await store.setMeta("commit", commit);
      this.deleted = false; // a whole run built what was deleted
      if (!store.complete) {
        await store.markComplete();
        this.promote(store);
      }
      await recordChosen(this.options.dbPath, store, this.options.logger);
      return outcome;
    }));
    if (this.conventionSet) await (await this.conventionSet).reload();
    if (!result.cancelled && options?.maintain !== false) void this.maintain();
    return result;
  }

  /** Re-indexes these folder-relative paths; a changed conventions file reloads the conventions. */
  async update(relPaths: readonly string[], options?: RunOptions): Promise<IndexRunResult> {
    if (this.unavailableError) throw this.unavailableError;
    const result = await this.lock.withLock(async () => {
      await this.reread();
      const store = await this.writeTarget();
      store.beginWrites();
      // Saves come often: the store is asked for its version at most every half minute (a run always asks).
      await this.overlay?.refreshShared({ ifOlderThanMs: 30_000 });
      const outcome = await markingDamage(store.dir, () => this.indexer(store).update(relPaths, this.overlay?.reporting(options) ?? options));
      await this.overlay?.refreshOwned(store);
      return outcome;
    });
    if (this.conventionSet && relPaths.some((relPath) => isConventionFile(relPath))) await (await this.conventionSet).reload();
    void this.maintain();
    return result;
  }

  /** What another process's run (the extension's indexing process) reported, when it wrote the generation searches here read. */
  async applyOwnership(change: OwnershipChange): Promise<void> {
    if (change.store === this.answering?.dir) await this.overlay?.applyReported(change);
  }

  /** What is scanned: the settings' scan, and never the index itself, wherever it lives inside the folder. */
  private scanOptions(): FolderIndexOptions["scan"] {
    const own = isRemoteUri(this.options.dbPath) ? undefined : relativeInside(this.options.root, this.options.dbPath);
    return own ? { ...this.options.scan, excludes: [...(this.options.scan?.excludes ?? []), `/${own}/`] } : this.options.scan;
  }

  private indexer(store: IndexStore): Indexer {
    const { root, embedder, stages, logger, syncTextIndexMaxRows, batchChunks } = this.options;
    const shared = this.overlay?.active ? this.overlay : undefined;
    return new Indexer({ root, store, embedder, neural: this.neural, vectorCache: this.vectorCache, shared, stages, scan: this.scanOptions(), logger, syncTextIndexMaxRows, batchChunks });
  }

  /** What the next run would send to the neural embedder when the answering index lacks its vectors; undefined without one or when it has them. */
  async embeddingEstimate(signal?: AbortSignal): Promise<EmbeddingEstimate | undefined> {
    if (!this.neural || this.unavailableError) return undefined;
    const answering = this.answering;
    if (answering?.complete && answering.identity.neural?.fingerprint === this.neural.fingerprint) return undefined;
    return estimateEmbedding({ root: this.options.root, stages: this.options.stages, scan: this.scanOptions(), cache: this.vectorCache, signal });
  }

  /** A generation just completed answers alone; the others are retired. */
  private promote(store: IndexStore): void {
    for (const old of [this.answering, this.building]) if (old && old !== store) this.retired.push(old);
    if (this.answering && this.answering !== store) this.options.logger.info(`The rebuilt index of ${this.options.root} is complete and answers now.`);
    this.answering = store;
    this.building = undefined;
    store.onWrite = undefined;
    this.decided.clear();
  }

  /** Background maintenance (retired generations go, then maintainStore) with searches going on; resolves when it is over. */
  maintain(): Promise<void> {
    if (this.maintenance || this.closed) return this.maintenanceIdle();
    this.maintenance = this.lock.withLock(async () => {
      await this.deleteRetired();
      const store = this.building ?? this.answering;
      if (store) await markingDamage(store.dir, () => maintainStore(store, { vectorIndex: !this.building, vectorIndexMinRows: this.options.vectorIndexMinRows ?? VECTOR_INDEX_MIN_ROWS, logger: this.options.logger }));
    })
      .catch((error) => {
        if (error instanceof IndexLockedError) this.options.logger.debug(`Index maintenance postponed: ${error.message}`);
        else this.options.logger.warn(error instanceof IndexDamagedError ? error.message : `Index maintenance failed; searches still work, maybe slower: ${errorMessage(error)}`);
      })
      .finally(() => {
        this.maintenance = undefined;
      });
    return this.maintenanceIdle();
  }

  /**
   * Deletes the retired generations, and any other left over from an earlier process, once one
   * complete generation answers; keeps the newest complete ones built with other embedders
   * (keepGenerations), so that switching back answers at once.
   */
  private async deleteRetired(): Promise<void> {
    const answering = this.answering;
    if (!answering?.complete || this.building || isRemoteUri(this.options.dbPath)) return;
    for (const store of this.retired.splice(0)) store.close();
    await deleteGenerations(this.options.dbPath, answering, (others) => generationsToKeep(others, answering, this.options.keepGenerations ?? 1, (store) => this.embedders.for(store).embedder !== undefined));
  }

  /** Resolves when no background maintenance is running (the CLI and the benchmarks wait for it). */
  async maintenanceIdle(): Promise<void> { await this.maintenance; }

  /** The team's conventions, read on first use and kept current by `run` and `update`. */
  conventions(): Promise<ConventionSet> {
    return (this.conventionSet ??= ConventionSet.load(this.options.root, this.options.logger));
  }

  /** Counts only: cheap enough for a status bar after every update. */
  async summary(): Promise<{ files: number; chunks: number }> {
    const store = this.answering;
    if (!store) return { files: 0, chunks: 0 };
    const [files, chunks] = await Promise.all([store.countFiles("indexed"), store.countChunks()]);
    return { files, chunks };
  }

  async status(): Promise<IndexStatus> {
    const store = this.answering;
    const records = store ? [...(await store.fileRecords()).values()].sort((a, b) => a.path.localeCompare(b.path)) : [];
    return {
      root: this.options.root,
      dbPath: this.options.dbPath,
      // The answering generation's embedders (a switch shows under `rebuilding` until it is complete).
      embedder: embeddersLabel(this.options.embedder, store ? store.identity.neural : neuralIdentity(this.neural)),
      filesIndexed: records.filter((r) => r.status === "indexed").length,
      chunks: store ? await store.countChunks() : 0,
      skipped: records.filter((r) => r.status === "skipped" && r.reason !== DELETED_HERE),
      failed: records.filter((r) => r.status === "error"),
      lastUpdated: await store?.getMeta("lastUpdated"),
      commit: await store?.getMeta("commit"),
      shared: this.overlay?.status(),
      vectorIndex: await store?.vectorIndexCoverage(),
      generation: store && { fingerprint: store.identity.fingerprint, searches: store.identity.query === this.queryPart ? "hybrid" : "keywords only" },
      rebuilding: this.building && store ? { reason: rebuildReason(store.identity, this.options.embedder, this.neural, this.queryPart), filesDone: this.decided.size } : undefined,
      unavailable: this.unavailable,
    };
  }

  /** Deletes every generation (under the lock): the next run builds the index from scratch. */
  async clear(): Promise<void> {
    await this.maintenance;
    await this.lock.withLock(async () => {
      for (const store of [this.answering, this.building, ...this.retired.splice(0)]) store?.close();
      this.answering = undefined;
      this.building = undefined;
      this.decided.clear();
      this.generations.changed();
      await deleteAllGenerations(this.options.dbPath); // says it was cleared: not "deleted" for other processes
    });
  }

  /** Background maintenance still running finishes first: its native work must not outlive the stores. */
  close(): void {
    this.closed = true;
    this.overlay?.close();
    const stores = [this.answering, this.building, ...this.retired.splice(0)].filter((s) => s !== undefined) as IndexStore[];
    const closeAll = (): void => stores.forEach((store) => store.close());
    if (this.maintenance) void this.maintenance.finally(closeAll);
    else closeAll();
  }
}

