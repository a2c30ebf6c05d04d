// Builders for test workspaces in temporary folders.
import type { ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { procState } from "../../src/core/store/lock";

/** The repository's root: the nearest folder above this module with the project's package.json (this module may run from a bundle, as the benchmarks do). */
export const REPO_ROOT = projectRoot(__dirname);

function projectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "groundwork") return dir;
    if (path.dirname(dir) === dir) throw new Error(`No groundwork package.json above ${from}`);
  }
}
export const POLYGLOT = path.join(REPO_ROOT, "test", "fixtures", "polyglot");
export const CLI = path.join(REPO_ROOT, "dist", "cli.js");
export const WORKER = path.join(REPO_ROOT, "dist", "worker.js");

/** Python's standard library (Debian's libpython3.x-stdlib), the real corpus some tests index. */
export const STDLIB: string | undefined = ["/usr/lib/python3.11", "/usr/lib/python3.12", "/usr/lib/python3.13"].find((dir) => existsSync(path.join(dir, "urllib")));

/** For `{ skip }`: why a test that needs the stdlib cannot run here, or false when it can. */
export const NO_STDLIB: string | false = STDLIB ? false : "Python's standard library is not installed (apt-get install libpython3.11-stdlib)";

/**
 * Resolves once a writer has put chunk rows on disk under an index path (a data file in a
 * generation's chunks table): a moment when an index run is surely under way.
 */
export async function firstChunksWritten(dbPath: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const generations = existsSync(dbPath) ? readdirSync(dbPath).filter((name) => name.startsWith("g-")) : [];
    if (generations.some((name) => { const data = path.join(dbPath, name, "chunks.lance", "data"); return existsSync(data) && readdirSync(data).length > 0; })) return;
    if (Date.now() > deadline) throw new Error(`no chunks written under ${dbPath} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function tempDir(prefix = "gw-test-"): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes files (relative path → content) under root, creating folders. */
export function writeTree(root: string, files: Record<string, string | Uint8Array>): void {
  for (const [relPath, content] of Object.entries(files)) {
    const full = path.join(root, relPath);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
}

export function copyTree(from: string, to: string): void {
  cpSync(from, to, { recursive: true });
}

export function removeTree(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}

/** Whether a process runs (on Linux; one that ended but was not reaped yet does not). */
export function running(pid: number): boolean {
  const state = procState(pid);
  return state !== undefined && state !== "Z" && state !== "X";
}

/** A process's children (on Linux; none elsewhere or once it has ended). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** A process's descendants, children first (on Linux). */
export function descendants(pid: number): number[] {
  return childPids(pid).flatMap((child) => [child, ...descendants(child)]);
}

/**
 * Kills a `groundwork` CLI process outright (SIGKILL) and resolves once it and the child it runs an
 * indexing command in (src/cli/allocator.ts: it follows its parent) have ended.
 */
export async function killCli(cli: ChildProcess): Promise<void> {
  const children = childPids(cli.pid!);
  const exited = cli.exitCode !== null || cli.signalCode !== null ? Promise.resolve() : new Promise((resolve) => cli.once("exit", resolve));
  cli.kill("SIGKILL");
  await exited;
  // The child follows its parent within a moment (it ends when its IPC channel closes). One that
  // has not after 10 s is a bug: it is killed, so that it holds no lock past this test, and the test fails.
  const deadline = Date.now() + 10_000;
  while (children.some(running) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  const left = children.filter(running);
  if (left.length === 0) return;
  for (const pid of left) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // ended meanwhile
    }
  }
  throw new Error(`the CLI's indexing process (${left.join(", ")}) outlived it by 10 s`);
}

/** Signals a child process and resolves once it has ended; SIGKILL after `graceMs`. */
export async function endProcess(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM", graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}
