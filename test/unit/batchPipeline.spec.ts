import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { describe, it } from "node:test";
import { BatchPipeline } from "../../src/core/index/batchPipeline";

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("the indexer's batch pipeline", () => {
  it("writes in order, one at a time, with at most two batches embedding", async () => {
    const written: number[] = [];
    let writes = 0;
    let embedding = 0;
    let mostEmbedding = 0;
    const pipeline = new BatchPipeline<number>(async (n) => {
      assert.equal(++writes, 1, "one write at a time");
      await delay(3);
      written.push(n);
      writes--;
    });
    for (let n = 0; n < 8; n++) {
      await pipeline.push(async () => {
        mostEmbedding = Math.max(mostEmbedding, ++embedding);
        // Later batches embed faster than earlier ones: the writes must still come in order.
        await delay(n % 2 === 0 ? 12 : 1);
        embedding--;
        return n;
      }, () => undefined);
    }
    await pipeline.drain();
    assert.deepEqual(written, [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(mostEmbedding, 2);
  });

  it("on a failure, throws only once the write going on has finished, and starts nothing more", async () => {
    let writing = false;
    let finishedWrites = 0;
    const pipeline = new BatchPipeline<number>(async () => {
      writing = true;
      await delay(30);
      writing = false;
      finishedWrites++;
    });
    await pipeline.push(async () => 0, () => undefined);
    await pipeline.push(async () => {
      await delay(5);
      throw new Error("401 bad key");
    }, () => undefined);
    await delay(10);
    assert.ok(writing, "the first batch is being written when the second fails");
    await assert.rejects(pipeline.drain(), /401 bad key/);
    assert.equal(writing, false, "no write goes on after the run ends");
    assert.equal(finishedWrites, 1, "the batch before the failure was written");
    let started = false;
    await assert.rejects(pipeline.push(async () => ((started = true), 3), () => undefined), /401 bad key/);
    assert.equal(started, false, "nothing more starts");
  });

  it("on a failure, aborts the other batch still embedding", async () => {
    const pipeline = new BatchPipeline<number>(async () => undefined);
    let aborted = false;
    await pipeline.push((signal) => new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => resolve(0), 500);
      signal.addEventListener("abort", () => {
        aborted = true;
        clearTimeout(timer);
        reject(signal.reason);
      });
    }), () => undefined);
    await pipeline.push(async () => {
      await delay(5);
      throw new Error("dimension mismatch");
    }, () => undefined);
    await assert.rejects(pipeline.drain(), /dimension mismatch/, "the first failure is the one thrown");
    assert.ok(aborted);
  });

  it("aborts the batches in flight when the run is cancelled", async () => {
    const cancel = new AbortController();
    const pipeline = new BatchPipeline<number>(async () => undefined, cancel.signal);
    let reason: unknown;
    await pipeline.push((signal) => new Promise<number>((_, reject) => signal.addEventListener("abort", () => reject((reason = signal.reason)))), () => undefined);
    cancel.abort(new Error("cancelled"));
    await assert.rejects(pipeline.drain(), /cancelled/);
    assert.match(String(reason), /cancelled/);
  });

  it("a cancel while the last batches are drained still aborts them", async () => {
    const cancel = new AbortController();
    const pipeline = new BatchPipeline<number>(async () => undefined, cancel.signal);
    await pipeline.push((signal) => new Promise<number>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))), () => undefined);
    const drained = pipeline.drain();
    await delay(5);
    cancel.abort(new Error("cancelled while draining"));
    await assert.rejects(drained, /cancelled while draining/);
  });

  it("takes its listener off the run's signal once drained, failed or not: that signal may outlive the run", async () => {
    // The CLI's Ctrl-C signal lives as long as the process; a listener left on it held a run's
    // whole file list through the compaction after it.
    const outer = new AbortController();
    const ok = new BatchPipeline<number>(async () => undefined, outer.signal);
    assert.equal(getEventListeners(outer.signal, "abort").length, 1, "it listens while it runs");
    await ok.push(async () => 1, () => undefined);
    await ok.drain();
    assert.equal(getEventListeners(outer.signal, "abort").length, 0);
    const failing = new BatchPipeline<number>(async () => undefined, outer.signal);
    await failing.push(async () => {
      throw new Error("embedding failed");
    }, () => undefined);
    await assert.rejects(failing.drain(), /embedding failed/);
    assert.equal(getEventListeners(outer.signal, "abort").length, 0);
  });
});
