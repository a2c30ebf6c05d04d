// An OpenAI-compatible embedder while indexing: do parsing, embedding requests and writes overlap?
// The local OpenAI-protocol test server (in a process of its own) answers each /v1/embeddings request after a delay that
// grows with its inputs, as a model's compute would. The section indexes the stdlib with that
// embedder (the builtin vectors beside it, as always), counts the requests in flight over the run,
// then replays the very same requests at the same concurrency with nothing else running: that is
// the embedding time alone, the floor for the run's wall time. `BENCH_ONLY=embed npm run bench`.
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { embedderFactory } from "../src/core/codebase/embedders";
import { OpenAIEmbedder } from "../src/core/embed/openai";
import { TestIndex } from "../test/helpers/index";
import { REPO_ROOT } from "../test/helpers/workspace";
import type { InFlight } from "../test/support/modelServer";

const CONCURRENCY = 4;
const DIMS = 256;
/** A request's answer time: a fixed cost and a share per input (20 ms + 1.25 ms × 64 inputs ≈ 100 ms a full batch). */
const BASE_MS = 20;
const PER_INPUT_MS = 1.25;

interface ServerStats extends InFlight {
  requests: number;
  bodies: string[];
  /** The server process's clock origin (epoch ms): its `since` and `last` are on its own clock. */
  timeOrigin: number;
}

/** The test server in a child process (a real embedding server is not on this process's event loop). */
async function startServer(): Promise<{ url: string; child: ChildProcess; ask: <T>(what: "stats" | "reset") => Promise<T> }> {
  const child = fork(path.join(REPO_ROOT, "bench", "embedServer.ts"), [String(BASE_MS), String(PER_INPUT_MS), String(DIMS)], { execArgv: ["--import", "tsx"] });
  const [first] = (await once(child, "message")) as [{ url: string }];
  const ask = async <T>(what: "stats" | "reset"): Promise<T> => {
    child.send({ ask: what });
    const [answer] = (await once(child, "message")) as [Record<string, T>];
    return Object.values(answer)[0];
  };
  return { url: first.url, child, ask };
}

export interface EmbedOverlapRow {
  corpus: string;
  chunks: number;
  requests: number;
  concurrency: number;
  /** The index run with the embedder, wall seconds. */
  indexSeconds: number;
  /** The same corpus indexed with the builtin embedder only, wall seconds. */
  builtinSeconds: number;
  /** The recorded requests replayed at the same concurrency, alone. */
  embeddingAloneSeconds: number;
  maxInFlight: number;
  meanInFlight: number;
  /** indexSeconds ÷ embeddingAloneSeconds: 1 is full overlap. */
  ratio: number;
  /** Seconds from the run's start to its first embedding request, and from the last answer to its end. */
  beforeFirstRequestSeconds: number | null;
  afterLastAnswerSeconds: number | null;
}

export async function embedOverlapSection(options: { source: string; work: string }): Promise<Record<string, unknown>> {
  const server = await startServer();
  const dir = path.join(options.work, "embed-overlap");
  try {
    await fs.rm(dir, { recursive: true, force: true });
    // Chunking in worker threads, as the CLI and the extension do.
    const workerPath = path.join(REPO_ROOT, "dist", "worker.js");
    const builtin = await TestIndex.open({ root: options.source, dbPath: path.join(dir, "builtin"), workerPath });
    const builtinRun = await builtin.run().finally(() => builtin.close());

    const neural = new OpenAIEmbedder({ baseURL: server.url, model: "bench-embed", dims: DIMS, concurrency: CONCURRENCY, maxRetries: 0 });
    const index = await TestIndex.open({ root: options.source, dbPath: path.join(dir, "neural"), workerPath, neural, embedderFor: embedderFactory(() => undefined, { concurrency: CONCURRENCY }) });
    const started = performance.now();
    const run = await index.run().finally(() => index.close());
    const ended = performance.now();
    const indexSeconds = (ended - started) / 1000;
    const flight = await server.ask<ServerStats>("stats");
    // The run's seconds before its first request and after its last answer: the server's times on this process's clock.
    const onOurClock = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms + flight.timeOrigin - performance.timeOrigin);
    const [firstRequest, lastAnswer] = [onOurClock(flight.since), onOurClock(flight.last)];
    const beforeFirst = firstRequest === undefined ? undefined : (firstRequest - started) / 1000;
    const afterLast = lastAnswer === undefined ? undefined : (ended - lastAnswer) / 1000;
    const recorded = flight.bodies;
    await server.ask("reset");

    // The same requests, the same concurrency, nothing else running.
    let next = 0;
    const replayStarted = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < recorded.length) {
        const body = recorded[next++];
        const response = await fetch(`${server.url}/embeddings`, { method: "POST", headers: { "content-type": "application/json" }, body });
        await response.arrayBuffer();
      }
    }));
    const embeddingAloneSeconds = (performance.now() - replayStarted) / 1000;

    const row: EmbedOverlapRow = {
      corpus: "python-stdlib", chunks: run.totalChunks, requests: recorded.length, concurrency: CONCURRENCY,
      indexSeconds, builtinSeconds: builtinRun.seconds, embeddingAloneSeconds,
      maxInFlight: flight.max, meanInFlight: flight.since !== undefined && flight.last !== undefined ? flight.weightedMs / (flight.last - flight.since) : 0,
      ratio: indexSeconds / embeddingAloneSeconds, beforeFirstRequestSeconds: beforeFirst ?? null, afterLastAnswerSeconds: afterLast ?? null,
    };
    console.log(`\nindexing with an OpenAI-compatible embedder (local test server in its own process: ${BASE_MS} ms + ${PER_INPUT_MS} ms per input a request, concurrency ${CONCURRENCY})`);
    console.log("corpus         chunks requests | builtin only s | with embedder s | embedding alone s | ratio (target ~1) | in flight max  mean (while embedding)");
    console.log(
      `${row.corpus.padEnd(14)} ${String(row.chunks).padStart(6)} ${String(row.requests).padStart(8)} | ${row.builtinSeconds.toFixed(1).padStart(14)} | ${indexSeconds.toFixed(1).padStart(15)} | ` +
        `${embeddingAloneSeconds.toFixed(1).padStart(17)} | ${`${row.ratio.toFixed(2)}×`.padStart(17)} | ${String(row.maxInFlight).padStart(13)} ${row.meanInFlight.toFixed(1).padStart(5)}`,
    );
    if (beforeFirst !== undefined && afterLast !== undefined) console.log(`the run's first request ${beforeFirst.toFixed(2)} s after it started; its end ${afterLast.toFixed(2)} s after the last answer`);
    return { requestMs: `${BASE_MS} + ${PER_INPUT_MS} × inputs`, rows: [row] };
  } finally {
    server.child.send({ ask: "close" });
    await fs.rm(dir, { recursive: true, force: true });
  }
}
