// Which paths a table holds rows of, known without asking the table. A delete by path scans the
// whole table (no index covers the rows written since the last build), and the indexer replaces
// every file it writes, so a cold index of ~100k files spent a fifth of its time (and native
// memory) in ~700 deletes that matched nothing. Trusted within one hold of the writer lock (the
// store forgets it between: a folder deleted and made again restarts its version numbers), and
// only while the table is at the version this store's own last write left it at. Any other commit
// (another process, a compaction, an index build) makes it read the table's paths again, in one
// scan of the path column, but only for a write of many files (a run's batch): a few files (an
// editor's save) are deleted outright, as one delete costs one scan too.
import type { Table } from "@lancedb/lancedb";
import { inList } from "./lance";

const PREDICATE_BATCH = 500;
/** Files in one write from which the table's paths are read again (when not known) rather than deleted blind. */
const RESCAN_PATHS = 100;

export class HeldPaths {
  private paths: Set<string> | undefined;
  private version: number | undefined;
  /** Made empty by this store and not yet through a hold of the writer lock. */
  private fresh: boolean;

  /** `empty`: the table was created empty just now, by this store. */
  constructor(private readonly table: () => Table, empty?: { version: number }) {
    this.fresh = empty !== undefined;
    if (empty) {
      this.paths = new Set();
      this.version = empty.version;
    }
  }

  /**
   * Before the writes of a hold of the writer lock: what it knew is dropped unless it made the table
   * in this hold. Between two holds another process may have rebuilt the folder, and a rebuilt
   * table counts its versions from the start again.
   */
  beginHold(): void {
    if (!this.fresh) this.forget();
    this.fresh = false;
  }

  /** Deletes the rows of these paths; those the table holds none of cost nothing. */
  async delete(paths: readonly string[]): Promise<void> {
    const table = this.table();
    const unique = [...new Set(paths)];
    if (unique.length === 0) return;
    const held = await this.current(table, unique.length >= RESCAN_PATHS);
    const wanted = held ? unique.filter((path) => held.has(path)) : unique;
    for (let i = 0; i < wanted.length; i += PREDICATE_BATCH) {
      const batch = wanted.slice(i, i + PREDICATE_BATCH);
      const { version } = await table.delete(inList("path", batch));
      if (held) this.committed(version, batch, held, "removed");
    }
  }

  /** After this store added rows of these paths, at `version`. */
  added(version: number, paths: readonly string[]): void {
    if (this.paths) this.committed(version, paths, this.paths, "added");
  }

  /** Drops what it knows: the next write reads the paths again or deletes outright. */
  private forget(): void {
    this.paths = undefined;
    this.version = undefined;
  }

  private committed(version: number, paths: readonly string[], held: Set<string>, how: "added" | "removed"): void {
    // Only the very next version is this commit alone; anything else, and the set is read again.
    if (this.paths !== held || this.version === undefined || version !== this.version + 1) return this.forget();
    for (const path of paths) {
      if (how === "added") held.add(path);
      else held.delete(path);
    }
    this.version = version;
  }

  /** The paths the table holds rows of, when known or (`scan`) worth reading. */
  private async current(table: Table, scan: boolean): Promise<Set<string> | undefined> {
    const version = await table.version();
    if (this.paths && this.version === version) return this.paths;
    if (!scan) {
      this.forget();
      return undefined;
    }
    const paths = new Set<string>();
    for await (const batch of table.query().select(["path"])) {
      const column = batch.getChild("path");
      for (let i = 0; i < batch.numRows; i++) paths.add(column?.get(i) as string);
    }
    // Read at `version` or later: a later commit's paths are in it too, and the next check reads again.
    this.paths = paths;
    this.version = version;
    return paths;
  }
}
