// Queries from a repository's own history: each commit that changed one to three source files
// (tests, docs and changelogs may change beside them) gives a query (its message, cleaned of PR
// numbers, conventional prefixes and trailers) whose answers are those files, where they still
// exist at HEAD. A team's commit messages say what a developer would ask about its code.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { languageForPath, languageSpec } from "../chunk/languages";
import { fileRole } from "../retrieval/roles";

const run = promisify(execFile);

export interface HistoryQuery {
  commit: string;
  query: string;
  /** Repository-relative paths of the source files the commit changed, all present at HEAD. */
  targets: string[];
}

export interface HistorySelection {
  queries: HistoryQuery[];
  /** Commits looked at, and why the others were left out. */
  commits: number;
  skipped: Record<"no source file" | "more than 3 source files" | "file gone since" | "message too short" | "duplicate message" | "revert", number>;
}

/** A source file: a language Groundwork parses, and the code of the project (not its tests, docs, examples or generated files). */
export function isSourceFile(path: string): boolean {
  return languageSpec(languageForPath(path)) !== undefined && fileRole(path) === "code";
}

const TRAILER = /^(signed-off-by|co-authored-by|reviewed-by|acked-by|tested-by|reported-by|suggested-by|helped-by|cc|change-id|fixes|closes|resolves|refs?|see|pr|pr-url|issue|bug|ticket)\s*:/i;
const CONVENTIONAL = /^(\w+)(\([^)]*\))?!?:\s+/; // "fix(core): ", "feat!: "
const TAGS = /^(\[[^\]]{1,30}\]\s*)+/; // "[skip ci] ", "[core] "
const ISSUE_REFS = /\(?(?:\b(?:fix(?:es|ed)?|close[sd]?|resolve[sd]?|refs?|see)\s+)?(?:\b[\w.-]+\/[\w.-]+)?(?:#|\bgh-)\d+\b\)?/gi;
const URLS = /\bhttps?:\/\/\S+/g;

/** The commit message as a developer's question: subject and first paragraph, without PR numbers, prefixes or trailers. */
export function cleanMessage(subject: string, body: string): string {
  const first = body.replace(/\r/g, "").split(/\n\s*\n/).find((paragraph) => paragraph.trim().length > 0) ?? "";
  const bodyLines = first.split("\n").filter((line) => !TRAILER.test(line.trim()));
  const subjectClean = subject.trim().replace(TAGS, "").replace(CONVENTIONAL, "");
  return [subjectClean, ...bodyLines]
    .join(" ")
    .replace(URLS, " ")
    .replace(ISSUE_REFS, " ")
    .replace(/\(\s*\)/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

async function git(repo: string, args: string[]): Promise<string> {
  const { stdout } = await run("git", ["-C", repo, ...args], { maxBuffer: 512 * 1024 * 1024, encoding: "utf8" });
  return stdout;
}

/** Files present at HEAD, repository-relative. */
export async function headFiles(repo: string): Promise<Set<string>> {
  const out = await git(repo, ["ls-tree", "-r", "--name-only", "-z", "HEAD"]);
  return new Set(out.split("\0").filter(Boolean));
}

/** The newest `maxQueries` usable commits of HEAD's history (merges left out), newest first. */
export async function historyQueries(repo: string, maxQueries = 150): Promise<HistorySelection> {
  const present = await headFiles(repo);
  const log = await git(repo, ["log", "--no-merges", "--no-renames", "-z", "--format=%x1e%H%x1f%s%x1f%b%x1f", "--name-only", "HEAD"]);
  const skipped: HistorySelection["skipped"] = {
    "no source file": 0, "more than 3 source files": 0, "file gone since": 0, "message too short": 0, "duplicate message": 0, revert: 0,
  };
  const seen = new Set<string>();
  const queries: HistoryQuery[] = [];
  let commits = 0;
  for (const record of log.split("\x1e").slice(1)) {
    if (queries.length >= maxQueries) break;
    commits++;
    const [commit, subject, body, names = ""] = record.split("\x1f");
    const sources = [...new Set(names.split(/[\0\n]/).map((name) => name.trim()).filter((name) => name && isSourceFile(name)))];
    if (sources.length === 0) {
      skipped["no source file"]++;
      continue;
    }
    if (sources.length > 3) {
      skipped["more than 3 source files"]++;
      continue;
    }
    if (/^revert\b/i.test(subject)) {
      skipped.revert++;
      continue;
    }
    if (!sources.every((file) => present.has(file))) {
      skipped["file gone since"]++;
      continue;
    }
    const query = cleanMessage(subject, body);
    if (query.split(/\s+/).filter((word) => /[a-z]{2}/i.test(word)).length < 3) {
      skipped["message too short"]++;
      continue;
    }
    const key = query.toLowerCase();
    if (seen.has(key)) {
      skipped["duplicate message"]++;
      continue;
    }
    seen.add(key);
    queries.push({ commit, query, targets: sources });
  }
  return { queries, commits, skipped };
}
