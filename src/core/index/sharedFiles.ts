// What an index that overlays a shared one (sharedOverlay.ts) records, and how a run tells who
// answers for a file while it writes: the shared index (the file "leans" on it: a record, no
// chunks here) or the local one (its chunks, or a tombstone).
import type { FileRecord } from "../store/schema";

/** What an overlay needs of the shared index: its files and their content hashes. */
export interface SharedFiles {
  hashOf(path: string): string | undefined;
  paths(): Iterable<string>;
}

/** The reason on an overlay's record of a file the shared index holds as it is here. */
export const SHARED = "in the shared index";
/** The reason on an overlay's tombstone of a shared file deleted here. */
export const DELETED_HERE = "deleted here (the shared index still has it)";

/**
 * Files of a shared index whose local record a run is writing: `leaning`, the shared copy answers
 * now (told before their local chunks go), with the content it answers with; `local`, the local
 * index answers (told once its chunks or tombstone are written). A search meanwhile finds each
 * file: once, or twice for as long as a file taken back from the shared index takes to be told.
 */
export interface OwnershipChange {
  /** The local index (generation folder) written. */
  store: string;
  leaning: Array<{ path: string; hash: string }>;
  local: string[];
}

/** Whether the shared index answers for this record's file: it holds that very content, and the record says the file leans on it. */
export function leansOnShared(record: FileRecord, shared: SharedFiles): boolean {
  return record.status === "indexed" && record.reason === SHARED && shared.hashOf(record.path) === record.hash;
}

/**
 * A run's write of file records, reporting the files the shared index holds whose owner may change:
 * those now leaning before the write, the others after it.
 */
export function reportingOwnership<Row extends { record: FileRecord }>(
  write: (rows: Row[]) => Promise<void>,
  store: string,
  shared: SharedFiles,
  report: (change: OwnershipChange) => void | Promise<void>,
): (rows: Row[]) => Promise<void> {
  return async (rows) => {
    const leaning: OwnershipChange["leaning"] = [];
    const local: string[] = [];
    for (const { record } of rows) {
      if (leansOnShared(record, shared)) leaning.push({ path: record.path, hash: record.hash });
      else if (shared.hashOf(record.path) !== undefined) local.push(record.path);
    }
    if (leaning.length > 0) await report({ store, leaning, local: [] });
    await write(rows);
    if (local.length > 0) await report({ store, leaning: [], local });
  };
}
