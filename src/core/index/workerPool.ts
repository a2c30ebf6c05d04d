// FileStages in a small pool of worker threads sized to the cores, each running one file at a time
// with a time limit per file. With the builtin embedder and two or more threads, the stages are
// split between them: chunk workers parse and chunk, embed workers embed a file's chunks and make
// their full-text fields. Each worker then compiles and warms only its own stages' code and the
// embedder learns each identifier once, not once per worker: on Python's standard library, 15%
// less CPU than every worker running every stage (docs/performance.md, "Eleventh look"). A worker
// is replaced once its parser's memory (which grows with the largest file parsed and never
// shrinks) or its JavaScript heap has passed a bound, or after a file failed on it: not after a
// number of files, since a fresh worker starts cold (about 0.5 s of CPU before it runs at full
// speed again).
import { createHash } from "node:crypto";
import { readFileSync, realpathSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { ChunkerOptions } from "../chunk/chunker";
import type { Chunk } from "../chunk/types";
import { LANGUAGES } from "../chunk/languages";
import type { EmbeddedChunks, StageRequest, WorkerSetup } from "./pipelineWorker";
import type { FileStages, ProcessedFile } from "./stages";

export interface WorkerStagesOptions {
  /** The bundled worker script (dist/worker.js). */
  workerPath: string;
  chunker?: ChunkerOptions;
  /** Also run the embed and fields stages in the workers, with the builtin embedder of these dims. */
  builtinEmbedderDims?: number;
  /** How long one file may take on a worker, from when the worker starts it; default 30 s. */
  timeoutMs?: number;
  /** How long a new worker may take to load before the file it holds fails; default 60 s. */
  startTimeoutMs?: number;
  /** A worker whose parser holds more than this (bytes) is replaced between files; default 128 MiB. */
  recycleAboveBytes?: number;
  /** Worker threads; default: one per core, at most 4. */
  poolSize?: number;
}

/** `parserBytes`, `heapBytes`: what the worker's parser runtime and JavaScript heap hold after the request. */
type Reply = ({ id: number; result: unknown } | { id: number; error: string }) & { parserBytes?: number; heapBytes?: number };
/** A worker's first message: it has loaded and takes requests. */
type Ready = { ready: true };

export class WorkerStages implements FileStages {
  /** Workers that take files: every stage they were set up for. */
  private readonly chunkers: StageWorker[];
  /** Workers that take the chunkers' chunks (embed and fields); none where the chunkers embed too. */
  private readonly embedders: StageWorker[];
  private readonly pool: StageWorker[];
  private fingerprint: Promise<string> | undefined;

  constructor(private readonly options: WorkerStagesOptions) {
    const size = Math.max(1, options.poolSize ?? Math.min(4, availableParallelism()));
    const embedders = options.builtinEmbedderDims ? stageSplit(size).embedders : 0;
    const chunkOnly: WorkerStagesOptions = embedders > 0 ? { ...options, builtinEmbedderDims: undefined } : options;
    this.chunkers = Array.from({ length: size - embedders }, () => new StageWorker(chunkOnly));
    this.embedders = Array.from({ length: embedders }, () => new StageWorker(options));
    this.pool = [...this.chunkers, ...this.embedders];
  }

  /** Goes to the chunk worker with the fewest files waiting, then (split stages) its chunks to the least busy embed worker. */
  async process(path: string, text: string): Promise<ProcessedFile> {
    const processed = (await leastBusy(this.chunkers).run({ path, text }, path)) as ProcessedFile;
    if (this.embedders.length === 0) return processed;
    const embedded = (await leastBusy(this.embedders).run({ embed: processed.chunked.chunks }, path)) as EmbeddedChunks;
    return { ...processed, ...embedded };
  }

  chunkerFingerprint(): Promise<string> {
    this.fingerprint ??= (this.chunkers[0].run({ fingerprint: true }, "the chunker's fingerprint") as Promise<string>).catch((error: unknown) => {
      this.fingerprint = undefined;
      throw error;
    });
    return this.fingerprint;
  }

  /**
   * See FileStages.chunkerInputs: ~30 ms to read and hash the script and 18 MB of grammars, once;
   * `again` hashes them again only when one's size, modification time or inode changed since.
   */
  chunkerInputs(options: { again?: boolean } = {}): string | undefined {
    if (this.inputs === undefined || (options.again && this.inputs !== null && filesSignature(this.inputs.files) !== this.inputs.signature)) {
      const files = chunkerInputFiles(this.options);
      this.inputs = files ? { files, signature: filesSignature(files), digest: chunkerInputsDigest(this.options, files) } : null;
    }
    return this.inputs?.digest;
  }

  private inputs: { files: string[]; signature: string; digest: string | undefined } | null | undefined;

  /**
   * Stops the workers that have nothing to do, giving back their memory (their heaps and parsers
   * hold some 100 MiB after a full index, and LanceDB's compaction and vector index build come next);
   * the next file starts one again.
   */
  release(): void {
    for (const worker of this.pool) if (worker.waiting === 0) worker.dispose();
  }

  /** The most any worker's parser holds (bytes), as the workers last said: for tests. */
  get parserMemory(): number {
    return Math.max(0, ...this.pool.map((worker) => worker.parserMemory));
  }

  /** Worker threads started so far (a replaced worker counts again): for tests. */
  get workersStarted(): number {
    return this.pool.reduce((sum, worker) => sum + worker.starts, 0);
  }

  /** Worker threads running now. */
  get threads(): number {
    return this.pool.filter((worker) => worker.started).length;
  }

  dispose(): void {
    for (const worker of this.pool) worker.dispose();
  }
}

/**
 * The worker script, the parser runtime and every grammar the worker can load (from beside the
 * script, links resolved, where the build puts them); undefined when one is not there: the worker
 * would then load it from its npm package, which a digest of these does not cover.
 */
function chunkerInputFiles(options: WorkerStagesOptions): string[] | undefined {
  const wasm = [...new Set(["tree-sitter.wasm", ...LANGUAGES.map((language) => language.grammar.file)])].sort();
  try {
    const script = realpathSync(options.workerPath);
    const grammarDir = options.chunker?.grammars?.wasmDir ?? path.join(path.dirname(script), "grammars");
    const files = [script, ...wasm.map((name) => path.join(grammarDir, name))];
    return files.every((file) => statSync(file, { throwIfNoEntry: false })?.isFile()) ? files : undefined;
  } catch {
    return undefined;
  }
}

/** The files' sizes, modification times and inodes: what a rebuild changes. */
function filesSignature(files: readonly string[]): string {
  return files.map((file) => {
    const stat = statSync(file, { throwIfNoEntry: false });
    return stat ? `${stat.size}:${stat.mtimeMs}:${stat.ino}` : "-";
  }).join(" ");
}

/** Those files' contents, the chunker's options and the Node runtime (its regular expressions and Unicode tables), as one digest. */
function chunkerInputsDigest(options: WorkerStagesOptions, files: readonly string[]): string | undefined {
  const { node, v8, icu, unicode } = process.versions;
  const hash = createHash("sha256").update(JSON.stringify({ chunker: options.chunker ?? {}, node, v8, icu, unicode }));
  try {
    for (const file of files) hash.update(`\n${path.basename(file)}\n`).update(readFileSync(file));
  } catch {
    return undefined;
  }
  return hash.digest("hex").slice(0, 32);
}

/** A request posted to a worker, waiting for its reply. */
interface InFlight {
  id: number;
  body: StageRequest;
  what: string;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

/**
 * One worker thread and its queue. Up to `AHEAD` requests are posted before the first one's reply
 * comes back, so the worker starts its next file at once instead of idling while this thread
 * (busy writing a batch, say) gets round to sending it. The worker runs them one at a time, in
 * order; a file's time limit starts when the worker starts it (on a new worker, once it has loaded).
 */
class StageWorker {
  private worker: Worker | undefined;
  private parserBytes = 0;
  private heapBytes = 0;
  /** Set after a file failed on the worker: its state is not trusted for the next. */
  private failedOnIt = false;
  starts = 0;
  private nextId = 1;
  private readonly inFlight: InFlight[] = [];
  private readonly queued: InFlight[] = [];
  /** The worker has loaded and said so; until then nothing on it is timed as a file's work. */
  private ready = false;
  private startTimer: NodeJS.Timeout | undefined;
  waiting = 0;

  constructor(private readonly options: WorkerStagesOptions) {}

  run(request: { path: string; text: string } | { embed: Chunk[] } | { fingerprint: true }, what: string): Promise<unknown> {
    this.waiting++;
    return new Promise<unknown>((resolve, reject) => {
      this.queued.push({ id: this.nextId++, body: { id: 0, ...request } as StageRequest, what, resolve, reject });
      this.pump();
    }).finally(() => this.waiting--);
  }

  get started(): boolean {
    return this.worker !== undefined;
  }

  /** What its parser holds (bytes), as the worker last said; 0 with no worker running. */
  get parserMemory(): number {
    return this.worker ? this.parserBytes : 0;
  }

  /** Stops the worker; the files on it and waiting for it fail: nothing is left unanswered. */
  dispose(): void {
    this.stop();
    const stopped = new Error("indexing workers stopped");
    for (const request of [...this.inFlight.splice(0), ...this.queued.splice(0)]) request.reject(stopped);
  }

  /** Stops the worker thread; what was posted to it stays with this queue. */
  private stop(): void {
    for (const request of this.inFlight) clearTimeout(request.timer);
    clearTimeout(this.startTimer);
    void this.worker?.terminate();
    this.worker = undefined;
  }

  /** Posts queued requests while fewer than AHEAD are on the worker; replaces it between files once it holds too much or a file failed on it. */
  private pump(): void {
    while (this.queued.length > 0 && this.inFlight.length < AHEAD) {
      if (this.worker && (this.failedOnIt || this.parserBytes > (this.options.recycleAboveBytes ?? RECYCLE_ABOVE_BYTES) || this.heapBytes > RECYCLE_ABOVE_HEAP_BYTES)) {
        if (this.inFlight.length > 0) return; // replaced once the files on it are done
        this.stop();
      }
      const worker = this.worker ?? this.start();
      const request = this.queued.shift()!;
      request.body = { ...request.body, id: request.id };
      this.inFlight.push(request);
      worker.postMessage(request.body);
      if (this.inFlight.length === 1 && this.ready) this.arm(request);
    }
  }

  private start(): Worker {
    const setup: WorkerSetup = { chunker: this.options.chunker, builtinEmbedderDims: this.options.builtinEmbedderDims };
    const worker = new Worker(this.options.workerPath, { workerData: setup });
    worker.unref();
    this.parserBytes = 0;
    this.heapBytes = 0;
    this.failedOnIt = false;
    this.ready = false;
    this.starts++;
    // Loading has a limit of its own: a worker that never says it is ready fails the file it holds.
    const startTimeoutMs = this.options.startTimeoutMs ?? 60_000;
    this.startTimer = setTimeout(() => setImmediate(() => {
      if (!this.ready) this.fail(worker, `indexing worker did not start within ${startTimeoutMs} ms`);
    }), startTimeoutMs);
    this.startTimer.unref();
    worker.on("message", (reply: Reply | Ready) => {
      if (worker !== this.worker) return;
      // Its first message, whatever it is, says it has loaded (a script without the ready message still answers).
      if (!this.ready) {
        clearTimeout(this.startTimer);
        this.ready = true;
        if ("ready" in reply) {
          if (this.inFlight[0]) this.arm(this.inFlight[0]);
          return;
        }
      }
      if ("ready" in reply) return;
      if (this.inFlight[0]?.id !== reply.id) return;
      const request = this.inFlight.shift()!;
      clearTimeout(request.timer);
      this.parserBytes = reply.parserBytes ?? this.parserBytes;
      this.heapBytes = reply.heapBytes ?? this.heapBytes;
      if ("error" in reply) {
        this.failedOnIt = true;
        request.reject(new Error(reply.error));
      } else request.resolve(reply.result);
      if (this.inFlight[0]) this.arm(this.inFlight[0]);
      this.pump();
    });
    worker.on("error", (error: Error) => this.fail(worker, `indexing worker failed: ${error.message}`));
    worker.on("exit", (code: number) => this.fail(worker, `indexing worker exited (code ${code})`));
    this.worker = worker;
    return worker;
  }

  /** The time limit of the file the worker is on now. */
  private arm(request: InFlight): void {
    const worker = this.worker;
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    clearTimeout(request.timer);
    request.timer = setTimeout(() => {
      // Timers run before the messages that came meanwhile: a reply already here (this thread was
      // busy past the limit) is taken first, and only a file still on the worker fails.
      setImmediate(() => {
        if (worker && this.inFlight[0] === request) this.fail(worker, `${request.what} took longer than ${timeoutMs} ms`);
      });
    }, timeoutMs);
    // A file's time limit must not keep the process alive: a cancelled run leaves files on the
    // workers it stops, and the CLI would otherwise wait out their limits before exiting.
    request.timer.unref();
  }

  /**
   * The worker is gone (or stuck, and is stopped): the request it was on fails with the reason,
   * and the ones posted behind it go back to the queue for a fresh worker.
   */
  private fail(worker: Worker, message: string): void {
    if (worker !== this.worker) return;
    this.stop();
    const [first, ...rest] = this.inFlight.splice(0);
    clearTimeout(first?.timer);
    first?.reject(new Error(message));
    this.queued.unshift(...rest);
    this.pump();
  }
}

/**
 * How a pool of `size` threads running the builtin embedder splits: embedding and fields take about
 * two thirds of the chunk stage's CPU (parsing and walking the tree); one thread runs every stage.
 */
export function stageSplit(size: number): { chunkers: number; embedders: number } {
  const embedders = size > 1 ? Math.max(1, Math.round(size * EMBED_SHARE)) : 0;
  return { chunkers: size - embedders, embedders };
}

function leastBusy(workers: readonly StageWorker[]): StageWorker {
  return workers.reduce((best, candidate) => (candidate.waiting < best.waiting ? candidate : best));
}

/** The embed workers' share of the pool, where the stages are split (rounded; at least one). */
const EMBED_SHARE = 0.4;

/** Requests on a worker at once: the one it is on, and the next, ready when it finishes. */
const AHEAD = 4;
/**
 * Parsing Python's standard library leaves a worker's parser at its first 32 MiB, 40k npm files at
 * 46 MiB; one pathological file can take hundreds, kept until the worker goes.
 */
const RECYCLE_ABOVE_BYTES = 128 * 2 ** 20;
/** The embedder's and the text tables' caches are bounded well below this (after ~100k files: 33–38 MiB used). */
const RECYCLE_ABOVE_HEAP_BYTES = 512 * 2 ** 20;
