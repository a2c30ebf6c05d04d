// The indexer's batches after the loop that prepares them: each is embedded (the embedders'
// vectors; a remote model's requests), then written. Writes run one at a time and in order. Two
// batches may be embedding at once (a remote embedder's requests share its concurrency), so its
// requests never pause while a batch is written or while one batch's last requests finish.
// The first failure aborts what is in flight and is thrown once nothing runs any more: a failed
// run never leaves a write going on behind the writer lock it gives back.

import { setMaxListeners } from "node:events";

export class BatchPipeline<Rows> {
  private writing: Promise<void> = Promise.resolve();
  private writingBefore: Promise<void> = Promise.resolve();
  /** The embedding stages of the last two batches: a batch starts once the one two back is embedded. */
  private embedding: [Promise<unknown>, Promise<unknown>] = [Promise.resolve(), Promise.resolve()];
  private failure: { error: unknown } | undefined;
  private readonly controller = new AbortController();
  /** Takes the listener off the run's signal: that signal may outlive the run (the CLI's Ctrl-C), and the listener holds the run's closure (its file list) alive. */
  private readonly detach: () => void;

  constructor(private readonly write: (rows: Rows) => Promise<void>, outer?: AbortSignal) {
    // Every request of a remote embedder in flight (two batches' worth) listens on it, through the
    // HTTP client: more than Node's default of 10 before it warns of a leak.
    setMaxListeners(100, this.controller.signal);
    const abort = (): void => this.controller.abort(outer?.reason);
    if (outer?.aborted) abort();
    else outer?.addEventListener("abort", abort, { once: true });
    this.detach = () => outer?.removeEventListener("abort", abort);
  }

  /**
   * Adds a batch: waits until the batch two back is embedded and the one before the last is
   * written, then starts `embed` (with a signal that aborts on the run's cancel or on a failure)
   * and queues its write; `written` runs after the write.
   */
  async push(embed: (signal: AbortSignal) => Promise<Rows>, written: () => void): Promise<void> {
    await this.throwIfFailed();
    await Promise.allSettled([this.embedding[0], this.writingBefore]);
    await this.throwIfFailed();
    const embedded = embed(this.controller.signal);
    embedded.catch((error: unknown) => this.fail(error));
    this.embedding = [this.embedding[1], embedded];
    const previous = this.writing;
    this.writingBefore = previous;
    this.writing = previous.then(() => embedded).then((rows) => this.write(rows)).then(written);
    this.writing.catch((error: unknown) => this.fail(error));
  }

  /** Waits for every batch; throws the first failure, once nothing is in flight. The pipeline is done with after it. */
  async drain(): Promise<void> {
    await this.settle();
    this.detach();
    if (this.failure) throw this.failure.error;
  }

  private fail(error: unknown): void {
    if (this.failure) return;
    this.failure = { error };
    this.controller.abort(error);
  }

  private async throwIfFailed(): Promise<void> {
    if (!this.failure) return;
    await this.settle();
    throw this.failure.error;
  }

  private settle(): Promise<unknown> {
    return Promise.allSettled([this.writing, ...this.embedding]);
  }
}
