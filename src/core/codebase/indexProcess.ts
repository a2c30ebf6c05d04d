// A full index run in a process of its own (the extension's runs): parsing, embedding and LanceDB's
// writes then cost the editor's extension host neither event-loop time nor memory, and the child
// starts under glibc's allocator settings (allocator.ts), which the extension host, started by VS
// Code, can't have. The parent describes the codebase as plain data (an IndexJob: folders, scan
// settings, the embedders' specs and key), the child opens the same Codebase from it, indexes,
// reports progress and log lines over the IPC channel, runs the index's maintenance and exits.
// The writer lock keeps the parent's own writes (file saves) out meanwhile: it waits for `exited`.
import { fork, type ChildProcess } from "node:child_process";
import { readdirSync } from "node:fs";
import * as os from "node:os";
import { errorMessage, type Logger } from "../util/host";
import { indexingExecArgv, maintainsApart, STEP_ALLOCATOR_ENV, userSetsAllocator } from "./allocator";
import { Codebase } from "./codebase";
import { inputCutNote } from "../embed/openai";
import { embedderFactory, type EmbeddingProfile } from "./embedders";
import type { FolderSpec } from "./paths";
import { useStorage } from "./storage";
import type { CodebaseOptions, FolderRunResult, OwnershipEvent, ProgressEvent } from "./types";

/** A codebase as plain data: what a child process needs to open the same one. */
export interface IndexJob {
  folders: FolderSpec[];
  storageDir?: string;
  /** The bundled chunking worker (dist/worker.js); without it, the child chunks in its main thread. */
  workerPath?: string;
  workers?: number;
  batchChunks?: number;
  scan?: CodebaseOptions["scan"];
  keepGenerations?: number;
  /** A shared index on object storage, with the options (credentials among them) to reach it. */
  shared?: { uri: string; storage: Record<string, string> };
  /** The neural embedder as its spec (what an index records of it), "from-index", or none. */
  neural?: Record<string, unknown> | "from-index";
  /** The embedding model's key, for the neural embedder and for those indexes recorded at its server. */
  embeddingKey?: string;
  /** The embedding servers the user chose (the setting's base URL; none): recorded models elsewhere are not used. */
  embeddingServers?: string[];
  embeddingLimits?: Partial<EmbeddingProfile>;
}

/** The Codebase options of a job (the parent opens its own codebase with these too, so both agree on every fingerprint). */
export function jobOptions(job: IndexJob, logger?: Logger): CodebaseOptions {
  const onInputCut = (from: number, to: number, error: unknown): void => logger?.warn(inputCutNote(from, to, error, "maxInputTokens in groundwork.index.embeddings"));
  const embedderFor = embedderFactory(() => job.embeddingKey, job.embeddingLimits, { onInputCut }, job.embeddingServers);
  if (job.shared) useStorage([job.shared.uri], job.shared.storage);
  const neural = job.neural === "from-index" ? "from-index" : job.neural && embedderFor(job.neural);
  if (job.neural && !neural) throw new Error(`The embedding model ${JSON.stringify(job.neural)} can't be made again from its spec.`);
  return {
    folders: job.folders, storageDir: job.storageDir, workerPath: job.workerPath, workers: job.workers, batchChunks: job.batchChunks,
    scan: job.scan, keepGenerations: job.keepGenerations, shared: job.shared?.uri, neural: neural || undefined, embedderFor, logger,
  };
}

type ToChild = { type: "run"; job: IndexJob } | { type: "maintain"; job: IndexJob } | { type: "cancel" } | { type: "owned"; id: number };
type FromChild =
  | { type: "progress"; event: ProgressEvent }
  /** Sent before the write it describes (files now leaning on the shared index); the child writes once "owned" with its id came back. */
  | { type: "ownership"; id: number; event: OwnershipEvent }
  | { type: "log"; level: "trace" | "debug" | "info" | "warn" | "error"; message: string }
  /** `maintainApart`: the index is left to a process of its own to maintain (a large one). */
  | { type: "done"; results: FolderRunResult[]; maintainApart?: boolean }
  | { type: "failed"; name: string; message: string };

/** The child process could not be started (no results came): the caller may index in its own process instead. */
export class IndexProcessStartError extends Error {
  override readonly name = "IndexProcessStartError";
}

export interface IndexInChildOptions {
  /** The child's script (dist/indexer.js, or src/core/codebase/indexerMain.ts with a loader in execArgv). */
  entry: string;
  execArgv?: string[];
  logger: Logger;
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  /** Which files a folder's shared index answers for, as the child writes (its searches then see each file once: Codebase.applyOwnership). */
  onOwnership?: (event: OwnershipEvent) => void | Promise<void>;
  /** How long a cancelled child may take to end before it is killed (default 15 s). */
  cancelGraceMs?: number;
}

export interface ChildRun {
  /** The run's results, as `Codebase.index()` gives them (cancelled ones included), once it has written them. */
  results: Promise<FolderRunResult[]>;
  /** Settles when the child has ended, after the index's maintenance (in a second child for a large index): the writer lock is free again. */
  exited: Promise<void>;
  pid: number | undefined;
}

/** A cancelled child still running after this long is killed (what it wrote is kept). */
const CANCEL_GRACE_MS = 15_000;

/** How much of the child's standard error a failure quotes. */
const STDERR_TAIL = 2_000;

/**
 * The environment a child indexes or maintains in: the parent's, glibc's settings for the step
 * (unless the user set their own), and plain Node under Electron.
 */
function childEnv(step: keyof typeof STEP_ALLOCATOR_ENV): NodeJS.ProcessEnv {
  const allocator = process.platform === "linux" && !userSetsAllocator(process.env) ? STEP_ALLOCATOR_ENV[step] : {};
  // VS Code's extension host runs in Electron: its executable is Node only with this set.
  return { ...process.env, ...allocator, ELECTRON_RUN_AS_NODE: "1" };
}

function forkStep(options: IndexInChildOptions, step: keyof typeof STEP_ALLOCATOR_ENV): ChildProcess {
  return fork(options.entry, [], {
    execPath: process.execPath,
    // A debugger port can't be opened twice.
    execArgv: indexingExecArgv(options.execArgv ?? process.execArgv.filter((arg) => !arg.startsWith("--inspect"))),
    env: childEnv(step),
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
}

/** Asks a child to stop; one that can't (stuck opening a shared index that does not answer) is killed after the grace, so it can't hold the writer lock for good. */
function cancelChild(child: ChildProcess, options: IndexInChildOptions): void {
  if (child.connected) child.send({ type: "cancel" } satisfies ToChild, () => undefined);
  setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"), options.cancelGraceMs ?? CANCEL_GRACE_MS).unref();
}

/** Runs `job` in a child process: `Codebase.index()` there, progress and log lines here. */
export function indexInChild(job: IndexJob, options: IndexInChildOptions): ChildRun {
  let child: ChildProcess;
  try {
    child = forkStep(options, "index");
  } catch (error) {
    const failed = Promise.reject(new IndexProcessStartError(errorMessage(error)));
    return { results: failed, exited: failed.then(() => undefined, () => undefined), pid: undefined };
  }
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (text: string) => (stderr = (stderr + text).slice(-STDERR_TAIL)));
  let settled = false;
  let spoke = false;
  let maintainApart = false;
  // "close": the process has ended and its channel and streams are drained (messages sent before its end have come).
  const ended = new Promise<void>((resolve) => child.once("close", () => resolve()).once("error", () => child.pid === undefined && resolve()));
  const exited = ended.then(() => (maintainApart && !options.signal?.aborted ? maintainInChild(job, options) : undefined));
  const results = new Promise<FolderRunResult[]>((resolve, reject) => {
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      outcome();
    };
    /** A failure while the child may still run: it is ended, so `exited` settles and the writer lock is freed. */
    const fail = (error: Error): void => {
      settle(() => reject(error));
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    };
    const cancel = (): void => cancelChild(child, options);
    // Until the child has ended, not only until its results came: its maintenance (compaction, the
    // vector index) holds the writer lock, and a pause or a close must still reach it.
    options.signal?.addEventListener("abort", cancel, { once: true });
    const unlisten = (): void => options.signal?.removeEventListener("abort", cancel);
    child.on("message", (message: FromChild) => {
      spoke = true;
      if (message.type === "progress") options.onProgress?.(message.event);
      else if (message.type === "ownership") {
        // The child's write waits for the answer.
        void Promise.resolve()
          .then(() => options.onOwnership?.(message.event))
          .catch((error: unknown) => options.logger.debug(`Applying the indexing process's change of ownership failed: ${errorMessage(error)}`))
          .finally(() => child.connected && child.send({ type: "owned", id: message.id } satisfies ToChild, () => undefined));
      } else if (message.type === "log") options.logger[message.level](message.message);
      else if (message.type === "done") {
        maintainApart = message.maintainApart === true;
        settle(() => resolve(message.results));
      }
      else if (message.type === "failed") settle(() => reject(Object.assign(new Error(message.message), { name: message.name })));
    });
    child.once("error", (error) => {
      if (child.pid === undefined) unlisten();
      fail(spoke ? error : new IndexProcessStartError(`The indexing process could not start: ${errorMessage(error)}`));
    });
    child.once("close", (code, signal) => {
      unlisten();
      const why = `${signal ? `was ended by ${signal}` : `exited with code ${code}`}${stderr.trim() ? ` (${stderr.trim()})` : ""}`;
      // Silent from the start: it never ran the job (a missing script, a runtime that can't load it).
      if (!spoke) settle(() => reject(new IndexProcessStartError(`The indexing process ${why} before it started`)));
      else settle(() => reject(new Error(`The indexing process ${why} before it finished; what it wrote is kept, and the next run goes on from there.`)));
    });
    const unreachable = (error: unknown): void => fail(new IndexProcessStartError(`The indexing process could not be reached: ${errorMessage(error)}`));
    try {
      child.send({ type: "run", job } satisfies ToChild, (error) => error && unreachable(error));
    } catch (error) {
      unreachable(error);
    }
    if (options.signal?.aborted) cancel();
  });
  return { results, exited, pid: child.pid };
}

/**
 * The index's maintenance (compaction, the full-text and vector indexes) in a fresh process, once the
 * one that indexed has ended: their memory does not add up (allocator.ts). Its log lines come here;
 * a cancel reaches it as it reaches the indexing; a failure is logged, and the next run maintains.
 */
function maintainInChild(job: IndexJob, options: IndexInChildOptions): Promise<void> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = forkStep(options, "maintain");
    } catch (error) {
      options.logger.warn(`The index's maintenance could not start (${errorMessage(error)}); the next run does it.`);
      return resolve();
    }
    const cancel = (): void => cancelChild(child, options);
    options.signal?.addEventListener("abort", cancel, { once: true });
    child.on("message", (message: FromChild) => message.type === "log" && options.logger[message.level](message.message));
    const done = (): void => {
      options.signal?.removeEventListener("abort", cancel);
      resolve();
    };
    child.once("error", (error) => {
      options.logger.warn(`The index's maintenance process failed (${errorMessage(error)}); the next run does it.`);
      if (child.pid === undefined) done();
    });
    child.once("close", done);
    child.send({ type: "maintain", job } satisfies ToChild, (error) => error && child.kill("SIGKILL"));
  });
}

/** The nice value a background index runs at: the editor's processes get the cores first, an idle machine's are all the run's. */
export const BACKGROUND_NICE = 10;

/**
 * Lowers this process's CPU priority to BACKGROUND_NICE, for every thread it has (Linux sets it per
 * thread; threads started later inherit it from the one that starts them). Best effort.
 */
export function lowerPriority(): void {
  const threads = process.platform === "linux" ? readTasks() : [0];
  for (const thread of threads) {
    try {
      if (os.getPriority(thread) < BACKGROUND_NICE) os.setPriority(thread, BACKGROUND_NICE);
    } catch {
      // A thread that ended meanwhile, or a system that refuses: the run goes on at its priority.
    }
  }
}

function readTasks(): number[] {
  try {
    return readdirSync("/proc/self/task").map(Number);
  } catch {
    return [0];
  }
}

/** Progress is passed on at most this often (and at every change of phase). */
const PROGRESS_INTERVAL_MS = 100;

/**
 * The child's side: waits for a job, indexes, reports, runs maintenance (or only maintains) and exits. Ends itself
 * when the parent goes (the IPC channel closes): a run killed mid-way resumes from what it wrote.
 */
export function serveIndexJob(): void {
  /** Resolves once the message (and so every one before it) is handed to the channel: the process may end after. */
  let flushed = Promise.resolve();
  const send = (message: FromChild): Promise<void> => {
    if (!process.connected || !process.send) return flushed;
    const send = process.send.bind(process);
    flushed = new Promise((resolve) => send(message, undefined, {}, () => resolve()));
    return flushed;
  };
  const log = (level: Extract<FromChild, { type: "log" }>["level"]) => (message: string): void => void send({ type: "log", level, message });
  const logger: Logger = {
    trace: log("trace"), debug: log("debug"), info: log("info"), warn: log("warn"),
    error: (message, error) => void send({ type: "log", level: "error", message: error === undefined ? message : `${message}: ${errorMessage(error)}` }),
  };
  const cancel = new AbortController();
  const parentGone = (): void => void process.kill(process.pid, "SIGKILL");
  process.once("disconnect", parentGone);
  /** Changes of ownership the parent has not applied yet: the write they describe waits. */
  const unapplied = new Map<number, () => void>();
  let lastOwnership = 0;
  const ownership = (event: OwnershipEvent): Promise<void> => {
    if (!process.connected) return Promise.resolve();
    const id = ++lastOwnership;
    const applied = new Promise<void>((resolve) => unapplied.set(id, resolve));
    void send({ type: "ownership", id, event });
    return applied;
  };
  process.on("message", (message: ToChild) => {
    if (message.type === "cancel") cancel.abort();
    else if (message.type === "owned") {
      unapplied.get(message.id)?.();
      unapplied.delete(message.id);
    } else void run(message.job, message.type === "maintain");
  });
  let lastSent = 0;
  let lastPhase = "";
  const progress = (event: ProgressEvent): void => {
    const now = Date.now();
    if (event.progress.phase === lastPhase && now - lastSent < PROGRESS_INTERVAL_MS) return;
    lastSent = now;
    lastPhase = event.progress.phase;
    void send({ type: "progress", event });
  };
  /** Indexes and maintains, or (`maintainOnly`, a second process after a large index's run) maintains. */
  const run = async (job: IndexJob, maintainOnly: boolean): Promise<void> => {
    let codebase: Codebase | undefined;
    try {
      codebase = await Codebase.open(jobOptions(job, logger));
      if (codebase.unavailable) throw new Error(codebase.unavailable);
      if (maintainOnly) logger.info(`Maintaining the index in a process of its own (pid ${process.pid})`);
      else {
        const results = await codebase.index({ signal: cancel.signal, onProgress: progress, onOwnership: ownership, maintain: false });
        const maintainApart = !cancel.signal.aborted && maintainsApart(results);
        void send({ type: "done", results, maintainApart });
        if (maintainApart || results.some((result) => result.cancelled)) return;
      }
      // A cancel (a pause, the window closing) ends the maintenance too: the next run does it again.
      await Promise.race([codebase.maintain(), new Promise((resolve) => (cancel.signal.aborted ? resolve(undefined) : cancel.signal.addEventListener("abort", resolve, { once: true })))]);
    } catch (error) {
      await send({ type: "failed", name: error instanceof Error ? error.name : "Error", message: errorMessage(error) });
    } finally {
      codebase?.close();
      await flushed;
      process.off("disconnect", parentGone);
      if (process.connected) process.disconnect();
      // Worker threads and LanceDB's handles may keep the loop alive: the run is over.
      setImmediate(() => process.exit(0));
    }
  };
}
