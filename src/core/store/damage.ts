// A local index found damaged (files missing, truncated or not what they claim) while it was read
// under the writer lock (maintenance) is marked so, and the next run builds it again
// (generations.ts: openOrCreateGeneration); readers leave a marked one alone. A search that meets
// such damage says so in words instead of LanceDB's own, and leaves a note: the next run reads the
// whole index under the lock, and builds it again if the damage is real (a reader alone can't tell
// damage from a version another process deleted under it).
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { connectOptions, isRemoteUri, loadLanceDb } from "./lance";
import { isCorruption } from "./storeParts";
import { errorMessage } from "../util/host";

/** The file in a generation folder that says it is damaged, and how it was found. */
export const DAMAGE_MARKER = "DAMAGED";
/** The file in a generation folder that says a search met what looked like damage. */
export const SUSPECT_MARKER = "SUSPECT";

/** Leaves a marker in a local generation, saying why (an index on object storage is CI's to rebuild). */
async function writeMarker(dir: string, marker: string, cause: unknown): Promise<void> {
  if (!isRemoteUri(dir)) await fs.writeFile(path.join(dir, marker), `${errorMessage(cause)}\n`);
}

/** What a marker of a local generation says; undefined when there is none. */
async function readMarker(dir: string, marker: string): Promise<string | undefined> {
  if (isRemoteUri(dir)) return undefined;
  return (await fs.readFile(path.join(dir, marker), "utf8").catch(() => undefined))?.trim();
}

/** Why a local generation was marked damaged; undefined when it was not. */
export function recordedDamage(dir: string): Promise<string | undefined> {
  return readMarker(dir, DAMAGE_MARKER);
}

/** What looked like damage to a search since the index was last checked; undefined when nothing did. */
export function suspicion(dir: string): Promise<string | undefined> {
  return readMarker(dir, SUSPECT_MARKER);
}

export async function clearSuspicion(dir: string): Promise<void> {
  await fs.rm(path.join(dir, SUSPECT_MARKER), { force: true });
}

/** A read of an index failed on what looks like damage to its files; `marked`: found under the writer lock, and marked for the next run. */
export class IndexDamagedError extends Error {
  override readonly name = "IndexDamagedError";

  constructor(readonly dir: string, override readonly cause: unknown, readonly marked = false) {
    const why = errorMessage(cause).split("\n")[0].slice(0, 200);
    super(isRemoteUri(dir)
      ? `The index at ${dir} could not be read: its files look damaged (${why}). Build it again where it is written (groundwork index … --db ${dir}).`
      : marked
        ? `The index at ${dir} is damaged (${why}); the next index run builds it again.`
        : `The index at ${dir} could not be read: its files look damaged (${why}). The next index run checks them, and builds the index again if they are.`);
  }
}

/**
 * Reads every row of every table of a local generation, and asks its full-text and vector indexes
 * once (`search`): what a search meets, wherever the damage is. Throws what LanceDB throws.
 */
export async function readWhole(dir: string, search: () => Promise<unknown>): Promise<void> {
  const lance = await loadLanceDb();
  const db = await lance.connect(dir, connectOptions(dir));
  try {
    for (const name of await db.tableNames()) {
      const table = await db.openTable(name);
      try {
        for await (const batch of table.query()) void batch;
      } finally {
        table.close();
      }
    }
  } finally {
    db.close();
  }
  await search();
}

/** Damage LanceDB reported (not another party's words: an embedding server's "unexpected EOF" says nothing of the index). */
export function isIndexDamage(error: unknown): boolean {
  return !(error instanceof IndexDamagedError) && isCorruption(error) && /lance/i.test(error instanceof Error ? error.message : String(error));
}

/** The error a failed read of the index at `dir` is reported as: damage in words (and noted for the next run to check), anything else as it came. */
export function readError(dir: string, error: unknown): unknown {
  if (!isIndexDamage(error)) return error;
  void writeMarker(dir, SUSPECT_MARKER, error).catch(() => undefined);
  return new IndexDamagedError(dir, error);
}

/**
 * Runs `work` (maintenance, under the writer lock, so no other process changes the index meanwhile)
 * on the index at `dir`: damage it meets is real, is marked for the next run to build the index
 * again, and is thrown as an IndexDamagedError.
 */
export async function markingDamage<T>(dir: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isIndexDamage(error)) throw error;
    await writeMarker(dir, DAMAGE_MARKER, error).catch(() => undefined);
    throw new IndexDamagedError(dir, error, true);
  }
}
