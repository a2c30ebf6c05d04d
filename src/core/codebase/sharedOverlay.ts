// A shared index (written by CI to object storage) under a folder's own small index: the shared one
// is opened read-only and answers for every file whose content it holds; the local one holds only
// what differs here (edited, added, on another branch) and tombstones for files deleted here, and
// wins for those. Searches see one index. When the shared store can't be read, the overlay says
// why and steps aside: the local index then indexes the whole folder. CI republishes the shared
// index in place: the overlay reads it at one version (its file list and its chunks together) and
// moves to the latest before each run and update; a file the overlay leaned on whose shared copy
// has changed since is hidden until the next run indexes it here.
import type { RunOptions } from "../index/indexer";
import { leansOnShared, type OwnershipChange, SHARED, type SharedFiles } from "../index/sharedFiles";
import type { SearchSegment } from "../retrieval/retriever";
import type { FileRecord } from "../store/schema";
import { IndexStore, type SourceReader, StoreUnreadableError } from "../store/store";
import { describeStorageError } from "../store/lance";
import { type Logger, withTimeout } from "../util/host";
import type { QueryEmbedders } from "./generationEmbedders";
import { generationDir } from "./generations";

export interface SharedStatus {
  uri: string;
  /** The commit CI built it from. */
  commit?: string;
  files: number;
  /** Files the local overlay holds instead (edited, added or deleted here). */
  overlaid: number;
  /**
   * Files whose local record leans on the shared index where it no longer answers for them (CI
   * changed or deleted them since, or the shared index can't be read): searched nowhere until a
   * run indexes them here.
   */
  stale: number;
  /** Why it is not used, when it is not. */
  problem?: string;
}

/** How long checking that the shared store still answers may take before it counts as unreachable. */
const CHECK_TIMEOUT_MS = 20_000;
/** After a read of the shared index failed, how long searches and lookups do without it before asking again. */
const SKIP_AFTER_FAILURE_MS = 60_000;

export class SharedOverlay implements SharedFiles {
  private store: IndexStore | undefined;
  private files = new Map<string, FileRecord>();
  private commit: string | undefined;
  /** The version its file list and searches are of (IndexStore.pinToLatest). */
  private version: string | undefined;
  /** Paths the local index speaks for: the shared copy is hidden. */
  private owned = new Set<string>();
  /** Of the local records: files held here instead (chunks or a tombstone), and files leaning where the shared index no longer answers. */
  private counts = { overlaid: 0, stale: 0 };
  /** Paths a run in progress has handed to the shared index: their local chunks (going, or gone) are hidden. */
  private handedOver = new Set<string>();
  problem: string | undefined;
  /** Until when reads do without the shared index (one failed just before). */
  private skipUntil = 0;
  /** When the shared index's version was last looked at. */
  private refreshedAt = 0;
  /** The local index whose records say what the overlay hides (the last one refreshOwned read). */
  private local: IndexStore | undefined;
  /** Stores that stopped answering, closed with the overlay. */
  private readonly failed: IndexStore[] = [];

  private constructor(readonly uri: string, private readonly logger: Logger) {}

  /**
   * Opens the shared index of this fingerprint; never throws: a failure is the overlay's `problem`.
   * A store that takes connections and never answers its first requests is given up after
   * `timeoutMs` (each request times out, but one after another they would hold a search for many minutes).
   */
  static async open(uri: string, fingerprint: string, logger: Logger, timeoutMs = CHECK_TIMEOUT_MS): Promise<SharedOverlay> {
    const overlay = new SharedOverlay(uri, logger);
    const dir = generationDir(uri, fingerprint);
    let gaveUp = false;
    // The first contact is bounded (a silent store); reading the file list is not (a large index on a slow link takes its time).
    try {
      const store = await withTimeout(() => IndexStore.open(dir).then((opened) => (gaveUp ? void opened?.close() : opened)), timeoutMs, `timed out: no answer in ${Math.round(timeoutMs / 1000)} s`);
      if (!store) overlay.problem = `no index made by this Groundwork version with these settings (its embedding model) at ${uri} (looked for ${dir})`;
      else if (!store.complete) {
        store.close();
        overlay.problem = `the index at ${dir} is still being written`;
      } else {
        overlay.store = store;
        await overlay.readFiles();
      }
    } catch (error) {
      gaveUp = true;
      overlay.fail(error, dir);
    }
    if (overlay.problem) logger.warn(`The shared index is not used: ${overlay.problem}. The whole folder is indexed here instead.`);
    else logger.info(`Using the shared index at ${uri}${overlay.commit ? ` (commit ${overlay.commit.slice(0, 12)})` : ""}: ${overlay.files.size} files`);
    return overlay;
  }

  /** Moves to the shared index's latest version; its file list is read again when that changed. */
  private async readFiles(): Promise<boolean> {
    const version = await this.store!.pinToLatest();
    this.refreshedAt = Date.now();
    if (version === this.version) return false;
    const files = new Map<string, FileRecord>();
    for (const record of (await this.store!.fileRecords()).values()) if (record.status === "indexed") files.set(record.path, record);
    this.commit = await this.store!.getMeta("commit");
    this.files = files;
    const changed = this.version !== undefined;
    this.version = version;
    return changed;
  }

  /**
   * Before an update and after a reload: the shared index as it is now. Never throws: a failure
   * leaves it as it was (searches do without it for a minute); only a run's check steps aside.
   */
  async refreshShared(options: { ifOlderThanMs?: number } = {}): Promise<void> {
    if (!this.store || Date.now() - this.refreshedAt < (options.ifOlderThanMs ?? 0)) return;
    await this.moveOn().catch((error: unknown) => this.skip(error));
  }

  /**
   * A change another process's run reported (applyOwnership); when it leans on content this copy of
   * the shared index does not hold (CI republished since it was read), the shared index is read again first.
   */
  async applyReported(change: OwnershipChange): Promise<void> {
    if (!change.leaning.every(({ path, hash }) => this.files.get(path)?.hash === hash)) await this.refreshShared();
    this.applyOwnership(change);
  }

  /** Moves to the latest version; when its file list changed, what the local index hides is worked out again at once. */
  private async moveOn(): Promise<void> {
    if (!(await this.readFiles())) return;
    this.logger.info(`The shared index at ${this.uri} changed${this.commit ? ` (now commit ${this.commit.slice(0, 12)})` : ""}: ${this.files.size} files`);
    // The local records as last read (a generation since retired is read again after the run).
    await this.refreshOwned(this.local).catch(() => undefined);
  }

  /** A read failed: searches and lookups do without the shared index for a minute. */
  private skip(error: unknown): void {
    if (Date.now() >= this.skipUntil) this.logger.warn(`The shared index at ${this.uri} could not be read (${describeStorageError(this.uri, error)}); local results only for a minute.`);
    this.skipUntil = Date.now() + SKIP_AFTER_FAILURE_MS;
  }

  private fail(error: unknown, dir = this.uri): void {
    this.problem = (error instanceof StoreUnreadableError ? error.message : describeStorageError(dir, error)).replace(/\.$/, "");
    // Closed with the overlay, not now: a search elsewhere may still be reading it (closing LanceDB under a read crashes the process).
    if (this.store) this.failed.push(this.store);
    this.store = undefined;
    this.files.clear();
  }

  /** Whether it answers (opened, and not failed since). */
  get active(): boolean {
    return this.store !== undefined;
  }

  hashOf(path: string): string | undefined {
    return this.files.get(path)?.hash;
  }

  paths(): Iterable<string> {
    return this.files.keys();
  }

  /** Before a run: whether the store still answers; if not, the overlay steps aside (and says why). */
  async check(): Promise<boolean> {
    const store = this.store;
    if (!store) return false;
    try {
      await withTimeout(() => store.countChunks(), CHECK_TIMEOUT_MS, "timed out");
      await this.moveOn();
      this.skipUntil = 0;
      return true;
    } catch (error) {
      this.fail(error);
      this.logger.warn(`The shared index stopped answering: ${this.problem}. The whole folder is indexed here instead.`);
      return false;
    }
  }

  /**
   * Reads which paths the local index now speaks for (after each run or update), and hides the
   * shared copy of a file the local index leaned on when the shared index now holds other content.
   */
  async refreshOwned(local: IndexStore | undefined): Promise<void> {
    this.local = local;
    const owned = new Set<string>();
    const counts = { overlaid: 0, stale: 0 };
    for (const record of (await local?.fileRecords())?.values() ?? []) {
      if (leansOnShared(record, this)) continue;
      owned.add(record.path);
      if (record.reason === SHARED) counts.stale++;
      // Held here instead: a file of its own (edited, added) or one the shared index holds (deleted or left out here); not `.git/` and the like.
      else if (record.status === "indexed" || this.files.has(record.path)) counts.overlaid++;
    }
    this.owned = owned;
    this.counts = counts;
    this.handedOver = new Set();
  }

  /**
   * A run (here or in the indexing process) is writing these files' records: the shared copy of a
   * file now leaning answers at once and its local chunks are hidden; a file now held here hides
   * the shared copy. Searches in flight see the change (the sets change in place).
   */
  applyOwnership(change: OwnershipChange): void {
    for (const { path } of change.leaning) {
      this.owned.delete(path);
      this.handedOver.add(path);
    }
    for (const path of change.local) {
      this.owned.add(path);
      this.handedOver.delete(path);
    }
  }

  /** A run's options, its changes of ownership applied here first (searches see them as they happen), then passed on. */
  reporting(options: RunOptions = {}): RunOptions {
    if (!this.active) return options;
    return { ...options, onOwnership: (change) => (this.applyOwnership(change), options.onOwnership?.(change)) };
  }

  /** Whether the local index's chunks of this file are hidden: a run in progress handed it to the shared index. */
  hidesLocal(path: string): boolean {
    return this.handedOver.has(path);
  }

  /** The shared index as a search segment: hidden where the local index speaks; a failure leaves local results only. */
  segment(prefix: string, source: SourceReader, embedders: (store: IndexStore) => QueryEmbedders): SearchSegment | undefined {
    if (!this.store) return undefined;
    const owned = this.owned;
    return {
      prefix, store: this.store, source, ...embedders(this.store), hides: (path) => owned.has(path), optional: `the shared index at ${this.uri}`,
      skip: Date.now() < this.skipUntil, failed: (error) => this.skip(error),
    };
  }

  status(): SharedStatus {
    return { uri: this.uri, commit: this.commit, files: this.files.size, ...this.counts, problem: this.problem };
  }

  close(): void {
    this.store?.close();
    this.store = undefined;
    for (const store of this.failed.splice(0)) store.close();
  }
}
