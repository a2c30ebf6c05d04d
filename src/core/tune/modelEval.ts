// Tune or index, measured: repository-level completion of held-out functions of the team's own code
// (the dataset's test split, sampled by seed). Each model fills each masked body with and without
// Groundwork's retrieved context (the same prompt inline completions send), and the filled code is
// scored: exact match, edit similarity, identifier F1, whether the file still parses, latency and
// tokens. Results are appended as they come, so an interrupted run resumes where it stopped.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { Parser } from "web-tree-sitter";
import { loadLanguage } from "../chunk/grammars";
import { languageSpec } from "../chunk/languages";
import type { Codebase } from "../codebase/codebase";
import type { AuditLog } from "../model/audit";
import type { ModelClient } from "../model/client";
import { CompletionEngine } from "../model/completions";
import { ModelError } from "../model/errors";
import type { GroundingSource } from "../model/groundedChat";
import type { ModelProfile } from "../model/profiles";
import { sha256Hex } from "../util/hash";
import { errorMessage } from "../util/host";
import { identifiers } from "../util/text";
import { type FimTask, fimTasks, seededOrder, sourceFiles, type SplitRule, testFiles } from "./tasks";

export type RetrievalMode = "off" | "on";

export interface TaskResult {
  task: string;
  profile: string;
  retrieval: RetrievalMode;
  exact: boolean;
  editSimilarity: number;
  identifierF1: number;
  /** Whether the file with the filled body parses without errors; null when the original does not. */
  parses: boolean | null;
  latencyMs: number;
  promptTokens?: number;
  completionTokens?: number;
  error?: string;
  /** The kind of the model's error (ModelError), when it failed. */
  errorKind?: string;
  /** What the result was made from (the profile's model and server, the task's code): a resumed run reuses it only when they are the same. */
  inputs?: string;
}

export interface CellSummary {
  profile: string;
  retrieval: RetrievalMode;
  tasks: number;
  errors: number;
  /** Means over the tasks answered without an error; null when none was. */
  exact: number | null;
  editSimilarity: number | null;
  identifierF1: number | null;
  /** Of the answers whose original file parses; null when there are none. */
  parses: number | null;
  p50Ms: number;
  p95Ms: number;
  promptTokens: number;
  completionTokens: number;
}

export interface ModelEvalReport {
  tasks: number;
  cells: CellSummary[];
  verdict: string;
}

export interface ModelEvalOptions {
  codebase: Codebase;
  root: string;
  /** The model (and the one it is compared against), with their clients. */
  models: Array<{ profile: ModelProfile; client: ModelClient }>;
  tasks?: number;
  retrieval?: "both" | RetrievalMode;
  concurrency?: number;
  out: string;
  seed?: string;
  testShare?: number;
  split?: SplitRule;
  signal?: AbortSignal;
  /** Every request gets its audit line, as inline completions' do. */
  audit?: AuditLog;
  onProgress?: (done: number, total: number) => void;
}

const NO_RETRIEVAL: GroundingSource = { search: async () => [], conventionsFor: async () => [], conventionDigest: async () => "" };

/** The held-out tasks: bodies of functions in the test split's files, in a seeded order. */
export async function evalTasks(root: string, count: number, options: { seed?: string; testShare?: number; split?: SplitRule; signal?: AbortSignal } = {}): Promise<FimTask[]> {
  const files = await sourceFiles(root, { signal: options.signal });
  const seed = options.seed ?? "1";
  const test = await testFiles(root, files.map((f) => f.path), options.split ?? "file", options.testShare ?? 0.1, seed);
  // A held-out body copied into a train file is not held out: a tuned model may know it by heart.
  const body = (task: FimTask): string => task.middle.replace(/\s+/g, " ").trim();
  const trained = new Set(files.filter((file) => !test.has(file.path)).flatMap((file) => fimTasks(file, 40).map(body)));
  const tasks = files.filter((file) => test.has(file.path)).flatMap((file) => fimTasks(file, 40)).filter((task) => !trained.has(body(task)));
  return seededOrder(tasks, (task) => task.id, seed).slice(0, count);
}

export async function runModelEval(options: ModelEvalOptions): Promise<ModelEvalReport> {
  const tasks = await evalTasks(options.root, options.tasks ?? 40, options);
  if (tasks.length === 0) throw new Error(`No held-out functions in ${options.root}: no test-split file has a function or method with a body of 2 to 40 lines.`);
  await fs.mkdir(options.out, { recursive: true });
  const resultsFile = path.join(options.out, "results.jsonl");
  const done = new Map<string, TaskResult>();
  let kept = await fs.readFile(resultsFile, "utf8").catch(() => "");
  if (kept && !kept.endsWith("\n")) {
    // An earlier run killed mid-append: its cut-off last line goes (that task runs again), so appends start on a line of their own.
    kept = kept.slice(0, kept.lastIndexOf("\n") + 1);
    await fs.writeFile(resultsFile, kept);
  }
  for (const line of kept.split("\n")) {
    if (!line.trim()) continue;
    let result: TaskResult;
    try {
      result = JSON.parse(line) as TaskResult;
    } catch {
      continue; // a line cut off when an earlier run was killed: that task runs again
    }
    // Failed tasks are tried again on a resumed run.
    if (!result.error) done.set(key(result.profile, result.retrieval, result.task), result);
  }
  const modes: RetrievalMode[] = options.retrieval === "on" ? ["on"] : options.retrieval === "off" ? ["off"] : ["off", "on"];
  const jobs = options.models.flatMap(({ profile, client }) => modes.map((mode) => ({
    profile, mode,
    engine: new CompletionEngine({ client, source: mode === "on" ? options.codebase : NO_RETRIEVAL, cacheSize: 1, budget: { maxOutputTokens: 512 }, audit: options.audit }),
  })));
  // A kept result counts only when made from the same model, server and code (a function edited in place keeps its id).
  const current = (job: (typeof jobs)[number], task: FimTask): boolean => done.get(key(job.profile.id, job.mode, task.id))?.inputs === inputsOf(job.profile, task);
  for (const job of jobs) for (const task of tasks) if (!current(job, task)) done.delete(key(job.profile.id, job.mode, task.id));
  const pending = jobs.flatMap((job) => tasks.filter((task) => !done.has(key(job.profile.id, job.mode, task.id))).map((task) => ({ job, task })));
  const total = jobs.length * tasks.length;
  let finished = total - pending.length;
  const results = [...done.values()];
  // A model whose server refused or failed to answer each of its first requests (down, a wrong key or model name) is sent no more:
  // at a minute or two a request, a dead server would hold the run for hours. Its other tasks are errors, tried again on a resumed run.
  const health = new Map<string, { answered: number; failedInARow: number; dead?: string }>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pending.length) {
      options.signal?.throwIfAborted();
      const { job, task } = pending[next++];
      const state = health.get(job.profile.id) ?? { answered: 0, failedInARow: 0 };
      health.set(job.profile.id, state);
      const filled = state.dead
        ? unanswered({ task: task.id, profile: job.profile.id, retrieval: job.mode }, state.dead, 0)
        : await fill(job.engine, job.profile.id, job.mode, task, options.codebase.pathOf(path.join(options.root, task.path)) ?? task.path, options.signal);
      if (!filled.error) [state.answered, state.failedInARow] = [state.answered + 1, 0];
      else if (!state.dead && filled.errorKind && DEAD_SERVER.has(filled.errorKind) && ++state.failedInARow >= 3 && state.answered === 0) {
        state.dead = `not sent: the model's server failed its first ${state.failedInARow} requests (${filled.error})`;
      }
      const result = { ...filled, inputs: inputsOf(job.profile, task) };
      results.push(result);
      await fs.appendFile(resultsFile, JSON.stringify(result) + "\n");
      options.onProgress?.(++finished, total);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 2, pending.length)) }, worker));
  const latest = new Map(results.map((r) => [key(r.profile, r.retrieval, r.task), r]));
  const cells = jobs.map((job) => summarize(job.profile.id, job.mode, tasks.map((task) => latest.get(key(job.profile.id, job.mode, task.id))!).filter(Boolean)));
  const report = { tasks: tasks.length, cells, verdict: verdict(options.models.map((m) => m.profile), tasks, latest) };
  await fs.writeFile(path.join(options.out, "report.json"), JSON.stringify({ ...report, date: new Date().toISOString() }, null, 2) + "\n");
  await fs.writeFile(path.join(options.out, "report.md"), formatModelEval(report));
  return report;
}

/** A digest of what a result depends on besides its key: the profile's model, kind, server and adapter, and the task's code. */
function inputsOf(profile: ModelProfile, task: FimTask): string {
  const model = JSON.stringify([profile.model, profile.kind, profile.baseURL, profile.adapterPath ?? "", profile.fim ?? ""]);
  return sha256Hex(`${model}\n${task.prefix}\u0000${task.middle}\u0000${task.suffix}`).slice(0, 16);
}

/** Failures that say the server is down or refuses this caller or model, not that one request went wrong. */
const DEAD_SERVER = new Set(["unreachable", "timeout", "unauthorized", "unknown-model"]);

function key(profile: string, mode: RetrievalMode, task: string): string {
  return `${profile}\u0000${mode}\u0000${task}`;
}

/** `codebasePath`: the task's file as retrieval names it (folder-prefixed in a multi-root workspace), so its own code is never its context. */
async function fill(engine: CompletionEngine, profile: string, retrieval: RetrievalMode, task: FimTask, codebasePath: string, signal?: AbortSignal): Promise<TaskResult> {
  const started = performance.now();
  const base = { task: task.id, profile, retrieval };
  try {
    const result = await engine.complete({ path: codebasePath, language: task.language, prefix: task.prefix, suffix: task.suffix, signal });
    // The latency is the completion's: taken before scoring (and the first parse's grammar loading).
    const latencyMs = Math.round(performance.now() - started);
    // Cancelled (the engine gives up without an answer): not a result, so a resumed run does the task again.
    signal?.throwIfAborted();
    const text = result?.text ?? "";
    return {
      ...base, ...score(text, task.middle), parses: await parsesFilled(task, text), latencyMs,
      promptTokens: result?.usage?.promptTokens, completionTokens: result?.usage?.completionTokens,
    };
  } catch (error) {
    if (signal?.aborted) throw error;
    return { ...unanswered(base, errorMessage(error), Math.round(performance.now() - started)), errorKind: error instanceof ModelError ? error.kind : undefined };
  }
}

/** A task with no answer to score: its error says why. */
function unanswered(base: Pick<TaskResult, "task" | "profile" | "retrieval">, error: string, latencyMs: number): TaskResult {
  return { ...base, exact: false, editSimilarity: 0, identifierF1: 0, parses: null, latencyMs, error };
}

const normalize = (text: string): string => text.replace(/\r\n/g, "\n").split("\n").map((line) => line.trimEnd()).join("\n").trim();

export function score(completion: string, expected: string): Pick<TaskResult, "exact" | "editSimilarity" | "identifierF1"> {
  const a = normalize(completion);
  const b = normalize(expected);
  return { exact: a === b, editSimilarity: editSimilarity(a, b), identifierF1: identifierF1(a, b) };
}

/** 1 − Levenshtein distance over the longer length (texts cut to 3,000 characters). */
export function editSimilarity(a: string, b: string): number {
  const s = a.slice(0, 3000);
  const t = b.slice(0, 3000);
  if (!s && !t) return 1;
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1));
    previous = current;
  }
  return 1 - previous[t.length] / Math.max(s.length, t.length);
}

export function identifierF1(a: string, b: string): number {
  const got = new Set(identifiers(a));
  const want = new Set(identifiers(b));
  if (got.size === 0 && want.size === 0) return 1;
  const common = [...got].filter((id) => want.has(id)).length;
  if (common === 0) return 0;
  const precision = common / got.size;
  const recall = common / want.size;
  return (2 * precision * recall) / (precision + recall);
}

const parsers = new Map<string, Promise<Parser>>();

async function parserFor(language: string): Promise<Parser | undefined> {
  const spec = languageSpec(language);
  if (!spec) return undefined;
  if (!parsers.has(language)) {
    parsers.set(language, loadLanguage(spec).then((grammar) => {
      const parser = new Parser();
      parser.setLanguage(grammar);
      return parser;
    }));
  }
  return parsers.get(language);
}

/** Whether the file with the body filled in parses without error nodes; null when the original file does not. */
async function parsesFilled(task: FimTask, completion: string): Promise<boolean | null> {
  const parser = await parserFor(task.language);
  if (!parser) return null;
  const clean = (text: string): boolean => {
    const tree = parser.parse(text);
    const ok = tree ? !tree.rootNode.hasError : false;
    tree?.delete();
    return ok;
  };
  if (!clean(task.prefix + task.middle + task.suffix)) return null;
  return clean(task.prefix + (completion.endsWith("\n") ? completion : `${completion}\n`) + task.suffix);
}

/** The nearest-rank percentile: the smallest value with at least p% of the values at or below it. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function summarize(profile: string, retrieval: RetrievalMode, results: readonly TaskResult[]): CellSummary {
  // A server's error says nothing of the model: it is counted apart, not scored as a wrong answer.
  const ok = results.filter((r) => !r.error);
  const mean = (f: (r: TaskResult) => number): number | null => (ok.length ? ok.reduce((sum, r) => sum + f(r), 0) / ok.length : null);
  const parsed = ok.filter((r) => r.parses !== null);
  return {
    profile, retrieval, tasks: results.length, errors: results.length - ok.length,
    exact: mean((r) => (r.exact ? 1 : 0)), editSimilarity: mean((r) => r.editSimilarity), identifierF1: mean((r) => r.identifierF1),
    parses: parsed.length ? parsed.filter((r) => r.parses).length / parsed.length : null,
    p50Ms: percentile(ok.map((r) => r.latencyMs), 50), p95Ms: percentile(ok.map((r) => r.latencyMs), 95),
    promptTokens: ok.reduce((sum, r) => sum + (r.promptTokens ?? 0), 0), completionTokens: ok.reduce((sum, r) => sum + (r.completionTokens ?? 0), 0),
  };
}

/** A seeded generator for the bootstrap (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The mean of `f` over tasks, and its 95% interval by resampling the tasks 1,000 times. */
function bootstrap(tasks: readonly FimTask[], f: (task: FimTask) => number): { mean: number; low: number; high: number } {
  const values = tasks.map(f);
  const mean = values.reduce((a, b) => a + b, 0) / (values.length || 1);
  const next = random(12345);
  const means: number[] = [];
  for (let i = 0; i < 1000; i++) {
    let sum = 0;
    for (let j = 0; j < values.length; j++) sum += values[Math.floor(next() * values.length)];
    means.push(sum / (values.length || 1));
  }
  return { mean, low: percentile(means, 2.5), high: percentile(means, 97.5) };
}

/**
 * Which combination wins (edit similarity), by how much, and how much of the LoRA's gain retrieval
 * alone gets: compared on the tasks every combination answered without an error (paired).
 */
function verdict(profiles: readonly ModelProfile[], allTasks: readonly FimTask[], results: ReadonlyMap<string, TaskResult>): string {
  const sim = (profile: string, mode: RetrievalMode) => (task: FimTask): number => results.get(key(profile, mode, task.id))?.editSimilarity ?? 0;
  const answered = (profile: string, mode: RetrievalMode, task: FimTask): boolean => results.get(key(profile, mode, task.id))?.error === undefined && results.has(key(profile, mode, task.id));
  const ran = profiles.flatMap((p) => (["off", "on"] as const).filter((mode) => allTasks.some((t) => results.has(key(p.id, mode, t.id)))).map((mode) => ({ p, mode })));
  if (ran.length === 0) return "No results.";
  const tasks = allTasks.filter((task) => ran.every(({ p, mode }) => answered(p.id, mode, task)));
  if (tasks.length === 0) return "No verdict: no held-out function was answered without an error in every combination (see the errors column).";
  const combos = ran.map(({ p, mode }) => ({ p, mode, m: bootstrap(tasks, sim(p.id, mode)).mean }));
  combos.sort((a, b) => b.m - a.m);
  const [best, second] = combos;
  const name = (c: (typeof combos)[number]): string => `${c.p.id} ${c.mode === "on" ? "with" : "without"} retrieval`;
  const lines = [`Best: ${name(best)}, edit similarity ${best.m.toFixed(3)}${second ? `, ${(best.m - second.m).toFixed(3)} above ${name(second)}` : ""}.`];
  const base = profiles.find((p) => p.kind !== "lora") ?? profiles[0];
  const lora = profiles.find((p) => p.kind === "lora" && p !== base);
  if (lora && combos.some((c) => c.p === base && c.mode === "on") && combos.some((c) => c.p === lora && c.mode === "off")) {
    const gain = bootstrap(tasks, (t) => sim(lora.id, "off")(t) - sim(base.id, "off")(t));
    const retrieval = bootstrap(tasks, (t) => sim(base.id, "on")(t) - sim(base.id, "off")(t));
    const share = gain.mean > 0 ? `${Math.round((retrieval.mean / gain.mean) * 100)}% of it` : "the LoRA does not beat the base model here";
    lines.push(
      `The LoRA (${lora.id}) gains ${gain.mean.toFixed(3)} [95% CI ${gain.low.toFixed(3)}, ${gain.high.toFixed(3)}] over ${base.id} without retrieval; ` +
        `retrieval alone gains ${retrieval.mean.toFixed(3)} [${retrieval.low.toFixed(3)}, ${retrieval.high.toFixed(3)}]: ${share}.`,
    );
  }
  if (tasks.length < allTasks.length) lines.push(`Compared on the ${tasks.length} of ${allTasks.length} functions every combination answered: the others had a server error in at least one.`);
  return lines.join(" ");
}

/** A mean as the reports show it: "n/a" when there was nothing to average. */
export function shownMean(x: number | null): string {
  return x === null ? "n/a" : x.toFixed(3);
}

export function formatModelEval(report: ModelEvalReport): string {
  const f = shownMean;
  const rows = report.cells.map((c) =>
    `| ${c.profile} | ${c.retrieval === "on" ? "retrieval" : "no retrieval"} | ${f(c.exact)} | ${f(c.editSimilarity)} | ${f(c.identifierF1)} | ${f(c.parses)} | ${c.p50Ms} | ${c.p95Ms} | ${c.promptTokens} | ${c.completionTokens} | ${c.errors} |`);
  return [
    `# Tune or index: ${report.tasks} held-out functions`,
    "",
    "| model | context | exact | edit sim. | ident. F1 | parses | p50 ms | p95 ms | prompt tok. | completion tok. | errors |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    report.verdict,
    "",
  ].join("\n");
}
