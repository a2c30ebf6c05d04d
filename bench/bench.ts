// npm run bench: performance figures on real corpora (not tests: nothing here asserts). Prints a
// table and writes bench/results/bench-<section>.json. `BENCH_ONLY=query` runs one section.
//
// query: hybrid search latency at ~10k and ~100k chunks (copies of Python's standard library
// under different prefixes), with the vector ANN index the index builds in the background once
// it has landed, and the vector-only and full-text-only halves for comparison.
import { promises as fs, existsSync, mkdirSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildEvalCorpus, sampleTargets } from "../src/core/eval/docQueries";
import type { SearchOptions } from "../src/core/retrieval/retriever";
import { WorkspaceIndex } from "../src/core/workspaceIndex";

const ROOT = path.resolve(__dirname, "..");
const RESULTS = path.join(ROOT, "bench", "results");
const WORK = process.env.BENCH_DIR ?? path.join(os.tmpdir(), "groundwork-bench");
const STDLIB = ["/usr/lib/python3.11", "/usr/lib/python3.12", "/usr/lib/python3.13"].find((dir) => existsSync(dir));
const QUERIES = Number(process.env.BENCH_QUERIES ?? 300);

interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), mean: samples.reduce((a, b) => a + b, 0) / samples.length };
}

const ms = (x: number): string => x.toFixed(1).padStart(7);

/** Copies the stdlib's .py files `copies` times under copy0/, copy1/, … (once; reused later). */
async function replicate(target: string, copies: number, filter: (relPath: string) => boolean): Promise<void> {
  const marker = path.join(target, ".complete");
  if (existsSync(marker)) return;
  await fs.rm(target, { recursive: true, force: true });
  const files: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory() && entry.name !== "__pycache__" && entry.name !== "site-packages") await walk(path.join(dir, entry.name), relPath);
      else if (entry.isFile() && entry.name.endsWith(".py") && filter(relPath)) files.push(relPath);
    }
  };
  await walk(STDLIB!, "");
  for (let copy = 0; copy < copies; copy++) {
    for (const relPath of files) {
      const to = path.join(target, `copy${copy}`, relPath);
      await fs.mkdir(path.dirname(to), { recursive: true });
      await fs.copyFile(path.join(STDLIB!, relPath), to);
    }
  }
  writeFileSync(marker, "");
}

async function timeQueries(index: WorkspaceIndex, queries: readonly string[], options: SearchOptions): Promise<Percentiles> {
  const samples: number[] = [];
  for (const query of queries) {
    const started = performance.now();
    await index.retriever.search(query, { ...options, limit: 10 });
    samples.push(performance.now() - started);
  }
  return percentiles(samples);
}

async function querySection(): Promise<Record<string, unknown>> {
  const corpus = await buildEvalCorpus(STDLIB!, "python");
  // Distinct queries, so the query cache never answers.
  const queries = [...new Set(sampleTargets(corpus.targets, QUERIES * 2).map((t) => t.query))].slice(0, QUERIES);
  const sizes = [
    { name: "10k", copies: 1, filter: (relPath: string) => !/^(test|idlelib|lib2to3|tkinter|pydoc_data|ensurepip)\//.test(relPath) && relPath < "p" },
    { name: "100k", copies: 6, filter: () => true },
  ];
  const rows: Record<string, unknown>[] = [];
  console.log(`\nhybrid query latency (${queries.length} distinct doc-sentence queries, k=10, ms)`);
  console.log("size   chunks  | vector index         | hybrid p50  p95    p99   | vector p95 | text p95");
  for (const size of sizes) {
    const dir = path.join(WORK, `stdlib-x${size.copies}-${size.name}`);
    await replicate(path.join(dir, "tree"), size.copies, size.filter);
    const index = await WorkspaceIndex.open({ root: path.join(dir, "tree"), dbPath: path.join(dir, "index") });
    try {
      const indexStarted = performance.now();
      await index.run();
      const indexSeconds = (performance.now() - indexStarted) / 1000;
      const annStarted = performance.now();
      await index.maintenanceIdle();
      const annSeconds = (performance.now() - annStarted) / 1000;
      const status = await index.status();
      // One warm-up pass loads the indexes into memory, as a running editor would have them.
      await timeQueries(index, queries.slice(0, 20), {});
      const hybrid = await timeQueries(index, queries, {});
      const vector = await timeQueries(index, queries, { mode: "vector" });
      const text = await timeQueries(index, queries, { mode: "text" });
      const ann = status.vectorIndex ? `HNSW_SQ ${status.vectorIndex.indexed} rows` : "none (flat)";
      console.log(
        `${size.name.padEnd(6)} ${String(status.chunks).padStart(7)} | ${ann.padEnd(20)} |${ms(hybrid.p50)}${ms(hybrid.p95)}${ms(hybrid.p99)}  |${ms(vector.p95)}    |${ms(text.p95)}`,
      );
      rows.push({ size: size.name, chunks: status.chunks, files: status.filesIndexed, vectorIndex: status.vectorIndex ?? null, indexSeconds, annBuildWaitSeconds: annSeconds, hybrid, vector, text });
    } finally {
      index.close();
    }
  }
  return { queries: queries.length, rows };
}

const SECTIONS: Record<string, () => Promise<Record<string, unknown>>> = { query: querySection };

async function main(): Promise<void> {
  if (!STDLIB) throw new Error("Python's standard library was not found (apt-get install libpython3.11-stdlib).");
  mkdirSync(RESULTS, { recursive: true });
  const only = process.env.BENCH_ONLY?.split(",");
  for (const [name, run] of Object.entries(SECTIONS)) {
    if (only && !only.includes(name)) continue;
    const result = { section: name, machine: `${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`, date: new Date().toISOString(), ...(await run()) };
    writeFileSync(path.join(RESULTS, `bench-${name}.json`), JSON.stringify(result, null, 2) + "\n");
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
