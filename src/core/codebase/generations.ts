// A folder's index generations on disk (`g-<fingerprint>` folders under the index path): what is
// there, reading them, deleting the ones no longer needed, and one store's background upkeep.
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { isRemoteUri } from "../store/lance";
import { IndexStore, type StoreIdentity, StoreUnreadableError } from "../store/store";
import { clearSuspicion, IndexDamagedError, markingDamage, readWhole, recordedDamage, suspicion } from "../store/damage";
import { errorMessage, type Logger } from "../util/host";
import { collectGarbage } from "./allocator";

export const GENERATION = /^g-[0-9a-f]{16}$/;
/** Names the generation the last whole run wrote: readers that take their embedders from the index read that one. */
const CHOSEN_FILE = "chosen-generation";
/** Left by a clear (Clear Index): the generations went on purpose, and nobody builds them again unasked. */
const CLEARED_FILE = "cleared";

/** The vector index is rebuilt when rows added since its build exceed this share of it. */
const VECTOR_INDEX_STALE_SHARE = 0.25;
/** Rows the full-text index may lag behind (they are searched flat) before maintenance folds them in. */
const TEXT_INDEX_SLACK_ROWS = 2_000;
/** Compact when writes have left more fragments than this (each search visits every one). */
const MAX_FRAGMENTS = 32;

/** Where a generation lives: a folder under the index path, or a prefix under an object-store URI. */
export function generationDir(dbPath: string, fingerprint: string): string {
  const name = `g-${fingerprint.slice(0, 16)}`;
  return isRemoteUri(dbPath) ? `${dbPath.replace(/\/+$/, "")}/${name}` : path.join(dbPath, name);
}

/**
 * The generation of `identity`'s fingerprint at `dir`, opened, or created when there is none, when
 * the folder holds another fingerprint's, or when it is damaged (only recognised damage: a
 * transient error must not cost an index). `beforeCreate` runs just before a new one is made.
 */
export async function openOrCreateGeneration(dir: string, identity: StoreIdentity, logger: Logger, beforeCreate: () => void): Promise<IndexStore> {
  let store: IndexStore | undefined;
  try {
    store = await IndexStore.open(dir);
  } catch (error) {
    if (!(error instanceof StoreUnreadableError && error.corrupt)) throw error;
    logger.warn(`Rebuilding the index generation at ${dir}: ${errorMessage(error.cause)}.`);
    await fs.rm(dir, { recursive: true, force: true });
  }
  if (store && (await damagedWhenChecked(store, logger))) store = undefined;
  if (store?.identity.fingerprint === identity.fingerprint) return store;
  store?.close();
  beforeCreate();
  await keptOutOfGit(dir);
  return IndexStore.create(dir, identity);
}

/**
 * The default index folder (`<folder>/.groundwork/index`) is this machine's: a `.gitignore` in
 * `.groundwork` keeps it out of git (and `git stash -u`), with the audit log, datasets and evals
 * written there, but not the team's `.groundwork/conventions/`. An existing one is left as it is.
 */
async function keptOutOfGit(generation: string): Promise<void> {
  const folder = path.dirname(path.dirname(generation));
  if (isRemoteUri(generation) || path.basename(folder) !== ".groundwork") return;
  await fs.mkdir(folder, { recursive: true });
  await fs.writeFile(path.join(folder, ".gitignore"), GIT_IGNORED, { flag: "wx" }).catch(() => undefined);
}

const GIT_IGNORED = "# Groundwork's files of this machine (its index, audit log, datasets); conventions/ is the team's.\n*\n!.gitignore\n!conventions/\n!conventions/**\n";

/**
 * Under the writer lock, before a run writes on: a generation marked damaged, or read whole and
 * found damaged after a search met what looked like damage (damage.ts), is closed and deleted
 * (true), and the run builds it again. A note with nothing behind it goes.
 */
export async function damagedWhenChecked(store: IndexStore, logger: Logger): Promise<boolean> {
  let damage = await recordedDamage(store.dir);
  if (damage === undefined) {
    if ((await suspicion(store.dir)) === undefined) return false;
    try {
      await markingDamage(store.dir, () => readWhole(store.dir, async () => {
        await store.textSearch("verify", 1);
        await store.vectorSearch(new Float32Array(store.identity.dims).fill(1), 1);
      }));
      await clearSuspicion(store.dir);
      return false;
    } catch (error) {
      // Not damage (LanceDB said something else): the run goes on; the note stays for the next one.
      if (!(error instanceof IndexDamagedError)) {
        logger.warn(`Could not check the index at ${store.dir} for damage: ${errorMessage(error)}`);
        return false;
      }
      damage = errorMessage(error.cause);
    }
  }
  logger.warn(`Rebuilding the index generation at ${store.dir}: ${damage}.`);
  store.close();
  await fs.rm(store.dir, { recursive: true, force: true });
  return true;
}

/**
 * The generation folders as they are now: names, inodes and birth times (a folder deleted and made
 * again differs). On object storage, where listing is not to be relied on, the one generation of
 * the current fingerprint is all there is to see.
 */
async function generationsView(dbPath: string, remoteFingerprint?: string): Promise<string> {
  if (isRemoteUri(dbPath)) return `remote:${remoteFingerprint ?? ""}`;
  const names = (await fs.readdir(dbPath).catch(() => [] as string[])).filter((name) => GENERATION.test(name) || name.endsWith(".lance")).sort();
  const ids = await Promise.all(names.map(async (name) => {
    const stat = await fs.stat(path.join(dbPath, name)).catch(() => undefined);
    return stat ? `${stat.ino}:${stat.birthtimeMs}` : "";
  }));
  return JSON.stringify(names.map((name, i) => [name, ids[i]]));
}

/**
 * A reader's view of a folder's generations: they are read again only when the generation folders
 * changed (one added or removed, or deleted and made again) or this process changed them.
 */
export class GenerationReader {
  private view: string | undefined;
  /** Generation folders already said to be unreadable. */
  private readonly warned = new Set<string>();

  constructor(private readonly dbPath: string, private readonly logger: Logger) {}

  /** Every readable generation and the one the last run chose, or undefined when the folders are as they were at the last read. */
  async read(remoteFingerprint?: string): Promise<(IndexStore[] & { unreadable?: number; chosen?: string }) | undefined> {
    const chosen = remoteFingerprint ? undefined : await fs.readFile(path.join(this.dbPath, CHOSEN_FILE), "utf8").then((name) => name.trim(), () => undefined);
    const view = `${await generationsView(this.dbPath, remoteFingerprint)}\n${chosen ?? ""}`;
    if (view === this.view) return undefined;
    this.view = view;
    const found = await readGenerations(this.dbPath, this.logger, remoteFingerprint, this.warned).catch((error: unknown) => {
      this.view = undefined; // read again next time
      throw error;
    });
    // A generation another process is still creating can't be read yet: look again next time.
    if (found.unreadable) this.view = undefined;
    return Object.assign(found, { chosen: chosen && path.join(this.dbPath, chosen) });
  }

  /** This process created, replaced or deleted a generation (or another wrote inside one): the next read looks again. */
  changed(): void {
    this.view = undefined;
  }
}

/** Records that a whole run wrote `store` (the caller holds the writer lock; a local index only); a failure costs only the record. */
export async function recordChosen(dbPath: string, store: IndexStore, logger: Logger): Promise<void> {
  if (isRemoteUri(dbPath) || path.dirname(store.dir) !== dbPath) return;
  const file = path.join(dbPath, CHOSEN_FILE);
  try {
    await fs.rm(path.join(dbPath, CLEARED_FILE), { force: true });
    await fs.writeFile(`${file}.tmp`, path.basename(store.dir));
    await fs.rename(`${file}.tmp`, file);
  } catch (error) {
    logger.warn(`Could not record which index generation this run wrote (${errorMessage(error)}); readers pick one by their embedder.`);
  }
}

/**
 * Whether a generation a reader held was deleted by hand (its folder is gone, and no process
 * cleared the index on purpose): a transient error reading the folder is not a deletion.
 */
export async function deletedByHand(dbPath: string, dir: string): Promise<boolean> {
  const gone = await fs.stat(dir).then(() => false, (error: NodeJS.ErrnoException) => error.code === "ENOENT");
  return gone && !(await fs.stat(path.join(dbPath, CLEARED_FILE)).then(() => true, () => false));
}

/**
 * Every readable generation in the index folder (and an index older than generations, at its
 * root); `unreadable`: how many could not be read (one another process is creating, or damage).
 */
export async function readGenerations(dbPath: string, logger: Logger, remoteFingerprint?: string, warned = new Set<string>()): Promise<IndexStore[] & { unreadable?: number }> {
  const remote = isRemoteUri(dbPath);
  const names = remote ? [] : await fs.readdir(dbPath).catch(() => [] as string[]);
  const dirs = remote ? (remoteFingerprint ? [generationDir(dbPath, remoteFingerprint)] : []) : names.filter((name) => GENERATION.test(name)).map((name) => path.join(dbPath, name));
  if (names.some((name) => name.endsWith(".lance"))) dirs.push(dbPath);
  const stores: IndexStore[] & { unreadable?: number } = [];
  for (const dir of dirs) {
    try {
      const store = await IndexStore.open(dir);
      if (store) stores.push(store);
    } catch (error) {
      // A store that refuses us or can't be reached holds an index all the same: the command fails with why, rather than indexing into it.
      if (!(error instanceof StoreUnreadableError) || error.lasting) throw error;
      stores.unreadable = (stores.unreadable ?? 0) + 1;
      // Said once per folder: a reader that looks again each time (another process is creating it) does not repeat it.
      if (warned.has(dir)) continue;
      warned.add(dir);
      logger.warn(`${error.message} It is left as it is${error.corrupt ? " and will be rebuilt by the next index run" : ""}.`);
    }
  }
  return stores;
}

/**
 * Deletes every generation but the answering one and those `keep` picks of the others (the caller
 * holds the writer lock), and an index older than generations at the folder's root.
 */
export async function deleteGenerations(dbPath: string, answering: IndexStore, keep: (others: string[]) => Promise<Set<string>>): Promise<void> {
  const names = await fs.readdir(dbPath).catch(() => [] as string[]);
  const others = names.filter((name) => GENERATION.test(name)).map((name) => path.join(dbPath, name)).filter((dir) => dir !== answering.dir);
  const kept = await keep(others);
  for (const dir of others) if (!kept.has(dir)) await fs.rm(dir, { recursive: true, force: true });
  for (const name of names) {
    if (name.endsWith(".lance") && answering.dir !== dbPath) await fs.rm(path.join(dbPath, name), { recursive: true, force: true });
  }
}

/**
 * One store's upkeep (the caller holds the writer lock): compacts it (which also folds new rows
 * into the full-text and vector indexes) when writes have fragmented it or the full-text index
 * lags, and builds the vector index once it is big enough, or rebuilds it when many rows were
 * added since or it is of an older kind. `vectorIndex: false` while a generation is being built.
 */
export async function maintainStore(store: IndexStore, options: { vectorIndex: boolean; vectorIndexMinRows: number; logger: Logger }): Promise<void> {
  const rows = await store.countChunks();
  const coverage = rows >= options.vectorIndexMinRows ? await store.vectorIndexCoverage() : undefined;
  const stale = !coverage || coverage.unindexed > coverage.indexed * VECTOR_INDEX_STALE_SHARE || !(await store.vectorIndexCurrent());
  const buildIndex = options.vectorIndex && rows >= options.vectorIndexMinRows && stale;
  const text = await store.textIndexCoverage();
  const textBehind = text !== undefined && text.unindexed > Math.max(TEXT_INDEX_SLACK_ROWS, text.indexed * 0.05);
  const started = Date.now();
  // Building the vector index reads every row whatever the fragments: no compaction for it alone.
  if (textBehind || (await store.fragmentCount()) > MAX_FRAGMENTS) {
    collectGarbage();
    await store.compact();
    options.logger.info(`Compacted the index (${rows} chunks) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  if (!buildIndex) return;
  options.logger.info(`Building the vector index over ${rows} chunks in the background`);
  collectGarbage();
  await store.buildVectorIndex();
  options.logger.info(`Vector index built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** The folder's git HEAD commit, when it is a git repository with commits. */
export function gitHead(root: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile("git", ["-C", root, "rev-parse", "--verify", "-q", "HEAD"], { timeout: 5000 }, (error, stdout) => resolve(error ? undefined : stdout.trim() || undefined));
  });
}

/** How long a handle this process no longer searches stays open for searches already reading through it. */
const RETIRED_HANDLE_MS = 10_000;

/**
 * Of the generations found, the one that answers (`chosen`, the one the last run wrote, when the
 * reader takes its embedders from the index and it is complete; else the newest complete one whose
 * vectors answer queries made now, else the newest complete one, else the newest) and the one
 * still being built beside it. A generation still there (same folder, same creation) keeps its
 * open store, so searches in flight go on; every other store is closed.
 */

export function pickGenerations(found: readonly IndexStore[], answeringBefore: IndexStore | undefined, buildingBefore: IndexStore | undefined, queryPart: string, chosen?: string): { answering?: IndexStore; building?: IndexStore } {
  const mine = [answeringBefore, buildingBefore].filter((s): s is IndexStore => s !== undefined);
  const stores = found.map((store) => {
    const same = mine.find((m) => m.dir === store.dir && m.identity.createdAt === store.identity.createdAt);
    if (!same) return store;
    // Our handle is kept (a search may be reading through it); another process may have completed its generation since.
    if (store.complete && !same.complete) same.completedElsewhere();
    store.close();
    return same;
  });
  const newest = (list: IndexStore[]): IndexStore | undefined => [...list].sort((a, b) => b.identity.createdAt - a.identity.createdAt)[0];
  const complete = stores.filter((s) => s.complete);
  const answering = complete.find((s) => s.dir === chosen) ?? newest(complete.filter((s) => s.identity.query === queryPart)) ?? newest(complete) ?? newest(stores);
  const building = buildingBefore && stores.includes(buildingBefore) && buildingBefore !== answering && !buildingBefore.complete ? buildingBefore : undefined;
  for (const store of new Set([...mine, ...stores])) {
    if (store === answering || store === building) continue;
    // Ours may have a search reading through it (another process completed a rebuild): it is closed once that is done.
    if (mine.includes(store)) setTimeout(() => store.close(), RETIRED_HANDLE_MS).unref();
    else store.close();
  }
  return { answering, building };
}

/** Deletes every generation of a local index (the caller holds the writer lock); an index on object storage is left to its owner's tools. */
export async function deleteAllGenerations(dbPath: string): Promise<void> {
  if (isRemoteUri(dbPath)) throw new Error(`Groundwork does not delete an index on object storage (${dbPath}); delete it with the store's own tools.`);
  await fs.mkdir(dbPath, { recursive: true });
  await fs.writeFile(path.join(dbPath, CLEARED_FILE), "");
  for (const name of await fs.readdir(dbPath).catch(() => [] as string[])) {
    if (GENERATION.test(name) || name.endsWith(".lance")) await fs.rm(path.join(dbPath, name), { recursive: true, force: true });
  }
}
