// A ChunkSource that chunks (and, with the builtin embedder, embeds) in a small pool of worker
// threads sized to the cores, each one file at a time with a time limit per file. Workers are
// recycled after a number of files, since the wasm heap only ever grows.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { ChunkerOptions, ChunkResult } from "./chunker";
import type { WorkerSetup } from "./worker";

export interface WorkerChunkerOptions {
  /** The bundled worker script (dist/worker.js). */
  workerPath: string;
  chunker?: ChunkerOptions;
  /** Also embed in the worker with the builtin embedder of these dims. */
  builtinEmbedderDims?: number;
  timeoutMs?: number;
  recycleAfterFiles?: number;
  /** Worker threads; default: one per core, at most 4. */
  poolSize?: number;
}

type Reply = { id: number; result: ChunkResult } | { id: number; error: string };

export class WorkerChunker {
  private readonly pool: ChunkWorker[];

  constructor(options: WorkerChunkerOptions) {
    const size = Math.max(1, options.poolSize ?? Math.min(4, availableParallelism()));
    this.pool = Array.from({ length: size }, () => new ChunkWorker(options));
  }

  /** Goes to the worker with the fewest files waiting. */
  chunkFile(path: string, text: string): Promise<ChunkResult> {
    const worker = this.pool.reduce((best, candidate) => (candidate.waiting < best.waiting ? candidate : best));
    return worker.chunkFile(path, text);
  }

  dispose(): void {
    for (const worker of this.pool) worker.dispose();
  }
}

/** One worker thread and its queue. */
class ChunkWorker {
  private worker: Worker | undefined;
  private filesOnWorker = 0;
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();
  waiting = 0;

  constructor(private readonly options: WorkerChunkerOptions) {}

  chunkFile(path: string, text: string): Promise<ChunkResult> {
    this.waiting++;
    const run = this.queue.then(() => this.chunkNow(path, text)).finally(() => this.waiting--);
    this.queue = run.catch(() => undefined);
    return run;
  }

  dispose(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private chunkNow(path: string, text: string): Promise<ChunkResult> {
    if (this.worker && this.filesOnWorker >= (this.options.recycleAfterFiles ?? 2000)) this.dispose();
    if (!this.worker) {
      const setup: WorkerSetup = { chunker: this.options.chunker, builtinEmbedderDims: this.options.builtinEmbedderDims };
      this.worker = new Worker(this.options.workerPath, { workerData: setup });
      this.worker.unref();
      this.filesOnWorker = 0;
    }
    const worker = this.worker;
    this.filesOnWorker++;
    const id = this.nextId++;
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    return new Promise<ChunkResult>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
      };
      const fail = (message: string): void => {
        cleanup();
        if (this.worker === worker) this.dispose();
        reject(new Error(message));
      };
      const onMessage = (reply: Reply): void => {
        if (reply.id !== id) return;
        cleanup();
        if ("error" in reply) reject(new Error(reply.error));
        else resolve(reply.result);
      };
      const onError = (error: Error): void => fail(`chunking worker failed: ${error.message}`);
      const onExit = (code: number): void => fail(`chunking worker exited (code ${code})`);
      const timer = setTimeout(() => fail(`chunking ${path} took longer than ${timeoutMs} ms`), timeoutMs);
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
      worker.postMessage({ id, path, text });
    });
  }
}
