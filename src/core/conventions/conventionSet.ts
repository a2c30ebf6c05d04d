// A team's conventions, read from every ecosystem's files: `forFile` gives the rules that apply
// to a file, most general first and most specific (deepest AGENTS.md) last, so that the nearer
// rule wins; `digest` gives a short form for inline completions.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { errorMessage, type Logger, silentLogger } from "../host";
import type { TokenCounter } from "../retrieval/tokens";
import { cl100k } from "../retrieval/tokens";
import { scanWorkspace } from "../scan/scanner";
import { appliesTo, type Convention, isConventionFile, NESTED_NAMES, parseConventionFile, ROOT_FILES, RULE_FOLDERS } from "./sources";

export { isConventionFile } from "./sources";

/** Longer files (a big CONTRIBUTING.md) are cut to this many characters. */
const MAX_RULE_CHARS = 8000;

async function isFile(file: string): Promise<boolean> {
  return (await fs.stat(file).catch(() => undefined))?.isFile() ?? false;
}

function specificity(convention: Convention): number {
  const scope = convention.scope;
  if (scope.kind === "always") return 0;
  if (scope.kind === "globs") return 1;
  return 2 + (scope.folder ? scope.folder.split("/").length : 0);
}

export class ConventionSet {
  private constructor(
    private readonly root: string,
    private conventions: Convention[],
    private readonly logger: Logger,
  ) {}

  static async load(root: string, logger: Logger = silentLogger): Promise<ConventionSet> {
    const set = new ConventionSet(root, [], logger);
    await set.reload();
    return set;
  }

  /** Reads every conventions file again (call it when one changes: see isConventionFile). */
  async reload(): Promise<void> {
    const found: Convention[] = [];
    for (const relPath of await this.conventionPaths()) {
      try {
        const text = await fs.readFile(path.join(this.root, relPath), "utf8");
        for (const rule of parseConventionFile(relPath, text)) {
          if (rule.text) found.push({ ...rule, text: rule.text.length > MAX_RULE_CHARS ? rule.text.slice(0, MAX_RULE_CHARS) + "\n…" : rule.text });
        }
      } catch (error) {
        this.logger.warn(`Could not read conventions from ${relPath}: ${errorMessage(error)}`);
      }
    }
    this.conventions = found;
  }

  /** Root files and rule folders directly; nested AGENTS.md and CLAUDE.md through a scan that honours ignore files. */
  private async conventionPaths(): Promise<string[]> {
    const paths = new Set<string>();
    for (const relPath of ROOT_FILES) if (await isFile(path.join(this.root, relPath))) paths.add(relPath);
    for (const folder of RULE_FOLDERS) {
      const names = await fs.readdir(path.join(this.root, folder)).catch(() => [] as string[]);
      for (const name of names.sort()) if (await isFile(path.join(this.root, folder, name))) paths.add(folder + name);
    }
    for await (const entry of scanWorkspace(this.root)) {
      if (entry.kind === "file" && isConventionFile(entry.file.path) && NESTED_NAMES.has(path.basename(entry.file.path))) paths.add(entry.file.path);
    }
    return [...paths];
  }

  get all(): readonly Convention[] {
    return this.conventions;
  }

  /** The rules that apply to a workspace-relative path, most general first. */
  forFile(relPath: string): Convention[] {
    return this.conventions
      .filter((convention) => appliesTo(convention, relPath))
      .sort((a, b) => specificity(a) - specificity(b) || a.source.localeCompare(b.source));
  }

  /**
   * A short form for inline completions: the first lines of each applicable rule, most specific
   * first (they matter most when space is short), within `maxTokens`.
   */
  digest(relPath: string, maxTokens: number, tokenizer: TokenCounter = cl100k): string {
    const lines: string[] = [];
    let used = 0;
    for (const convention of this.forFile(relPath).reverse()) {
      const points = convention.text.split("\n").map((line) => line.trim()).filter((line) => line && !line.startsWith("#") && line !== "---");
      for (const point of points.slice(0, 5)) {
        const line = point.startsWith("-") || point.startsWith("*") ? point : `- ${point}`;
        const cost = tokenizer.count(line + "\n");
        if (used + cost > maxTokens) return lines.join("\n");
        lines.push(line);
        used += cost;
      }
    }
    return lines.join("\n");
  }
}
