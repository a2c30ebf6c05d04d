// Where each ecosystem keeps a team's rules, and how each file's scope is read.
import picomatch from "picomatch";

export type ConventionScope =
  | { kind: "always" }
  /** Applies to files under a folder ("" for the whole workspace): nested AGENTS.md, CLAUDE.md. */
  | { kind: "folder"; folder: string }
  /** Applies to files matching any of the globs (applyTo, globs front matter, .editorconfig sections). */
  | { kind: "globs"; globs: string[] };

export interface Convention {
  /** Workspace-relative path of the file the rule comes from. */
  source: string;
  scope: ConventionScope;
  text: string;
}

export const NESTED_NAMES: ReadonlySet<string> = new Set(["AGENTS.md", "CLAUDE.md"]);
export const ROOT_FILES: ReadonlySet<string> = new Set([".github/copilot-instructions.md", ".cursorrules", ".clinerules", "CONVENTIONS.md", "CONTRIBUTING.md", ".editorconfig"]);
export const RULE_FOLDERS: readonly string[] = [".github/instructions/", ".cursor/rules/", ".continue/rules/", ".roo/rules/", ".clinerules/", ".groundwork/conventions/"];

/** Whether a workspace-relative path is a conventions file of any ecosystem. */
export function isConventionFile(relPath: string): boolean {
  const name = relPath.slice(relPath.lastIndexOf("/") + 1);
  if (NESTED_NAMES.has(name) || ROOT_FILES.has(relPath)) return true;
  return RULE_FOLDERS.some((folder) => relPath.startsWith(folder) && !relPath.slice(folder.length).includes("/"));
}

interface FrontMatter {
  fields: Record<string, string>;
  body: string;
}

/** A small front-matter reader: `key: value` lines between `---` fences (lists as `[a, b]` or `a, b`). */
export function readFrontMatter(text: string): FrontMatter {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
  if (!match) return { fields: {}, body: text };
  const fields: Record<string, string> = {};
  for (const line of match[1].split(/\r?\n/)) {
    const kv = /^([A-Za-z][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (kv) fields[kv[1]] = kv[2].trim().replace(/^["']|["']$/g, "");
  }
  return { fields, body: text.slice(match[0].length) };
}

function globList(value: string | undefined): string[] {
  if (!value) return [];
  return value.replace(/^\[|\]$/g, "").split(",").map((glob) => glob.trim().replace(/^["']|["']$/g, "")).filter(Boolean);
}

/** Reads one conventions file into rules; an .editorconfig gives one rule per section. */
export function parseConventionFile(relPath: string, text: string): Convention[] {
  const name = relPath.slice(relPath.lastIndexOf("/") + 1);
  if (relPath === ".editorconfig") return parseEditorConfig(text);
  if (NESTED_NAMES.has(name)) {
    const folder = relPath.includes("/") ? relPath.slice(0, relPath.lastIndexOf("/")) : "";
    return [{ source: relPath, scope: { kind: "folder", folder }, text: text.trim() }];
  }
  const { fields, body } = readFrontMatter(text);
  const globs = globList(fields.applyTo ?? fields.globs);
  const always = fields.alwaysApply === "true" || globs.length === 0 || globs.includes("**") || globs.includes("**/*");
  return [{ source: relPath, scope: always ? { kind: "always" } : { kind: "globs", globs }, text: body.trim() }];
}

function parseEditorConfig(text: string): Convention[] {
  const rules: Convention[] = [];
  let section: string | undefined;
  let settings: string[] = [];
  const flush = (): void => {
    if (section && settings.length > 0) {
      const glob = section.includes("/") ? section.replace(/^\//, "") : `**/${section}`;
      rules.push({ source: ".editorconfig", scope: { kind: "globs", globs: [glob] }, text: `Formatting (${section}): ${settings.join(", ")}` });
    }
    settings = [];
  };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      flush();
      section = header[1];
    } else if (section && line.includes("=") && !/^root\s*=/.test(line)) {
      settings.push(line.replace(/\s*=\s*/, " = "));
    }
  }
  flush();
  return rules;
}

export function appliesTo(convention: Convention, relPath: string): boolean {
  const scope = convention.scope;
  if (scope.kind === "always") return true;
  if (scope.kind === "folder") return scope.folder === "" || relPath.startsWith(scope.folder + "/");
  return picomatch.isMatch(relPath, scope.globs, { dot: true, matchBase: scope.globs.every((glob) => !glob.includes("/")) });
}
