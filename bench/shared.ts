// shared: a team index on object storage, against a local S3-compatible server (s3rver) behind a
// proxy that counts the bytes it serves: the time CI takes to write it, the time a developer's
// Groundwork takes to open it with an empty local index (first answer, then the overlay's run
// over an unchanged checkout), hybrid p50/p95 through the overlay, and the bytes read per query.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { Codebase } from "../src/core/codebase/codebase";
import { storageOptionsFromEnv, useStorage } from "../src/core/codebase/storage";
import { TestS3Server } from "../test/support/s3Server";

interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

export interface SharedBenchDeps {
  work: string;
  queries: readonly string[];
  replicate: (target: string, copies: number, filter: (relPath: string) => boolean) => Promise<void>;
  percentiles: (samples: number[]) => Percentiles;
}

/** Forwards to the store and counts the response bytes. */
async function countingProxy(target: number): Promise<{ port: number; bytes: () => number; close: () => Promise<void> }> {
  let bytes = 0;
  const server = http.createServer((req, res) => {
    const upstream = http.request({ host: "127.0.0.1", port: target, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.on("data", (chunk: Buffer) => (bytes += chunk.length));
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, bytes: () => bytes, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export async function sharedSection(deps: SharedBenchDeps): Promise<Record<string, unknown>> {
  const s3 = new TestS3Server(path.join(deps.work, "s3"));
  s3.remove();
  await s3.start();
  const proxy = await countingProxy(s3.port);
  const env = s3.env({ AWS_ENDPOINT_URL: `http://127.0.0.1:${proxy.port}` });
  const sizes = [
    { name: "10k", copies: 1, filter: (relPath: string) => !/^(test|idlelib|lib2to3|tkinter|pydoc_data|ensurepip)\//.test(relPath) && relPath < "p" },
    { name: "100k", copies: 6, filter: () => true },
    // ~1M chunks: 54 copies of the stdlib (680 MB of Python); run it on its own (BENCH_SIZES=1M): about half an hour here.
    { name: "1M", copies: 54, filter: () => true },
  ].filter((size) => !process.env.BENCH_SIZES || process.env.BENCH_SIZES.split(",").includes(size.name));
  const rows: Record<string, unknown>[] = [];
  console.log(`\nshared index on a local S3-compatible server (s3rver; ${deps.queries.length} queries; ms unless said)`);
  console.log("size   chunks  | CI write s | open → first answer | overlay run s | hybrid p50  p95 | bytes read / query");
  try {
    for (const size of sizes) {
      const tree = path.join(deps.work, `stdlib-x${size.copies}-${size.name}`, "tree");
      await deps.replicate(tree, size.copies, size.filter);
      const uri = `s3://${s3.bucket}/stdlib-x${size.copies}`;
      useStorage([uri], storageOptionsFromEnv(env));
      const writer = await Codebase.open({ folders: [{ name: "tree", root: tree, dbPath: uri }] });
      const writeStarted = performance.now();
      await writer.index();
      await writer.maintenanceIdle();
      const writeSeconds = (performance.now() - writeStarted) / 1000;
      const chunks = (await writer.summary()).chunks;
      writer.close();

      // A developer: the same checkout, an empty local index, a new connection to the store.
      const localDb = path.join(deps.work, `shared-overlay-${size.name}-${Date.now()}`);
      const openStarted = performance.now();
      const reader = await Codebase.open({ folders: [{ name: "tree", root: tree, dbPath: localDb }], shared: uri });
      await reader.search(deps.queries[0], { limit: 10 });
      const firstAnswerMs = performance.now() - openStarted;
      const runStarted = performance.now();
      await reader.index();
      const overlaySeconds = (performance.now() - runStarted) / 1000;
      const samples: number[] = [];
      const bytesBefore = proxy.bytes();
      for (const query of deps.queries) {
        const started = performance.now();
        await reader.search(query, { limit: 10 });
        samples.push(performance.now() - started);
      }
      const bytesPerQuery = (proxy.bytes() - bytesBefore) / deps.queries.length;
      const hybrid = deps.percentiles(samples);
      reader.close();
      console.log(
        `${size.name.padEnd(6)} ${String(chunks).padStart(7)} | ${writeSeconds.toFixed(1).padStart(10)} | ${firstAnswerMs.toFixed(0).padStart(19)} | ${overlaySeconds.toFixed(1).padStart(13)} |` +
          ` ${hybrid.p50.toFixed(1).padStart(6)} ${hybrid.p95.toFixed(1).padStart(6)} | ${(bytesPerQuery / 1024).toFixed(0)} KiB`,
      );
      rows.push({ size: size.name, chunks, writeSeconds, firstAnswerMs, overlaySeconds, hybrid, bytesPerQuery });
    }
  } finally {
    await proxy.close();
    await s3.stop();
  }
  return { queries: deps.queries.length, rows };
}
