// Fits and checks the hit relevance (retrieval/confidence.ts). Every query's top 10 hits are
// samples: their score, score over the top hit's and coverage, and whether each is what was asked
// for (the target function of a doc->function query; a file a commit changed). Each index is also
// asked the questions of another corpus, which it has no answer to: all their hits are negatives,
// so the curve learns what "nothing close" looks like. Fitted (logistic regression, Newton's
// method) on Python's stdlib doc->function eval and the histories given with --history; the
// reliability table, precision and recall per threshold, and how often the best hit of a question
// without an answer stays under the threshold are printed for the fitting corpora and for
// held-out ones (three.js and openai-node doc->function, --held-out-history repositories).
//
//   node --import tsx bench/calibrate.ts --history DIR ... [--held-out-history DIR ...] [--fitted]
import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Codebase } from "../src/core/codebase/codebase";
import { buildEvalCorpus, type EvalLanguage, sampleTargets } from "../src/core/eval/docQueries";
import { historyQueries } from "../src/core/eval/historyQueries";
import { CONFIDENCE, relevance, type RelevanceFeatures } from "../src/core/retrieval/confidence";
import type { SearchHit } from "../src/core/retrieval/types";

interface Sample extends RelevanceFeatures {
  relevant: boolean;
  /** The best hit of its search. */
  best: boolean;
}

interface Corpus {
  name: string;
  codebase: Codebase;
  questions: Array<{ query: string; relevant: (hit: SearchHit) => boolean }>;
}

const WORKER = path.resolve(__dirname, "..", "dist", "worker.js");
const WORK = path.join(os.tmpdir(), `groundwork-calibrate-${process.pid}`);
type Weights = typeof CONFIDENCE;

async function openIndex(root: string, workDir: string): Promise<Codebase> {
  const codebase = await Codebase.open({ folders: [{ name: "eval", root, dbPath: path.join(workDir, "index") }], workerPath: WORKER });
  await codebase.index();
  await codebase.maintenanceIdle();
  return codebase;
}

async function docCorpus(name: string, dir: string, language: EvalLanguage): Promise<Corpus> {
  const built = await buildEvalCorpus(dir, language);
  const workDir = path.join(WORK, name);
  const root = path.join(workDir, "corpus");
  for (const file of built.files) {
    await fs.mkdir(path.dirname(path.join(root, file.path)), { recursive: true });
    await fs.writeFile(path.join(root, file.path), file.text);
  }
  const questions = sampleTargets(built.targets, 500).map((target) => ({
    query: target.query,
    relevant: (hit: SearchHit) => hit.path === target.path && hit.startLine <= target.line && target.line <= hit.endLine,
  }));
  return { name, codebase: await openIndex(root, workDir), questions };
}

async function historyCorpus(repo: string): Promise<Corpus> {
  const name = path.basename(repo);
  const workDir = path.join(WORK, `h-${name}`);
  execFileSync("git", ["clone", "--quiet", "--shared", repo, path.join(workDir, "checkout")]);
  const { queries } = await historyQueries(repo, 150);
  const questions = queries.map((q) => ({ query: q.query, relevant: (hit: SearchHit) => q.targets.includes(hit.path) }));
  return { name: `${name} history`, codebase: await openIndex(path.join(workDir, "checkout"), workDir), questions };
}

async function samplesFor(codebase: Codebase, questions: Corpus["questions"], foreign = false): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (const question of questions) {
    const hits = (await codebase.search(question.query, { limit: 10 })).filter((hit) => !hit.expandedFrom);
    const top = hits[0]?.score ?? 0;
    hits.forEach((hit, i) => samples.push({
      score: hit.score, ratio: top > 0 ? hit.score / top : 0, coverage: hit.scores.coverage ?? 0, relevant: !foreign && question.relevant(hit), best: i === 0,
    }));
  }
  return samples;
}

/** Each corpus's own questions, and (as questions without an answer) the next corpus's. */
async function corpusSamples(corpora: readonly Corpus[]): Promise<{ own: Sample[]; foreign: Sample[] }> {
  const own: Sample[] = [];
  const foreign: Sample[] = [];
  for (const [i, corpus] of corpora.entries()) {
    own.push(...(await samplesFor(corpus.codebase, corpus.questions)));
    const other = corpora[(i + 1) % corpora.length];
    if (other !== corpus) foreign.push(...(await samplesFor(corpus.codebase, other.questions.slice(0, 150), true)));
  }
  return { own, foreign };
}

const NAMES = ["bias", "score", "ratio", "coverage"] as const;
/** The features fitted (--features score,ratio,coverage): the others keep weight 0. */
let used: ReadonlyArray<(typeof NAMES)[number]> = NAMES;
const FEATURES = (s: RelevanceFeatures): number[] => used.map((name) => (name === "bias" ? 1 : s[name]));

/** Logistic regression by Newton's method (a small solve per step). */
function fit(samples: readonly Sample[]): Weights {
  const n = used.length;
  let w = new Array<number>(n).fill(0);
  for (let step = 0; step < 30; step++) {
    const g = new Array<number>(n).fill(0);
    const h = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (const s of samples) {
      const x = FEATURES(s);
      const p = 1 / (1 + Math.exp(-x.reduce((sum, xi, i) => sum + xi * w[i], 0)));
      for (let i = 0; i < n; i++) {
        g[i] += (p - (s.relevant ? 1 : 0)) * x[i];
        for (let j = 0; j < n; j++) h[i][j] += p * (1 - p) * x[i] * x[j] + (i === j ? 1e-6 : 0);
      }
    }
    const d = solve(h, g);
    w = w.map((wi, i) => wi - d[i]);
  }
  const weights: Weights = { bias: 0, score: 0, ratio: 0, coverage: 0 };
  used.forEach((name, i) => (weights[name] = w[i]));
  return weights;
}

/** Solves h·d = g by Gaussian elimination (h is small and positive definite). */
function solve(h: number[][], g: number[]): number[] {
  const n = g.length;
  const m = h.map((row, i) => [...row, g[i]]);
  for (let c = 0; c < n; c++) {
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  const d = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let rest = 0;
    for (let k = r + 1; k < n; k++) rest += m[r][k] * d[k];
    d[r] = (m[r][n] - rest) / m[r][r];
  }
  return d;
}

function report(name: string, own: readonly Sample[], foreign: readonly Sample[], weights: Weights): void {
  const all = [...own, ...foreign];
  const rel = (s: Sample): number => relevance(s, weights);
  const logLoss = all.reduce((sum, s) => sum - Math.log(Math.max(1e-9, s.relevant ? rel(s) : 1 - rel(s))), 0) / all.length;
  console.log(`\n${JSON.stringify(weights)}: log loss ${logLoss.toFixed(4)}`);
  console.log(`\n## ${name}: ${own.length} hits of its own questions (${own.filter((s) => s.relevant).length} relevant), ${foreign.length} of questions it has no answer to`);
  console.log("relevance | hits  | share relevant");
  for (let bin = 0; bin < 10; bin++) {
    const inBin = all.filter((s) => Math.min(9, Math.floor(rel(s) * 10)) === bin);
    if (inBin.length > 0) console.log(`${(bin / 10).toFixed(1)}-${((bin + 1) / 10).toFixed(1)}   | ${String(inBin.length).padEnd(5)} | ${(inBin.filter((s) => s.relevant).length / inBin.length).toFixed(2)}`);
  }
  console.log("threshold | hits kept (own) | precision | recall | no-answer questions with nothing kept");
  const relevantTotal = own.filter((s) => s.relevant).length || 1;
  const foreignBest = foreign.filter((s) => s.best);
  for (const threshold of [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4]) {
    const kept = own.filter((s) => rel(s) >= threshold);
    const right = kept.filter((s) => s.relevant).length;
    const silent = foreignBest.filter((s) => rel(s) < threshold).length / (foreignBest.length || 1);
    console.log(`${threshold.toFixed(2)}      | ${(kept.length / (own.length || 1)).toFixed(2).padEnd(15)} | ${(right / (kept.length || 1)).toFixed(2).padEnd(9)} | ${(right / relevantTotal).toFixed(2)}   | ${silent.toFixed(2)}`);
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const listOf = (flag: string): string[] => args.flatMap((arg, i) => (args[i - 1] === flag ? [arg] : []));
  const fittingCorpora = [await docCorpus("stdlib", "/usr/lib/python3.11", "python")];
  for (const repo of listOf("--history")) fittingCorpora.push(await historyCorpus(repo));
  const fitting = await corpusSamples(fittingCorpora);
  const featureSets = listOf("--features").map((list) => ["bias", ...list.split(",")] as Array<(typeof NAMES)[number]>);
  const candidates: Weights[] = [];
  for (const set of featureSets.length ? featureSets : [NAMES]) {
    used = set;
    candidates.push(fit([...fitting.own, ...fitting.foreign]));
  }
  console.log(`fitted: ${candidates.map((w) => JSON.stringify(w)).join("\n        ")}\nin use: ${JSON.stringify(CONFIDENCE)}`);
  const shown = args.includes("--fitted") ? candidates : [CONFIDENCE];
  for (const weights of shown) report("fitting corpora", fitting.own, fitting.foreign, weights);
  const heldOut = [
    await docCorpus("three", path.resolve(__dirname, "..", "node_modules", "three", "src"), "javascript"),
    await docCorpus("openai", path.resolve(__dirname, "..", "node_modules", "openai", "src"), "typescript"),
  ];
  for (const repo of listOf("--held-out-history")) heldOut.push(await historyCorpus(repo));
  const held = await corpusSamples(heldOut);
  for (const weights of shown) report(`held out (${heldOut.map((c) => c.name).join(", ")})`, held.own, held.foreign, weights);
  for (const corpus of [...fittingCorpora, ...heldOut]) corpus.codebase.close();
  await fs.rm(WORK, { recursive: true, force: true });
}

void main();
