// One writer per index: indexing runs and maintenance hold a lock file in the index folder, so two
// windows, or the CLI and the extension, never write the same store at once. Searches take no
// lock and keep working.
//
// The scheme is atomic without a lock server: the lock file is created with O_EXCL (`wx`), so of
// several creators exactly one succeeds. A lock whose holder died (same host, pid gone) is taken
// over in two exclusive steps (a pid alive again but started at another time is a new process, not
// the holder): first a takeover marker named after the dead holder's token, also
// created with `wx`, so exactly one process may remove that stale lock; then the usual exclusive
// create, which any racer may win. No process ever removes a lock it did not see stale and win
// the marker for, so two processes never both hold it.
import { randomBytes } from "node:crypto";
import { promises as fs, readFileSync } from "node:fs";
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
  /** When the holder started (`processStart`), where the system says: a pid alive with another start is not the holder. */
  started?: string;
}

/**
 * A process's state letter from /proc (R, S, D, Z for ended but not reaped, X for dead...);
 * undefined where there is no /proc entry for it (not Linux, or no such process).
 */
export function procState(pid: number): string | undefined {
  try {
    // The state follows the command name, which is in parentheses and may hold any character.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.charAt(stat.lastIndexOf(")") + 2);
  } catch {
    return undefined;
  }
}

/**
 * When a process started, as Linux tells it (the boot's id and the clock ticks after boot at which
 * it started), so that a pid reused by another process (a container restarted, say) is not taken
 * for the holder; undefined elsewhere.
 */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which is in parentheses): state is field 3, starttime field 22.
    const started = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
    const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    return started ? `${boot}:${started}` : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the lock's holder still runs: its pid alive, and started when the lock says it did. */
function holderAlive(holder: LockInfo): boolean {
  if (!alive(holder.pid)) return false;
  if (holder.started === undefined) return true;
  const started = processStart(holder.pid);
  return started === undefined || started === holder.started;
}

/** Whether a process runs: one that has ended but was not yet reaped (a zombie, on Linux) holds nothing. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  const state = procState(pid);
  return state !== "Z" && state !== "X";
}

function isErrno(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}

/** A lock file still unreadable after this long was left by a process that died while writing it. */
const UNREADABLE_LOCK_MS = 5_000;
/** Takeover markers older than this are left over from a crash mid-takeover and are removed. */
const STALE_MARKER_MS = 60_000;

/** This process's writers per lock file, in order: writers of one process queue; other processes are refused. */
const queues = new Map<string, Promise<void>>();

export class IndexLock {
  private readonly file: string;
  private readonly token = randomBytes(8).toString("hex");
  private held = false;

  constructor(private readonly dbPath: string) {
    this.file = path.join(dbPath, "write.lock");
  }

  /**
   * Runs `task` holding the lock. Writers of this process (any IndexLock on the same folder) take
   * turns; while another process holds it, throws IndexLockedError. Not re-entrant: a task must not
   * wait for another task of the same lock.
   */
  async withLock<T>(task: () => Promise<T>): Promise<T> {
    const previous = queues.get(this.file) ?? Promise.resolve();
    let done!: () => void;
    const tail = previous.then(() => new Promise<void>((resolve) => (done = resolve)));
    queues.set(this.file, tail);
    await previous;
    try {
      await this.acquire();
      this.held = true;
      try {
        return await task();
      } finally {
        this.held = false;
        await this.release();
      }
    } finally {
      done();
      if (queues.get(this.file) === tail) queues.delete(this.file);
    }
  }

  /** Whether this instance holds the lock now. */
  get isHeld(): boolean {
    return this.held;
  }

  private async acquire(): Promise<void> {
    await fs.mkdir(this.dbPath, { recursive: true });
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await this.tryCreate()) return;
      const { holder, unreadableSince } = await this.inspect();
      if (!holder) {
        // Released since our create, or being written this instant; a lock that stays unreadable
        // was left by a process that died while writing it, and is taken over like a dead one.
        if (unreadableSince !== undefined && Date.now() - unreadableSince > UNREADABLE_LOCK_MS) await this.takeOver(`unreadable-${Math.round(unreadableSince)}`);
        continue;
      }
      // Held by a live process (on this host we can tell; elsewhere we must believe it).
      if (holder.token === this.token || holder.host !== os.hostname() || holderAlive(holder)) throw new IndexLockedError(holder, this.dbPath);
      await this.takeOver(holder.token);
    }
    throw new IndexLockedError((await this.read()) ?? { pid: 0, host: "?", since: "?", token: "" }, this.dbPath);
  }

  /** The exclusive create: true when this process now holds the lock. */
  private async tryCreate(): Promise<boolean> {
    const info: LockInfo = { pid: process.pid, host: os.hostname(), since: new Date().toISOString(), token: this.token, started: processStart(process.pid) };
    try {
      await fs.writeFile(this.file, JSON.stringify(info), { flag: "wx" });
      return true;
    } catch (error) {
      if (isErrno(error, "EEXIST")) return false;
      throw error;
    }
  }

  /** Removes a dead holder's lock (named by its token), if this process wins the right to: see the scheme above. */
  private async takeOver(deadToken: string): Promise<void> {
    const marker = `${this.file}.takeover-${deadToken.replace(/[^\w-]/g, "")}`;
    await this.removeOldMarkers();
    try {
      await fs.writeFile(marker, this.token, { flag: "wx" });
    } catch (error) {
      if (isErrno(error, "EEXIST")) return; // another process is taking this one over
      throw error;
    }
    // Only the marker's winner removes a lock with the dead token, and no live process writes that token.
    const now = await this.inspect();
    const same = now.holder ? now.holder.token === deadToken : now.unreadableSince !== undefined && `unreadable-${Math.round(now.unreadableSince)}` === deadToken;
    if (same) await fs.rm(this.file, { force: true });
    await fs.rm(marker, { force: true });
  }

  private async removeOldMarkers(): Promise<void> {
    const prefix = `${path.basename(this.file)}.takeover-`;
    for (const name of await fs.readdir(this.dbPath).catch(() => [] as string[])) {
      if (!name.startsWith(prefix)) continue;
      const file = path.join(this.dbPath, name);
      const stat = await fs.stat(file).catch(() => undefined);
      if (stat && Date.now() - stat.mtimeMs > STALE_MARKER_MS) await fs.rm(file, { force: true });
    }
  }

  /** Removes the lock file if it is still ours. */
  private async release(): Promise<void> {
    if ((await this.read())?.token === this.token) await fs.rm(this.file, { force: true });
  }

  private async read(): Promise<LockInfo | undefined> {
    return (await this.inspect()).holder;
  }

  /** The lock's holder; or, for a lock file that exists but can't be parsed, its modification time. */
  private async inspect(): Promise<{ holder?: LockInfo; unreadableSince?: number }> {
    let text: string;
    try {
      text = await fs.readFile(this.file, "utf8");
    } catch (error) {
      if (isErrno(error, "ENOENT")) return {};
      throw error;
    }
    try {
      const info = JSON.parse(text) as LockInfo;
      if (typeof info.token === "string" && typeof info.pid === "number") return { holder: info };
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
    }
    const stat = await fs.stat(this.file).catch(() => undefined);
    return stat ? { unreadableSince: stat.mtimeMs } : {};
  }
}
