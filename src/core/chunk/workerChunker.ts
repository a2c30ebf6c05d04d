// A ChunkSource that chunks in a worker thread, one file at a time, with a time limit per file.
// The worker is recycled after a number of files, since the wasm heap only ever grows.
import { Worker } from "node:worker_threads";
import type { ChunkerOptions, ChunkResult } from "./chunker";

export interface WorkerChunkerOptions {
  /** The bundled worker script (dist/worker.js). */
  workerPath: string;
  chunker?: ChunkerOptions;
  timeoutMs?: number;
  recycleAfterFiles?: number;
}

type Reply = { id: number; result: ChunkResult } | { id: number; error: string };

export class WorkerChunker {
  private worker: Worker | undefined;
  private filesOnWorker = 0;
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: WorkerChunkerOptions) {}

  chunkFile(path: string, text: string): Promise<ChunkResult> {
    const run = this.queue.then(() => this.chunkNow(path, text));
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
      this.worker = new Worker(this.options.workerPath, { workerData: this.options.chunker ?? {} });
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
