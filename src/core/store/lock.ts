// One writer per index: indexing runs and maintenance hold a lock file in the index folder, so two
// windows, or the CLI and the extension, never write the same store at once. Searches take no
// lock and keep working. A lock left by a process that died is taken over.
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export class IndexLockedError extends Error {
  constructor(readonly holder: LockInfo, dbPath: string) {
    super(
      `The index at ${dbPath} is being updated by another Groundwork process (pid ${holder.pid} on ${holder.host}, since ${holder.since}). ` +
        "Searches still work; try again when it has finished.",
    );
    this.name = "IndexLockedError";
  }
}

export interface LockInfo {
  pid: number;
  host: string;
  since: string;
  token: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class IndexLock {
  private readonly file: string;
  private readonly token = randomBytes(8).toString("hex");
  private held = 0;

  constructor(private readonly dbPath: string) {
    this.file = path.join(dbPath, "write.lock");
  }

  /** Runs `task` holding the lock (re-entrant within this instance); throws IndexLockedError if another writer holds it. */
  async withLock<T>(task: () => Promise<T>): Promise<T> {
    if (this.held === 0) await this.acquire();
    this.held++;
    try {
      return await task();
    } finally {
      this.held--;
      if (this.held === 0) await this.release();
    }
  }

  private async acquire(): Promise<void> {
    const info: LockInfo = { pid: process.pid, host: os.hostname(), since: new Date().toISOString(), token: this.token };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await fs.mkdir(this.dbPath, { recursive: true });
        await fs.writeFile(this.file, JSON.stringify(info), { flag: "wx" });
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const holder = await this.read();
      // Our own lock, still being released: take it back.
      if (holder?.token === this.token) {
        await fs.writeFile(this.file, JSON.stringify(info));
        return;
      }
      // Held by a live process (on this host we can tell; elsewhere we must believe it).
      if (holder && (holder.host !== os.hostname() || alive(holder.pid))) throw new IndexLockedError(holder, this.dbPath);
      await fs.rm(this.file, { force: true });
    }
    const holder = await this.read();
    throw new IndexLockedError(holder ?? { pid: 0, host: "?", since: "?", token: "" }, this.dbPath);
  }

  /** Removes the lock file if it is still ours. */
  private async release(): Promise<void> {
    if ((await this.read())?.token === this.token && this.held === 0) await fs.rm(this.file, { force: true });
  }

  private async read(): Promise<LockInfo | undefined> {
    try {
      return JSON.parse(await fs.readFile(this.file, "utf8")) as LockInfo;
    } catch {
      return undefined;
    }
  }
}
