// FileStages in a small pool of worker threads sized to the cores: each worker runs the chunk
// stage (and, with the builtin embedder, the embed and fields stages) one file at a time with a
// time limit per file. Workers are recycled after a number of files, since the wasm heap only
// ever grows.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { ChunkerOptions } from "../chunk/chunker";
import type { StageRequest, WorkerSetup } from "./pipelineWorker";
import type { FileStages, ProcessedFile } from "./stages";

export interface WorkerStagesOptions {
  /** The bundled worker script (dist/worker.js). */
  workerPath: string;
  chunker?: ChunkerOptions;
  /** Also run the embed and fields stages in the workers, with the builtin embedder of these dims. */
  builtinEmbedderDims?: number;
  timeoutMs?: number;
  recycleAfterFiles?: number;
  /** Worker threads; default: one per core, at most 4. */
  poolSize?: number;
}

type Reply = { id: number; result: unknown } | { id: number; error: string };

export class WorkerStages implements FileStages {
  private readonly pool: StageWorker[];
  private fingerprint: Promise<string> | undefined;

  constructor(options: WorkerStagesOptions) {
    const size = Math.max(1, options.poolSize ?? Math.min(4, availableParallelism()));
    this.pool = Array.from({ length: size }, () => new StageWorker(options));
  }

  /** Goes to the worker with the fewest files waiting. */
  process(path: string, text: string): Promise<ProcessedFile> {
    const worker = this.pool.reduce((best, candidate) => (candidate.waiting < best.waiting ? candidate : best));
    return worker.run({ path, text }, path) as Promise<ProcessedFile>;
  }

  chunkerFingerprint(): Promise<string> {
    this.fingerprint ??= (this.pool[0].run({ fingerprint: true }, "the chunker's fingerprint") as Promise<string>).catch((error: unknown) => {
      this.fingerprint = undefined;
      throw error;
    });
    return this.fingerprint;
  }

  dispose(): void {
    for (const worker of this.pool) worker.dispose();
  }
}

/** One worker thread and its queue. */
class StageWorker {
  private worker: Worker | undefined;
  private filesOnWorker = 0;
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();
  waiting = 0;

  constructor(private readonly options: WorkerStagesOptions) {}

  run(request: { path: string; text: string } | { fingerprint: true }, what: string): Promise<unknown> {
    this.waiting++;
    const run = this.queue.then(() => this.runNow(request, what)).finally(() => this.waiting--);
    this.queue = run.catch(() => undefined);
    return run;
  }

  dispose(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private runNow(body: { path: string; text: string } | { fingerprint: true }, what: string): Promise<unknown> {
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
    return new Promise<unknown>((resolve, reject) => {
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
      const onError = (error: Error): void => fail(`indexing worker failed: ${error.message}`);
      const onExit = (code: number): void => fail(`indexing worker exited (code ${code})`);
      const timer = setTimeout(() => fail(`${what} took longer than ${timeoutMs} ms`), timeoutMs);
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
      worker.postMessage({ id, ...body } satisfies StageRequest);
    });
  }
}
