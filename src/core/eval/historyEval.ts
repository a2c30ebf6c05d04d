// Retrieval measured on a team's own repository: the queries are its commit messages, the answers
// the source files each commit changed (historyQueries.ts). The index is built from a checkout of
// HEAD with everything a developer has (tests, docs, changelogs), and each configuration's ranked
// files are scored, beside ripgrep with the message's keywords.
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { Codebase } from "../codebase/codebase";
import type { Embedder } from "../embed/embedder";
import type { SearchHit, SearchOptions } from "../retrieval/types";
import { grepRank, ripgrepAvailable } from "./grepBaseline";
import { type HistoryQuery, historyQueries, type HistorySelection } from "./historyQueries";
import { type EvalConfig, score, type Scores } from "./runEval";

const run = promisify(execFile);

export const HISTORY_CONFIGS: readonly EvalConfig[] = [
  { name: "vector", options: { mode: "vector" } },
  { name: "text", options: { mode: "text" } },
  { name: "hybrid", options: { mode: "hybrid" } },
];

/** With a neural embedder: its vectors alone, and hybrid with and without them. */
export const NEURAL_HISTORY_CONFIGS: readonly EvalConfig[] = [
  { name: "vector (builtin)", options: { mode: "vector", neural: false } },
  { name: "vector (neural)", options: { mode: "vector", builtinVectors: false } },
  { name: "text", options: { mode: "text" } },
  { name: "hybrid (builtin)", options: { mode: "hybrid", neural: false } },
  { name: "hybrid + neural", options: { mode: "hybrid" } },
];

export const RIPGREP_ROW = "ripgrep keywords";

export interface HistoryRow {
  config: string;
  file: Scores;
  /** Mean query latency, milliseconds. */
  meanMs: number;
  /** Per query, the 1-based rank of its first target among the distinct files (0: not in the top 10). */
  ranks: number[];
}

export interface HistoryReport {
  repo: string;
  head: string;
  selection: Omit<HistorySelection, "queries">;
  queries: HistoryQuery[];
  files: number;
  chunks: number;
  /** As status names them (`builtin/512 + model/1024`). */
  embedders: string;
  indexSeconds: number;
  rows: HistoryRow[];
  /** Why a row is missing (ripgrep not installed). */
  notes: string[];
}

export interface HistoryEvalOptions {
  repo: string;
  /** Scratch folder for the checkout of HEAD and its index. */
  workDir: string;
  maxQueries?: number;
  configs?: readonly EvalConfig[];
  embedder?: Embedder;
  /** A neural embedder: its vectors go beside the builtin ones, and the rows compare with and without them. */
  neural?: Embedder;
  workerPath?: string;
  /** Leave the ripgrep row out. */
  noGrep?: boolean;
  onProgress?: (message: string) => void;
  /** Stops the checkout (its git processes are ended, not left writing) and the index run. */
  signal?: AbortSignal;
}

/** The distinct files of the hits, in order of their best hit. */
export function rankedFiles(hits: readonly SearchHit[], limit = 10): string[] {
  const files: string[] = [];
  for (const hit of hits) {
    if (!files.includes(hit.path)) files.push(hit.path);
    if (files.length === limit) break;
  }
  return files;
}

/** 1-based rank of the first target among the files, 0 when none is there. */
function firstTarget(files: readonly string[], targets: readonly string[]): number {
  return files.findIndex((file) => targets.includes(file)) + 1;
}

export async function runHistoryEval(options: HistoryEvalOptions): Promise<HistoryReport> {
  const progress = options.onProgress ?? (() => undefined);
  const repo = path.resolve(options.repo);
  const { stdout: headOut } = await run("git", ["-C", repo, "rev-parse", "HEAD"]).catch(() => {
    throw new Error(`${repo} is not a git repository with commits (git rev-parse HEAD failed).`);
  });
  const head = headOut.trim();
  progress(`reading the history of ${repo}`);
  const { queries, ...selection } = await historyQueries(repo, options.maxQueries ?? 150);
  if (queries.length === 0) throw new Error(`No usable commits in ${repo}: none changed 1 to 3 source files that still exist, with a message of 3 words or more.`);
  const checkout = path.join(options.workDir, "checkout");
  await fs.rm(options.workDir, { recursive: true, force: true });
  await fs.mkdir(options.workDir, { recursive: true });
  await run("git", ["clone", "--quiet", "--shared", repo, checkout], { signal: options.signal });
  await run("git", ["-C", checkout, "checkout", "--quiet", "--detach", head], { signal: options.signal });
  const codebase = await Codebase.open({
    folders: [{ name: path.basename(repo), root: checkout, dbPath: path.join(options.workDir, "index") }], embedder: options.embedder, workerPath: options.workerPath,
    neural: options.neural,
  });
  try {
    progress(`indexing HEAD (${head.slice(0, 12)})`);
    const [indexed] = await codebase.index({ signal: options.signal });
    options.signal?.throwIfAborted();
    await codebase.maintenanceIdle();
    const [status] = await codebase.status();
    const notes: string[] = [];
    // A file the index does not hold (excluded, too large, generated) is no miss of retrieval: it is no answer, and a query left without one is left out.
    const files = new Set((await codebase.suggestMentions("", "file", Number.MAX_SAFE_INTEGER)).map((item) => item.value));
    const answerable = queries.flatMap((query) => {
      const targets = query.targets.filter((target) => files.has(target));
      return targets.length > 0 ? [{ ...query, targets }] : [];
    });
    if (answerable.length === 0) throw new Error(`No usable commits in ${repo}: the files the selected commits changed are not indexed (excluded, too large or generated).`);
    if (answerable.length < queries.length) notes.push(`${queries.length - answerable.length} of ${queries.length} queries left out: the files they changed are not indexed`);
    const rows: HistoryRow[] = [];
    for (const config of options.configs ?? (options.neural ? NEURAL_HISTORY_CONFIGS : HISTORY_CONFIGS)) {
      progress(`${config.name}: ${answerable.length} queries`);
      rows.push(await measure(config.name, answerable, async (query) => rankedFiles(await codebase.search(query, { limit: 40, ...config.options } satisfies SearchOptions))));
    }
    if (options.noGrep) notes.push("ripgrep row left out (--no-grep)");
    else if (!ripgrepAvailable()) notes.push("ripgrep row left out: rg is not installed (apt-get install ripgrep)");
    else {
      progress(`${RIPGREP_ROW}: ${answerable.length} queries`);
      rows.push(await measure(RIPGREP_ROW, answerable, (query) => grepRank(checkout, query, 10, files)));
    }
    return { repo, head, selection, queries: answerable, files: status.filesIndexed, chunks: status.chunks, embedders: status.embedder, indexSeconds: indexed.seconds, rows, notes };
  } finally {
    codebase.close();
  }
}

async function measure(name: string, queries: readonly HistoryQuery[], rank: (query: string) => Promise<string[]>): Promise<HistoryRow> {
  const ranks: number[] = [];
  const started = performance.now();
  for (const query of queries) ranks.push(firstTarget(await rank(query.query), query.targets));
  return { config: name, file: score(ranks), meanMs: (performance.now() - started) / queries.length, ranks };
}

export function formatHistoryReport(report: HistoryReport): string {
  const f = (x: number): string => x.toFixed(3);
  const skipped = Object.entries(report.selection.skipped).filter(([, n]) => n > 0).map(([why, n]) => `${n} ${why}`).join(", ");
  const lines = [
    `${report.repo} at ${report.head.slice(0, 12)}: ${report.queries.length} queries from the newest ${report.selection.commits} commits` +
      (skipped ? ` (left out: ${skipped})` : ""),
    `index of HEAD: ${report.files} files, ${report.chunks} chunks, built in ${report.indexSeconds.toFixed(1)} s`,
    `embedders: ${report.embedders}`,
    "config            | file MRR@10  R@1    R@5    R@10  | ms/query",
    "------------------|----------------------------------|---------",
  ];
  for (const row of report.rows) {
    const s = row.file;
    lines.push(`${row.config.padEnd(18)}| ${f(s.mrr10)}       ${f(s.recall1)}  ${f(s.recall5)}  ${f(s.recall10)} | ${row.meanMs.toFixed(1)}`);
  }
  for (const note of report.notes) lines.push(note);
  return lines.join("\n");
}
