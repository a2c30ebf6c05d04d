// Runs the code-search eval: index the stripped corpus, ask every sampled query under each
// configuration, and score symbol-level (the hit's range contains the function's first line) and
// file-level MRR@10 and Recall@1/5/10.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { Embedder } from "../embed/embedder";
import { Codebase } from "../codebase/codebase";
import type { SearchHit, SearchOptions } from "../retrieval/types";
import { buildEvalCorpus, type EvalLanguage, type EvalTarget, sampleTargets } from "./docQueries";

export interface EvalConfig {
  name: string;
  options: SearchOptions;
}

export const EVAL_CONFIGS: readonly EvalConfig[] = [
  { name: "vector-only", options: { mode: "vector" } },
  { name: "full-text-only", options: { mode: "text" } },
  { name: "hybrid", options: { mode: "hybrid" } },
  { name: "hybrid+expansion", options: { mode: "hybrid", expand: true } },
];

export interface Scores {
  mrr10: number;
  recall1: number;
  recall5: number;
  recall10: number;
}

export interface EvalRow {
  config: string;
  symbol: Scores;
  file: Scores;
  /** Mean query latency, milliseconds. */
  meanMs: number;
}

export interface EvalReport {
  corpus: string;
  language: EvalLanguage;
  files: number;
  documentedFunctions: number;
  queries: number;
  indexSeconds: number;
  rows: EvalRow[];
}

export interface EvalOptions {
  corpus: string;
  language: EvalLanguage;
  /** Scratch folder for the stripped copy and its index. */
  workDir: string;
  sample?: number;
  configs?: readonly EvalConfig[];
  embedder?: Embedder;
  /** The bundled worker (dist/worker.js): index in worker threads. */
  workerPath?: string;
  onProgress?: (message: string) => void;
}

/** 1-based rank of the first hit satisfying `matches`, or 0 when none of the top 10 does. */
function rankOf(hits: readonly SearchHit[], matches: (hit: SearchHit) => boolean): number {
  const index = hits.slice(0, 10).findIndex(matches);
  return index + 1;
}

export function score(ranks: readonly number[]): Scores {
  const n = ranks.length || 1;
  const within = (k: number): number => ranks.filter((r) => r > 0 && r <= k).length / n;
  return { mrr10: ranks.reduce((sum, r) => sum + (r > 0 ? 1 / r : 0), 0) / n, recall1: within(1), recall5: within(5), recall10: within(10) };
}

export async function runEval(options: EvalOptions): Promise<EvalReport> {
  const progress = options.onProgress ?? (() => undefined);
  progress(`reading ${options.corpus}`);
  const corpus = await buildEvalCorpus(options.corpus, options.language);
  const root = path.join(options.workDir, "corpus");
  await fs.rm(options.workDir, { recursive: true, force: true });
  for (const file of corpus.files) {
    await fs.mkdir(path.dirname(path.join(root, file.path)), { recursive: true });
    await fs.writeFile(path.join(root, file.path), file.text);
  }
  const index = await Codebase.open({
    folders: [{ name: "corpus", root, dbPath: path.join(options.workDir, "index") }], embedder: options.embedder, workerPath: options.workerPath,
  });
  try {
    progress(`indexing ${corpus.files.length} files (doc comments stripped)`);
    const [indexed] = await index.index();
    await index.maintenanceIdle();
    const targets: EvalTarget[] = sampleTargets(corpus.targets, options.sample ?? 2000);
    if (targets.length === 0) throw new Error(`No documented functions in ${options.corpus}: the eval asks for functions by their doc comments, and found none to ask for.`);
    const rows: EvalRow[] = [];
    for (const config of options.configs ?? EVAL_CONFIGS) {
      progress(`${config.name}: ${targets.length} queries`);
      const symbolRanks: number[] = [];
      const fileRanks: number[] = [];
      const started = performance.now();
      for (const target of targets) {
        const hits = await index.search(target.query, { ...config.options, limit: 10 });
        symbolRanks.push(rankOf(hits, (hit) => hit.path === target.path && hit.startLine <= target.line && target.line <= hit.endLine));
        fileRanks.push(rankOf(hits, (hit) => hit.path === target.path));
      }
      rows.push({ config: config.name, symbol: score(symbolRanks), file: score(fileRanks), meanMs: (performance.now() - started) / targets.length });
    }
    return {
      corpus: options.corpus, language: options.language, files: corpus.files.length, documentedFunctions: corpus.targets.length,
      queries: targets.length, indexSeconds: indexed.seconds, rows,
    };
  } finally {
    index.close();
  }
}

export function formatReport(report: EvalReport): string {
  const f = (x: number): string => x.toFixed(3);
  const lines = [
    `${report.corpus} (${report.language}): ${report.files} files, ${report.documentedFunctions} documented functions, ` +
      `${report.queries} queries; indexed in ${report.indexSeconds.toFixed(1)} s`,
    "config           | symbol MRR@10  R@1    R@5    R@10  | file MRR@10  R@1    R@5    R@10  | ms/query",
    "-----------------|-----------------------------------|---------------------------------|---------",
  ];
  for (const row of report.rows) {
    const s = row.symbol;
    const fl = row.file;
    lines.push(
      `${row.config.padEnd(17)}| ${f(s.mrr10)}         ${f(s.recall1)}  ${f(s.recall5)}  ${f(s.recall10)} | ` +
        `${f(fl.mrr10)}       ${f(fl.recall1)}  ${f(fl.recall5)}  ${f(fl.recall10)} | ${row.meanMs.toFixed(1)}`,
    );
  }
  return lines.join("\n");
}
