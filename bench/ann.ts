// The ANN index types and parameters LanceDB 0.31 offers, on the same builtin vectors: build time,
// query latency and recall@10 against an exact (flat) search. `BENCH_ONLY=ann npm run bench` runs it
// on the query section's ~100k-chunk corpus (BENCH_SIZES picks another); the choice it informed is in
// docs/performance.md.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { BuiltinEmbedder } from "../src/core/embed/builtin";
import { loadLanceDb } from "../src/core/store/lance";

type Index = import("@lancedb/lancedb").Index;
type Table = import("@lancedb/lancedb").Table;

export interface AnnConfig {
  name: string;
  index: (lance: typeof import("@lancedb/lancedb")) => Index;
  /** Query-time breadth: HNSW's ef, or IVF's probes and refinement. */
  tune?: (query: import("@lancedb/lancedb").VectorQuery) => import("@lancedb/lancedb").VectorQuery;
}

export const ANN_CONFIGS: AnnConfig[] = [
  { name: "HNSW_SQ m20 efC300 ef100 (before)", index: (l) => l.Index.hnswSq({ distanceType: "cosine" }), tune: (q) => q.ef(100) },
  { name: "HNSW_SQ m16 efC150 ef100", index: (l) => l.Index.hnswSq({ distanceType: "cosine", m: 16, efConstruction: 150 }), tune: (q) => q.ef(100) },
  { name: "HNSW_SQ m16 efC100 4 parts", index: (l) => l.Index.hnswSq({ distanceType: "cosine", m: 16, efConstruction: 100, numPartitions: 4 }), tune: (q) => q.ef(100).nprobes(2) },
  { name: "IVF_PQ np20 refine 1", index: (l) => l.Index.ivfPq({ distanceType: "cosine" }), tune: (q) => q.nprobes(20).refineFactor(1) },
  { name: "IVF_FLAT np20", index: (l) => l.Index.ivfFlat({ distanceType: "cosine" }), tune: (q) => q.nprobes(20) },
  { name: "IVF_RQ 4 bits np20", index: (l) => l.Index.ivfRq({ distanceType: "cosine", numBits: 4 }), tune: (q) => q.nprobes(20) },
  { name: "IVF_RQ np20 no refine", index: (l) => l.Index.ivfRq({ distanceType: "cosine" }), tune: (q) => q.nprobes(20) },
  { name: "IVF_RQ np10 refine 1", index: (l) => l.Index.ivfRq({ distanceType: "cosine" }), tune: (q) => q.nprobes(10).refineFactor(1) },
  { name: "IVF_RQ np20 refine 1", index: (l) => l.Index.ivfRq({ distanceType: "cosine" }), tune: (q) => q.nprobes(20).refineFactor(1) },
  { name: "IVF_RQ np20 refine 1 sample 64 (now)", index: (l) => l.Index.ivfRq({ distanceType: "cosine", sampleRate: 64 }), tune: (q) => q.nprobes(20).refineFactor(1) },
  { name: "IVF_RQ np20 refine 1 sample 64 it 20", index: (l) => l.Index.ivfRq({ distanceType: "cosine", sampleRate: 64, maxIterations: 20 }), tune: (q) => q.nprobes(20).refineFactor(1) },
  { name: "IVF_RQ np20 refine 5", index: (l) => l.Index.ivfRq({ distanceType: "cosine" }), tune: (q) => q.nprobes(20).refineFactor(5) },
];

const CANDIDATES = 50;

export interface AnnRow {
  config: string;
  buildSeconds: number;
  p50: number;
  p95: number;
  recall10: number;
}

/** Copies `vector` and `id` of the chunks table at `source` into a scratch table, then measures each config on it. */
export async function annSection(options: {
  source: string;
  work: string;
  queries: readonly string[];
  percentiles: (samples: number[]) => { p50: number; p95: number };
  configs?: readonly AnnConfig[];
}): Promise<{ rows: AnnRow[]; vectors: number; flat: { p50: number; p95: number }; buildSpeedup: number | null; targetBuildSpeedup: number }> {
  const lance = await loadLanceDb();
  const from = await (await lance.connect(options.source)).openTable("chunks");
  const scratchDir = path.join(options.work, "ann-scratch");
  await fs.rm(scratchDir, { recursive: true, force: true });
  const scratch = await lance.connect(scratchDir);
  const table: Table = await scratch.createTable("v", await from.query().select(["id", "vector"]).toArrow());
  const vectors = await table.countRows();
  const embedder = new BuiltinEmbedder();
  const queryVectors = await Promise.all(options.queries.map((q) => embedder.embedQuery(q)));
  const search = async (vector: Float32Array, exact: boolean, tune?: AnnConfig["tune"]): Promise<string[]> => {
    // As the retriever asks: 50 candidates, of which the first 10 are compared.
    let query = table!.vectorSearch(vector).distanceType("cosine").select(["id"]).limit(CANDIDATES);
    query = exact ? query.bypassVectorIndex() : tune ? tune(query) : query;
    return (await query.toArray()).slice(0, 10).map((row) => row.id as string);
  };
  const timed = async (exact: boolean, tune?: AnnConfig["tune"]): Promise<{ results: string[][]; p50: number; p95: number }> => {
    await search(queryVectors[0], exact, tune);
    const samples: number[] = [];
    const results: string[][] = [];
    for (const vector of queryVectors) {
      const started = performance.now();
      results.push(await search(vector, exact, tune));
      samples.push(performance.now() - started);
    }
    return { results, ...options.percentiles(samples) };
  };
  const flat = await timed(true);
  const rows: AnnRow[] = [];
  console.log(`\nANN index types on ${vectors} builtin vectors (${options.queries.length} queries, 50 candidates; recall of the first 10 against a flat search, ${flat.p50.toFixed(1)} / ${flat.p95.toFixed(1)} ms p50 / p95)`);
  console.log("config                             | build s | p50 ms  p95 ms | recall@10");
  // BENCH_ANN=text measures only the configs whose name holds it.
  for (const config of (options.configs ?? ANN_CONFIGS).filter((c) => !process.env.BENCH_ANN || c.name.includes(process.env.BENCH_ANN))) {
    const started = performance.now();
    await table.createIndex("vector", { config: config.index(lance), replace: true });
    const buildSeconds = (performance.now() - started) / 1000;
    const run = await timed(false, config.tune);
    const recall = run.results.reduce((sum, ids, i) => sum + ids.filter((id) => flat.results[i].includes(id)).length / Math.max(1, flat.results[i].length), 0) / run.results.length;
    rows.push({ config: config.name, buildSeconds, p50: run.p50, p95: run.p95, recall10: recall });
    console.log(`${config.name.padEnd(35)}| ${buildSeconds.toFixed(1).padStart(7)} | ${run.p50.toFixed(1).padStart(6)} ${run.p95.toFixed(1).padStart(7)} | ${recall.toFixed(3)}`);
  }
  await fs.rm(scratchDir, { recursive: true, force: true });
  const before = rows.find((row) => row.config.includes("(before)"));
  const now = rows.find((row) => row.config.includes("(now)"));
  const buildSpeedup = before && now ? before.buildSeconds / now.buildSeconds : undefined;
  if (buildSpeedup !== undefined) console.log(`target: the vector index built ≥ 3× faster than before: ${buildSpeedup.toFixed(1)}× (recall@10 ${now!.recall10.toFixed(3)} against ${before!.recall10.toFixed(3)})`);
  return { rows, vectors, flat: { p50: flat.p50, p95: flat.p95 }, buildSpeedup: buildSpeedup ?? null, targetBuildSpeedup: 3 };
}
