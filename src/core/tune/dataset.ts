// Fine-tuning data from a team's own code: fill-in-the-middle examples at symbol granularity (with
// the retrieved cross-file context Groundwork would send, on request), doc -> code examples from
// documented functions (the doc is the instruction and is removed from what the model sees), and
// convention examples (the rules for a file in the prompt, its real code as the answer). Every file
// is wholly in train or in test; every example passes secret redaction, fits a token limit and is
// not a near-duplicate of one kept before. Written atomically with a dataset card.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { Codebase } from "../codebase/codebase";
import { buildFimPrompt, type FimPreset } from "../prompt/fim";
import { redactSecrets } from "../security/redact";
import { snippetQuery } from "../model/completions";
import { codeLines, fenced, splitLines } from "../util/text";
import { cl100k } from "../util/tokens";
import { isNearDuplicate, MinHashIndex } from "./dedupe";
import { type FimTask, fimTasks, seededOrder, type SourceFile, sourceFiles, type SplitRule, testFiles } from "./tasks";
import { samePath } from "../../shared/fsPaths";

export type DatasetFormat = "openai-chat" | "prompt-completion" | "fim";
export type ExampleKind = "fim" | "doc" | "convention";

export interface DatasetOptions {
  codebase: Codebase;
  /** The workspace folder (the codebase's first folder). */
  root: string;
  out: string;
  format?: DatasetFormat;
  fimPreset?: FimPreset;
  testShare?: number;
  split?: SplitRule;
  withRetrieval?: boolean;
  maxExamples?: number;
  seed?: string;
  /** Tokens per example, prompt and answer together (default 4096). */
  maxTokens?: number;
  /** The command as run, for the dataset card. */
  command?: string;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
}

interface Example {
  kind: ExampleKind;
  path: string;
  language: string;
  prompt: string;
  answer: string;
  /** The FIM form (fim format only). */
  fim?: string;
  tokens: number;
}

export interface DatasetReport {
  out: string;
  files: { train: number; test: number };
  examples: { train: number; test: number };
  byKind: Record<string, { train: number; test: number }>;
  byLanguage: Record<string, { train: number; test: number }>;
  tokens: { train: number; test: number };
  /** `heldOutCopies`: train examples that hold a copy of a test function's body (in a prompt's context, or a whole file). */
  dropped: { duplicates: number; overTokenLimit: number; overMaxExamples: number; heldOutCopies: number };
  redactions: number;
}

const SYSTEM = "You write code for this repository, in its style and following its conventions.";

export async function buildDataset(options: DatasetOptions): Promise<DatasetReport> {
  const format = options.format ?? "openai-chat";
  const seed = options.seed ?? "1";
  const maxTokens = options.maxTokens ?? 4096;
  if (format === "fim" && (options.fimPreset ?? "qwen2.5-coder") === "native-suffix") throw new Error("--format fim needs a model family's FIM tokens: --fim-preset qwen2.5-coder, deepseek-coder, starcoder2 or codellama.");
  // The card goes to README.md: never over a file that is not an earlier card (`--out .` in a project).
  const existing = await fs.readFile(path.join(options.out, "README.md"), "utf8").catch(() => undefined);
  if (existing !== undefined && !existing.startsWith("# Fine-tuning dataset")) {
    throw new Error(`${options.out} holds a README.md that is not a dataset card; write the dataset to a folder of its own.`);
  }
  const progress = options.onProgress ?? (() => undefined);
  progress(`reading ${options.root}`);
  const files = await sourceFiles(options.root, { signal: options.signal, onFile: (n) => n % 200 === 0 && progress(`read ${n} files`) });
  const test = await testFiles(options.root, files.map((f) => f.path), options.split ?? "file", options.testShare ?? 0.1, seed);
  const report: DatasetReport = {
    out: options.out, files: { train: 0, test: 0 }, examples: { train: 0, test: 0 }, byKind: {}, byLanguage: {}, tokens: { train: 0, test: 0 },
    dropped: { duplicates: 0, overTokenLimit: 0, overMaxExamples: 0, heldOutCopies: 0 }, redactions: 0,
  };
  for (const file of files) report.files[test.has(file.path) ? "test" : "train"]++;
  // A train example's retrieved context never holds a test file's code (the answers held out).
  const heldOut = new Set([...test].map((relPath) => options.codebase.pathOf(path.join(options.root, relPath)) ?? relPath));
  // The test functions' bodies: a train example holding a copy of one (another file's copy, in its context or whole) goes.
  const heldOutBodies = new Set(files.filter((file) => test.has(file.path)).flatMap((file) => fimTasks(file)).map((task) => bodySignature(task.middle)).filter((sig): sig is string => sig !== undefined));
  const seen = new MinHashIndex();
  const kept: Array<Example & { split: "train" | "test" }> = [];
  for (const [i, file] of files.entries()) {
    options.signal?.throwIfAborted();
    if (i % 100 === 0) progress(`examples from ${i} of ${files.length} files`);
    for (const example of await examplesOf(file, options, format, maxTokens, report, test.has(file.path) ? new Set() : heldOut)) {
      // Held-out copies first: a dropped train copy must not be remembered, or the test function it copies would be its near-duplicate.
      if (!test.has(file.path) && holdsHeldOutBody(example.fim ?? `${example.prompt}\n${example.answer}`, heldOutBodies)) {
        report.dropped.heldOutCopies++;
        continue;
      }
      if (isNearDuplicate(seen, example.answer)) {
        report.dropped.duplicates++;
        continue;
      }
      kept.push({ ...example, split: test.has(file.path) ? "test" : "train" });
    }
  }
  const chosen = options.maxExamples ? seededOrder(kept, (e) => `${e.path}\n${e.prompt.length}\n${e.answer}`, seed).slice(0, options.maxExamples) : kept;
  report.dropped.overMaxExamples = kept.length - chosen.length;
  const lines = { train: [] as string[], test: [] as string[] };
  for (const example of chosen) {
    lines[example.split].push(JSON.stringify(render(example, format)));
    report.examples[example.split]++;
    report.tokens[example.split] += example.tokens;
    for (const [table, key] of [[report.byKind, example.kind], [report.byLanguage, example.language]] as const) {
      table[key] ??= { train: 0, test: 0 };
      table[key][example.split]++;
    }
  }
  await writeAtomically(options.out, {
    "train.jsonl": lines.train.join("\n") + (lines.train.length ? "\n" : ""),
    "test.jsonl": lines.test.join("\n") + (lines.test.length ? "\n" : ""),
    "README.md": datasetCard(report, { ...options, format, seed, maxTokens }),
  }, options.signal);
  return report;
}

async function examplesOf(file: SourceFile, options: DatasetOptions, format: DatasetFormat, maxTokens: number, report: DatasetReport, excluded: ReadonlySet<string>): Promise<Example[]> {
  const out: Example[] = [];
  const add = (example: Omit<Example, "tokens"> | undefined): void => {
    if (!example) return;
    const tokens = cl100k.count(example.fim ?? `${SYSTEM}\n${example.prompt}\n${example.answer}`);
    if (tokens > maxTokens) report.dropped.overTokenLimit++;
    else out.push({ ...example, tokens });
  };
  // Secrets go once per file, before any example cuts it (a cut through a private key leaves lines
  // no rule would know); redaction keeps the line count, so the chunks' lines still hold.
  const clean: SourceFile = { ...file, text: redact(file.text, report) };
  for (const task of fimTasks(clean)) add(await fimExample(task, options, format, maxTokens, report, excluded));
  if (format === "fim") return out;
  for (const example of docExamples(clean, report)) add(example);
  add(await conventionExample(clean, options.codebase, report));
  return out;
}

/** A body's first three lines, whitespace aside: what a copy of it shares (undefined for bodies too small to tell). */
function bodySignature(body: string): string | undefined {
  const lines = normalizedLines(body);
  return lines.length >= 3 && lines.slice(0, 3).join("\n").length >= 40 ? lines.slice(0, 3).join("\n") : undefined;
}

/** A text's code lines (codeLines: no comments or docstrings, so a doc example without its docstring still shows the body it holds), blanks squeezed. */
function normalizedLines(text: string): string[] {
  return codeLines(text).map((line) => line.replace(/\s+/g, " ").trim()).filter(Boolean);
}

/** Whether any three lines in a row of `text` open a held-out body. */
function holdsHeldOutBody(text: string, bodies: ReadonlySet<string>): boolean {
  if (bodies.size === 0) return false;
  const lines = normalizedLines(text);
  for (let i = 0; i + 3 <= lines.length; i++) if (bodies.has(lines.slice(i, i + 3).join("\n"))) return true;
  return false;
}

function redact(text: string, report: DatasetReport): string {
  const { text: clean, count } = redactSecrets(text);
  report.redactions += count;
  return clean;
}

/** Keeps the end of the prefix and the start of the suffix within a share of the token limit (whole lines). */
function fitContext(task: FimTask, maxTokens: number): { prefix: string; suffix: string } {
  const budget = Math.floor(maxTokens * 0.35);
  let prefix = splitLines(task.prefix);
  let suffix = splitLines(task.suffix);
  while (prefix.length > 1 && cl100k.count(prefix.join("\n")) > budget) prefix = prefix.slice(Math.ceil(prefix.length / 4));
  while (suffix.length > 1 && cl100k.count(suffix.join("\n")) > budget / 2) suffix = suffix.slice(0, Math.floor((suffix.length * 3) / 4));
  return { prefix: prefix.join("\n"), suffix: suffix.join("\n") };
}

/** The retrieved cross-file context Groundwork sends with a completion: the identifiers near the gap, searched, other files only. */
async function retrievedSnippets(codebase: Codebase, root: string, task: FimTask, prefix: string, excluded: ReadonlySet<string>): Promise<Array<{ path: string; text: string }>> {
  const query = snippetQuery(prefix);
  if (!query) return [];
  // The task's file by its codebase path (folder-prefixed in a multi-root workspace): never its own context.
  const own = codebase.pathOf(path.join(root, task.path)) ?? task.path;
  const hits = (await codebase.search(query, { limit: excluded.size ? 20 : 6 })).filter((hit) => !samePath(hit.path, own) && !excluded.has(hit.path)).slice(0, 3);
  return hits.map((hit) => ({ path: `${hit.path}:${hit.startLine}-${hit.endLine}`, text: hit.text }));
}

async function fimExample(task: FimTask, options: DatasetOptions, format: DatasetFormat, maxTokens: number, report: DatasetReport, excluded: ReadonlySet<string>): Promise<Omit<Example, "tokens">> {
  // The task's file is redacted already (examplesOf): what is cut here holds no secret.
  const fitted = fitContext(task, maxTokens);
  const prefix = redact(fitted.prefix, report);
  const suffix = redact(fitted.suffix, report);
  const middle = redact(task.middle, report);
  const snippets = options.withRetrieval ? (await retrievedSnippets(options.codebase, options.root, task, prefix, excluded)).map((s) => ({ path: s.path, text: redact(s.text, report) })) : [];
  const context = snippets.length ? `Code from other files of the repository:\n${snippets.map((s) => `[${s.path}]\n${fenced(s.text, task.language)}`).join("\n")}\n\n` : "";
  const prompt = `${context}Fill in the missing body of \`${task.symbol}\` in ${task.path} (where <FILL> is). Answer with the missing lines only.\n${fenced(`${prefix}<FILL>\n${suffix}`, task.language)}`;
  const example: Omit<Example, "tokens"> = { kind: "fim", path: task.path, language: task.language, prompt, answer: middle };
  if (format === "fim") {
    const fim = buildFimPrompt({ preset: options.fimPreset ?? "qwen2.5-coder", path: task.path, language: task.language, prefix, suffix, snippets, conventions: "" });
    example.fim = `${fim.prompt}${middle}${fim.stop[0] ?? ""}`;
  }
  return example;
}

const COMMENT = /^\s*(?:\/\/\/?|#|\/\*\*?|\*\/?|--)\s?/;

/** Documented functions: the doc (comments above, or a Python docstring) is the instruction, the code without it the answer. */
function docExamples(file: SourceFile, report: DatasetReport): Array<Omit<Example, "tokens">> {
  const lines = splitLines(file.text);
  const out: Array<Omit<Example, "tokens">> = [];
  for (const chunk of file.chunks) {
    if (!["function", "method", "constructor"].includes(chunk.kind) || !chunk.signature) continue;
    const own = lines.slice(chunk.startLine - 1, chunk.endLine);
    const sig = own.findIndex((line) => line.includes(chunk.signature.trim()));
    if (sig < 0) continue;
    const above = own.slice(0, sig).filter((line) => COMMENT.test(line));
    let doc = above.map((line) => line.replace(COMMENT, "").replace(/\*\/\s*$/, "").trim()).filter(Boolean).join(" ");
    let code = [...own.slice(0, sig).filter((line) => !COMMENT.test(line)), ...own.slice(sig)];
    if (!doc && file.language === "python") {
      const body = own.slice(sig + 1);
      const first = body.findIndex((line) => line.trim());
      const quote = body[first]?.trim().match(/^[rRbBuU]?("""|''')/)?.[1];
      if (quote) {
        let close = first;
        const opened = body[first].trim().slice(body[first].trim().indexOf(quote) + 3);
        if (!opened.includes(quote)) for (close = first + 1; close < body.length && !body[close].includes(quote); close++);
        doc = body.slice(first, close + 1).join(" ").replaceAll(quote, "").replace(/\s+/g, " ").trim();
        code = [...own.slice(0, sig + 1), ...body.slice(0, first), ...body.slice(close + 1)];
      }
    }
    if (doc.split(/\s+/).length < 4 || code.length < 3) continue;
    out.push({
      kind: "doc", path: file.path, language: file.language,
      prompt: redact(`In ${file.path}, write \`${chunk.symbol}\`${chunk.scope ? ` (in ${chunk.scope})` : ""}: ${doc}`, report),
      answer: redact(code.join("\n"), report),
    });
  }
  return out;
}

/** The rules that apply to a file in the prompt, the file's real code as the answer. */
async function conventionExample(file: SourceFile, codebase: Codebase, report: DatasetReport): Promise<Omit<Example, "tokens"> | undefined> {
  const rules = (await codebase.conventionsFor(file.path)).filter((rule) => rule.scope !== undefined && rule.text.trim());
  if (rules.length === 0) return undefined;
  const text = rules.map((rule) => `From ${rule.source}:\n${rule.text.trim()}`).join("\n\n");
  return {
    kind: "convention", path: file.path, language: file.language,
    prompt: redact(`The team's conventions for ${file.path}:\n${text}\n\nWrite ${file.path}.`, report),
    answer: redact(file.text, report),
  };
}

function render(example: Example, format: DatasetFormat): object {
  if (format === "fim") return { text: example.fim };
  if (format === "prompt-completion") return { prompt: `${SYSTEM}\n\n${example.prompt}\n`, completion: example.answer };
  return { messages: [{ role: "system", content: SYSTEM }, { role: "user", content: example.prompt }, { role: "assistant", content: example.answer }] };
}

/** Writes the files under temporary names, then renames them: an interrupted run leaves no half-written file. */
async function writeAtomically(dir: string, files: Record<string, string>, signal?: AbortSignal): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const temps = Object.keys(files).map((name) => path.join(dir, `.${name}.tmp-${process.pid}`));
  try {
    for (const [i, [, text]] of Object.entries(files).entries()) {
      signal?.throwIfAborted();
      await fs.writeFile(temps[i], text);
    }
    for (const [i, name] of Object.keys(files).entries()) await fs.rename(temps[i], path.join(dir, name));
  } finally {
    for (const temp of temps) await fs.rm(temp, { force: true });
  }
}

function datasetCard(report: DatasetReport, options: DatasetOptions & { format: DatasetFormat; seed: string; maxTokens: number }): string {
  const rows = (table: Record<string, { train: number; test: number }>): string =>
    Object.entries(table).sort(([a], [b]) => a.localeCompare(b)).map(([key, n]) => `| ${key} | ${n.train} | ${n.test} |`).join("\n");
  return `# Fine-tuning dataset

Made by Groundwork from \`${options.root}\` on ${new Date().toISOString().slice(0, 10)}.

Command: \`${options.command ?? "groundwork dataset"}\`

- Format: **${options.format}**${options.format === "fim" ? ` (${options.fimPreset ?? "qwen2.5-coder"} FIM tokens; fill-in-the-middle examples only)` : ""}
- Split: **${options.split ?? "file"}**, test share ${options.testShare ?? 0.1}, seed \`${options.seed}\`: every file is wholly in train or in test` +
    `${(options.split ?? "file") === "recent" ? " (test: the files of the most recent commits)" : " (by a hash of the seed and the path)"}.
- Retrieved cross-file context in fill-in-the-middle prompts: ${options.withRetrieval ? "yes" : "no"}.
- Files: ${report.files.train} train, ${report.files.test} test.
- Examples: ${report.examples.train} train, ${report.examples.test} test; tokens (cl100k): ${report.tokens.train} train, ${report.tokens.test} test; at most ${options.maxTokens} per example.
- Left out: ${report.dropped.duplicates} near-duplicates, ${report.dropped.heldOutCopies} train examples holding a copy of a test function, ${report.dropped.overTokenLimit} over the token limit, ${report.dropped.overMaxExamples} over --max-examples.
- Secrets redacted: ${report.redactions}. Ignored and secret files are never read.

| kind | train | test |
|---|---|---|
${rows(report.byKind)}

| language | train | test |
|---|---|---|
${rows(report.byLanguage)}

Kinds: **fim**, a function's or method's body is the answer, the rest of its file the context;
**doc**, a documented function's doc is the instruction and its code (without the doc) the answer;
**convention**, the team's rules for a file in the prompt and the file's code as the answer.
`;
}
