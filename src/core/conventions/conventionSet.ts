// A team's conventions, read from every ecosystem's files: `forFile` gives the rules that apply
// to a file, most general first and most specific (deepest AGENTS.md) last, so that the nearer
// rule wins; `digest` gives a short form for inline completions. `.editorconfig` files (nested
// ones too) are resolved per file by the editorconfig library, with editorconfig's own globs.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { scanWorkspace } from "../scan/scanner";
import { errorMessage, type Logger, silentLogger } from "../util/host";
import { cl100k, type TokenCounter } from "../util/tokens";
import { appliesTo, type Convention, EDITORCONFIG, isConventionFile, NESTED_NAMES, parseConventionFile, ROOT_FILES, RULE_FOLDERS } from "./sources";

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

type EditorConfigModule = typeof import("editorconfig");
type EditorConfigCache = NonNullable<import("editorconfig").ParseOptions["cache"]>;

export class ConventionSet {
  /** Folders (relative, "" for the root) holding an .editorconfig, deepest last. */
  private editorconfigs: string[] = [];
  /** The editorconfig library's cache of parsed files; dropped on reload. */
  private editorconfigCache: EditorConfigCache = new Map();

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
    const editorconfigs: string[] = [];
    for (const relPath of await this.conventionPaths()) {
      if (path.posix.basename(relPath) === EDITORCONFIG) {
        editorconfigs.push(path.posix.dirname(relPath) === "." ? "" : path.posix.dirname(relPath));
        continue;
      }
      try {
        const text = await fs.readFile(path.join(this.root, relPath), "utf8");
        for (const rule of parseConventionFile(relPath, text)) {
          if (rule.warning) this.logger.warn(`Conventions in ${relPath}: ${rule.warning}.`);
          if (rule.text) found.push({ ...rule, text: rule.text.length > MAX_RULE_CHARS ? rule.text.slice(0, MAX_RULE_CHARS) + "\n…" : rule.text });
        }
      } catch (error) {
        this.logger.warn(`Could not read conventions from ${relPath}: ${errorMessage(error)}`);
      }
    }
    this.conventions = found;
    this.editorconfigs = editorconfigs.sort((a, b) => a.split("/").length - b.split("/").length);
    this.editorconfigCache = new Map();
  }

  /** Root files and rule folders directly; nested AGENTS.md, CLAUDE.md and .editorconfig through a scan that honours ignore files. */
  private async conventionPaths(): Promise<string[]> {
    const paths = new Set<string>();
    for (const relPath of ROOT_FILES) if (await isFile(path.join(this.root, relPath))) paths.add(relPath);
    for (const folder of RULE_FOLDERS) {
      const names = await fs.readdir(path.join(this.root, folder)).catch(() => [] as string[]);
      for (const name of names.sort()) if (await isFile(path.join(this.root, folder, name))) paths.add(folder + name);
    }
    for await (const entry of scanWorkspace(this.root)) {
      if (entry.kind !== "file" || !isConventionFile(entry.file.path)) continue;
      const name = path.posix.basename(entry.file.path);
      if (NESTED_NAMES.has(name) || name === EDITORCONFIG) paths.add(entry.file.path);
    }
    return [...paths];
  }

  /** Every rule read (without .editorconfig settings, which are worked out per file). */
  get all(): readonly Convention[] {
    return this.conventions;
  }

  /** The rules that apply to a folder-relative path, most general first. */
  async forFile(relPath: string): Promise<Convention[]> {
    const rules = this.conventions.filter((convention) => appliesTo(convention, relPath));
    const formatting = await this.editorconfigFor(relPath);
    if (formatting) rules.push(formatting);
    return rules.sort((a, b) => specificity(a) - specificity(b) || a.source.localeCompare(b.source));
  }

  /** The .editorconfig settings for a file, as one rule sourced from the nearest .editorconfig. */
  private async editorconfigFor(relPath: string): Promise<Convention | undefined> {
    const holders = this.editorconfigs.filter((folder) => folder === "" || relPath.startsWith(folder + "/"));
    if (holders.length === 0 || !relPath) return undefined;
    const editorconfig: EditorConfigModule = await import("editorconfig");
    let props: Record<string, unknown>;
    try {
      props = await editorconfig.parse(path.join(this.root, relPath), { root: this.root, cache: this.editorconfigCache });
    } catch (error) {
      this.logger.warn(`Could not read .editorconfig for ${relPath}: ${errorMessage(error)}`);
      return undefined;
    }
    const settings = Object.entries(props).filter(([key, value]) => key !== "root" && value !== "unset").map(([key, value]) => `${key} = ${value}`);
    if (settings.length === 0) return undefined;
    const nearest = holders[holders.length - 1];
    return { source: nearest ? `${nearest}/${EDITORCONFIG}` : EDITORCONFIG, scope: { kind: "globs", globs: [relPath] }, text: `Formatting: ${settings.join(", ")}` };
  }

  /**
   * A short form for inline completions: the first lines of each applicable rule, most specific
   * first (they matter most when space is short), within `maxTokens`.
   */
  async digest(relPath: string, maxTokens: number, tokenizer: TokenCounter = cl100k): Promise<string> {
    const lines: string[] = [];
    let used = 0;
    for (const convention of (await this.forFile(relPath)).reverse()) {
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
