// Fill-in-the-middle tasks at symbol granularity: a function's or method's body is the middle, the
// rest of its file the prefix and suffix. Shared by the fine-tuning dataset (tune/dataset.ts) and
// the model eval (tune/modelEval.ts), and the file split that keeps every file wholly in train or
// in test.
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import { promisify } from "node:util";
import { Chunker } from "../chunk/chunker";
import { languageForPath, languageSpec } from "../chunk/languages";
import type { Chunk } from "../chunk/types";
import { fileRole } from "../retrieval/roles";
import { classifyContent } from "../scan/rules";
import { type ScanOptions, scanWorkspace } from "../scan/scanner";
import { sha256Hex } from "../util/hash";
import { splitLines } from "../util/text";

const run = promisify(execFile);

export interface SourceFile {
  /** Workspace-relative, forward slashes. */
  path: string;
  language: string;
  text: string;
  chunks: Chunk[];
}

export interface FimTask {
  /** `path:startLine-endLine` of the middle. */
  id: string;
  path: string;
  language: string;
  symbol: string;
  /** 1-based lines of the middle, inclusive. */
  startLine: number;
  endLine: number;
  prefix: string;
  middle: string;
  suffix: string;
}

const BODY_KINDS = new Set(["function", "method", "constructor"]);
/** A line that only closes a block: it stays in the suffix. */
const CLOSER = /^\s*(?:[}\])]+[;,)]*|end)\s*$/;
/** A signature line that opens the body. */
const OPENER = /(?:[{:]|=>|\bdo)\s*(?:\/\/.*|#.*)?$/;

/** The source files of a workspace Groundwork parses (its code, not tests, docs or generated files), chunked. */
export async function sourceFiles(root: string, options: { scan?: Omit<ScanOptions, "signal">; signal?: AbortSignal; onFile?: (done: number) => void } = {}): Promise<SourceFile[]> {
  const chunker = new Chunker();
  const files: SourceFile[] = [];
  for await (const entry of scanWorkspace(root, { ...options.scan, signal: options.signal })) {
    options.signal?.throwIfAborted();
    if (entry.kind !== "file" || fileRole(entry.file.path) !== "code") continue;
    const language = languageForPath(entry.file.path);
    if (!languageSpec(language)) continue;
    const bytes = await fs.readFile(entry.file.absPath).catch(() => undefined);
    if (!bytes || !classifyContent(bytes).ok) continue;
    const text = bytes.toString("utf8");
    const { chunks } = await chunker.chunkFile(entry.file.path, text);
    files.push({ path: entry.file.path, language, text, chunks });
    options.onFile?.(files.length);
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** The file's definitions whose body can be the middle: 2 to `maxLines` lines, not blank. */
export function fimTasks(file: SourceFile, maxLines = 60): FimTask[] {
  const lines = splitLines(file.text);
  const tasks: FimTask[] = [];
  for (const chunk of file.chunks) {
    if (!BODY_KINDS.has(chunk.kind) || !chunk.signature) continue;
    const start = chunk.startLine - 1;
    const end = chunk.endLine - 1;
    // The signature's line (after decorators and doc comments), then on to the line that opens the body.
    let open = lines.slice(start, end + 1).findIndex((line) => line.trim() === chunk.signature.trim() || line.includes(chunk.signature.trim()));
    if (open < 0) continue;
    open += start;
    for (let i = 0; i < 5 && open < end && !OPENER.test(lines[open]); i++) open++;
    let last = end;
    while (last > open && CLOSER.test(lines[last])) last--;
    const body = lines.slice(open + 1, last + 1);
    if (body.length < 2 || body.length > maxLines || body.every((line) => !line.trim())) continue;
    tasks.push({
      id: `${file.path}:${open + 2}-${last + 1}`, path: file.path, language: file.language, symbol: chunk.symbol,
      startLine: open + 2, endLine: last + 1,
      prefix: lines.slice(0, open + 1).join("\n") + "\n", middle: body.join("\n") + "\n", suffix: lines.slice(last + 1).join("\n"),
    });
  }
  return tasks;
}

export type SplitRule = "file" | "recent";

/**
 * The files that go to test: `file`, each file by a hash of the seed and its path, about
 * `testShare` of them; `recent` (a git repository), the files of the newest commits until that
 * share is reached. Every file is wholly in train or in test.
 */
export async function testFiles(root: string, paths: readonly string[], rule: SplitRule, testShare: number, seed: string): Promise<Set<string>> {
  // At least one file on each side when there are two or more.
  const wanted = Math.min(Math.max(1, Math.round(paths.length * testShare)), Math.max(1, paths.length - 1));
  if (rule === "file") {
    const ranked = [...paths].sort((a, b) => sha256Hex(`${seed}\n${a}`).localeCompare(sha256Hex(`${seed}\n${b}`)));
    return new Set(ranked.slice(0, wanted));
  }
  const known = new Set(paths);
  // Paths relative to the workspace folder, which may be below the repository's top (--relative), unquoted.
  const { stdout } = await run("git", ["-C", root, "-c", "core.quotePath=false", "log", "--no-merges", "--relative", "--format=%x1e", "--name-only", "HEAD"], { maxBuffer: 256 * 1024 * 1024 }).catch(() => {
    throw new Error(`--split recent needs a git repository with commits; ${root} is not one.`);
  });
  const test = new Set<string>();
  for (const commit of stdout.split("\x1e")) {
    // A commit that touched every file (a reformat, a license header) fills the share and no more: its files in the seeded order.
    const names = seededOrder(commit.split("\n").map((line) => line.trim()).filter((name) => known.has(name)), (name) => name, seed);
    for (const name of names) if (test.size < wanted) test.add(name);
    if (test.size >= wanted) break;
  }
  return test;
}

/** A deterministic shuffle (seeded), so the same seed samples the same tasks. */
export function seededOrder<T>(items: readonly T[], key: (item: T) => string, seed: string): T[] {
  return [...items].sort((a, b) => sha256Hex(`${seed}\n${key(a)}`).localeCompare(sha256Hex(`${seed}\n${key(b)}`)));
}
