// The peer an agent with grep would be: ripgrep over the checkout with the question's keywords,
// files ranked by how many of the keywords they contain, then by how often. Given the files an
// index holds, it ranks only those, so both search the same files (not build outputs or bundles).
import { execFile, spawnSync } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { identifiers, STOP_WORDS } from "../util/text";

const run = promisify(execFile);

/** Whether ripgrep (`rg`) can be run here. */
export function ripgrepAvailable(): boolean {
  return spawnSync("rg", ["--version"], { stdio: "ignore" }).status === 0;
}

/** The keywords an agent would grep for: the question's words and identifiers, without stop words. */
export function grepKeywords(query: string): string[] {
  return [...new Set(identifiers(query).map((word) => word.toLowerCase()).filter((word) => word.length > 2 && !STOP_WORDS.has(word) && !/^\d+$/.test(word)))];
}

/** Root-relative files (forward slashes) ripgrep finds for the keywords, best first. */
export async function grepRank(root: string, query: string, limit = 10, only?: ReadonlySet<string>): Promise<string[]> {
  const keywords = grepKeywords(query);
  if (keywords.length === 0) return [];
  const args = ["-i", "-F", "-o", "--null", "--no-heading", "--no-line-number", "--no-messages", "--color", "never", ...keywords.flatMap((word) => ["-e", word]), "."];
  let stdout = "";
  try {
    ({ stdout } = await run("rg", args, { cwd: root, maxBuffer: 256 * 1024 * 1024, encoding: "utf8" }));
  } catch (error) {
    // Exit status 1: nothing matched.
    if ((error as { code?: number }).code === 1) return [];
    throw error;
  }
  const perFile = new Map<string, { words: Set<string>; matches: number }>();
  for (const line of stdout.split("\n")) {
    const nul = line.indexOf("\0");
    if (nul < 0) continue;
    const file = line.slice(0, nul).replace(/^\.\//, "").split(path.sep).join("/");
    if (only && !only.has(file)) continue;
    const entry = perFile.get(file) ?? { words: new Set<string>(), matches: 0 };
    entry.words.add(line.slice(nul + 1).toLowerCase());
    entry.matches++;
    perFile.set(file, entry);
  }
  return [...perFile.entries()]
    .sort(([fa, a], [fb, b]) => b.words.size - a.words.size || b.matches - a.matches || fa.localeCompare(fb))
    .slice(0, limit)
    .map(([file]) => file);
}
