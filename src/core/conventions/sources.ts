// Where each ecosystem keeps a team's rules, and how each file's scope is read.
import picomatch from "picomatch";
import { parse as parseYaml, YAMLError } from "yaml";

export type ConventionScope =
  | { kind: "always" }
  /** Applies to files under a folder ("" for the whole workspace): nested AGENTS.md, CLAUDE.md. */
  | { kind: "folder"; folder: string }
  /** Applies to files matching any of the globs (applyTo, globs front matter). */
  | { kind: "globs"; globs: string[] };

export interface Convention {
  /** Workspace-relative path of the file the rule comes from. */
  source: string;
  scope: ConventionScope;
  text: string;
  /** Something the team should fix in the file (e.g. front matter that could not be read). */
  warning?: string;
}

export const NESTED_NAMES: ReadonlySet<string> = new Set(["AGENTS.md", "CLAUDE.md"]);
export const ROOT_FILES: ReadonlySet<string> = new Set([".github/copilot-instructions.md", ".cursorrules", ".clinerules", "CONVENTIONS.md", "CONTRIBUTING.md"]);
export const EDITORCONFIG = ".editorconfig";
export const RULE_FOLDERS: readonly string[] = [".github/instructions/", ".cursor/rules/", ".continue/rules/", ".roo/rules/", ".clinerules/", ".groundwork/conventions/"];

/** Whether a workspace-relative path is a conventions file of any ecosystem. */
export function isConventionFile(relPath: string): boolean {
  const name = relPath.slice(relPath.lastIndexOf("/") + 1);
  if (NESTED_NAMES.has(name) || ROOT_FILES.has(relPath) || name === EDITORCONFIG) return true;
  return RULE_FOLDERS.some((folder) => relPath.startsWith(folder) && !relPath.slice(folder.length).includes("/"));
}

interface FrontMatter {
  fields: Record<string, unknown>;
  body: string;
  /** Set when the front matter is there but is not valid YAML. */
  error?: string;
}

/**
 * Front matter between `---` fences, read with a YAML parser. Cursor's rule files often hold
 * unquoted globs that are not valid YAML (`globs: *.tsx`, an alias to YAML): those are read as
 * plain `key: value` lines, which is what their authors meant.
 */
export function readFrontMatter(text: string): FrontMatter {
  const match = /^---\r?\n([\s\S]*?)\r?\n?---[ \t]*(?:\r?\n|$)/.exec(text);
  if (!match) return { fields: {}, body: text };
  const body = text.slice(match[0].length);
  try {
    const parsed: unknown = parseYaml(match[1]);
    const fields = parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
    return { fields, body };
  } catch (error) {
    // The yaml package reports syntax as YAMLError and an unresolved alias as ReferenceError.
    if (!(error instanceof YAMLError || error instanceof ReferenceError)) throw error;
    const fields = plainFields(match[1]);
    if (Object.keys(fields).length > 0) return { fields, body };
    return { fields: {}, body, error: error.message.split("\n")[0] };
  }
}

/** `key: value` lines, quotes dropped: front matter that is not YAML. */
function plainFields(block: string): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const line of block.split(/\r?\n/)) {
    const kv = /^([A-Za-z][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (!kv) continue;
    const value = kv[2].trim().replace(/^\[|\]$/g, "");
    fields[kv[1]] = value === "true" ? true : value === "false" ? false : value.split(",").map((v) => v.trim().replace(/^["']|["']$/g, "")).join(",");
  }
  return fields;
}

/** `applyTo` / `globs` as a string ("a, b"), a YAML list (flow or block), or anything else (no globs). */
function globList(value: unknown): string[] {
  const items = Array.isArray(value) ? value : typeof value === "string" ? value.split(",") : [];
  return items.filter((item): item is string => typeof item === "string").map((glob) => glob.trim()).filter(Boolean);
}

/**
 * Reads one conventions file into rules. An .editorconfig is not read here: its sections apply by
 * editorconfig's own rules (ConventionSet asks the editorconfig library per file).
 */
export function parseConventionFile(relPath: string, text: string): Convention[] {
  const name = relPath.slice(relPath.lastIndexOf("/") + 1);
  if (name === ".editorconfig") return [];
  if (NESTED_NAMES.has(name)) {
    const folder = relPath.includes("/") ? relPath.slice(0, relPath.lastIndexOf("/")) : "";
    return [{ source: relPath, scope: { kind: "folder", folder }, text: text.trim() }];
  }
  const { fields, body, error } = readFrontMatter(text);
  const globs = globList(fields.applyTo ?? fields.globs);
  const always = fields.alwaysApply === true || fields.alwaysApply === "true" || globs.length === 0 || globs.includes("**") || globs.includes("**/*");
  const rule: Convention = { source: relPath, scope: always ? { kind: "always" } : { kind: "globs", globs }, text: body.trim() };
  return [error ? { ...rule, warning: `its front matter is not valid YAML (${error}), so it applies to every file` } : rule];
}

export function appliesTo(convention: Convention, relPath: string): boolean {
  const scope = convention.scope;
  if (scope.kind === "always") return true;
  if (scope.kind === "folder") return scope.folder === "" || relPath.startsWith(scope.folder + "/");
  return picomatch.isMatch(relPath, scope.globs, { dot: true, matchBase: scope.globs.every((glob) => !glob.includes("/")) });
}
