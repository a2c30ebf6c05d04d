// Walks a workspace and yields the files worth indexing, and every skipped entry with its reason.
// Honours nested .gitignore and .groundworkignore files (through the `ignore` package), default
// excludes, a size cap, and never yields files that commonly hold secrets. Symbolic links are
// not followed: the target is indexed at its own path when it is inside the workspace, and a
// link can neither loop nor lead the scan out of the workspace.
import { promises as fs, statSync } from "node:fs";
import * as path from "node:path";
import ignore, { type Ignore } from "ignore";
import { DEFAULT_EXCLUDES, hasBinaryExtension, isSecretFileName, OUTPUT_FOLDERS, PROJECT_MANIFEST } from "./rules";
import { HOST_PATHS, isWithin } from "../../shared/fsPaths";

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
export const IGNORE_FILE_NAMES = [".gitignore", ".groundworkignore"] as const;
/**
 * Ignore files and settings match names as git does on this machine's file system: `Build/` hides
 * `build/` on macOS and Windows, not on Linux. The default excludes (secrets among them) ignore case everywhere.
 */
const IGNORE_CASE = HOST_PATHS.caseInsensitive;

export interface ScanOptions {
  maxFileBytes?: number;
  /** Files beyond this many (in scan order) are skipped with a reason: a limit for huge trees. */
  maxFiles?: number;
  /** More excludes in .gitignore syntax (e.g. from settings). */
  excludes?: readonly string[];
  signal?: AbortSignal;
}

export interface ScannedFile {
  /** Workspace-relative, forward slashes. */
  path: string;
  absPath: string;
  size: number;
  mtimeMs: number;
}

export interface SkippedEntry {
  /** Workspace-relative; directories end with "/" (the root is "./"). */
  path: string;
  reason: string;
  /** A folder that could not be listed: nothing is known of the files below it. */
  unlisted?: true;
}

export type ScanEntry = { kind: "file"; file: ScannedFile } | { kind: "skipped"; skipped: SkippedEntry };

interface IgnoreLevel {
  /** Directory of the rules, relative to the root ("" for the root). */
  dir: string;
  rules: Ignore;
  source: string;
}

export async function* scanWorkspace(root: string, options: ScanOptions = {}): AsyncGenerator<ScanEntry> {
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const maxFiles = options.maxFiles ?? Infinity;
  let files = 0;
  const base = baseLevels(options);

  const stack: Array<{ rel: string; levels: IgnoreLevel[] }> = [{ rel: "", levels: base }];
  let statsSinceYield = 0;
  while (stack.length > 0) {
    if (options.signal?.aborted) return;
    const { rel, levels: inherited } = stack.pop()!;
    const absDir = path.join(root, rel);
    let entries;
    try {
      entries = await fs.readdir(absDir, { withFileTypes: true });
    } catch (error) {
      yield { kind: "skipped", skipped: { path: rel ? rel + "/" : "./", reason: `unreadable directory (${(error as NodeJS.ErrnoException).code ?? error})`, unlisted: true } };
      continue;
    }
    if (rel && entries.some((entry) => entry.name === "pyvenv.cfg")) {
      yield skipped(rel + "/", "Python virtual environment (has pyvenv.cfg)");
      continue;
    }
    const names = entries.map((e) => e.name);
    const levels = [...inherited, ...outputFolders(rel, names), ...(await readIgnoreFiles(absDir, rel, names))];
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const entry of entries) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isSymbolicLink()) {
        yield skipped(relPath, await describeLink(path.join(absDir, entry.name), root));
        continue;
      }
      const isDir = entry.isDirectory();
      if (!isDir && !entry.isFile()) {
        yield skipped(relPath, "not a regular file");
        continue;
      }
      const ignoredBy = matchIgnore(levels, relPath, isDir);
      if (ignoredBy) {
        yield skipped(isDir ? relPath + "/" : relPath, `ignored by ${ignoredBy}`);
        continue;
      }
      if (isDir) {
        subdirs.push(relPath);
        continue;
      }
      const byName = fileNameVerdict(entry.name, 0, maxBytes);
      // Synchronous stats (a few µs each, against ~75 µs for a thread-pool round trip: the no-change
      // re-index of 20k files is mostly stats), with a turn of the event loop every few hundred.
      if (++statsSinceYield >= STATS_PER_TURN) {
        statsSinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
      const file = byName ? { reason: byName } : statFile(root, relPath);
      let verdict = "reason" in file ? file.reason : fileNameVerdict(entry.name, file.size, maxBytes);
      if (!verdict && ++files > maxFiles) verdict = overFileLimit(maxFiles);
      yield verdict ? skipped(relPath, verdict) : { kind: "file", file: file as ScannedFile };
    }
    // Reverse so that the stack pops subdirectories in name order.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push({ rel: subdirs[i], levels });
  }
}

/** Collects a whole scan; fine for tests and small trees (the indexer streams instead). */
export async function scanAll(root: string, options?: ScanOptions): Promise<{ files: ScannedFile[]; skipped: SkippedEntry[] }> {
  const files: ScannedFile[] = [];
  const skippedEntries: SkippedEntry[] = [];
  for await (const entry of scanWorkspace(root, options)) {
    if (entry.kind === "file") files.push(entry.file);
    else skippedEntries.push(entry.skipped);
  }
  return { files, skipped: skippedEntries };
}

function baseLevels(options: ScanOptions): IgnoreLevel[] {
  const levels: IgnoreLevel[] = [{ dir: "", rules: ignore().add([...DEFAULT_EXCLUDES]), source: DEFAULTS }];
  if (options.excludes?.length) levels.push({ dir: "", rules: ignore({ ignorecase: IGNORE_CASE }).add([...options.excludes]), source: SETTINGS });
  return levels;
}

/** The rule leaving out build output folders in `rel` (see OUTPUT_FOLDERS), when it is the root or holds a project's manifest. */
function outputFolders(rel: string, names: readonly string[]): IgnoreLevel[] {
  if (rel !== "" && !names.some((name) => PROJECT_MANIFEST.test(name))) return [];
  return [{ dir: rel, rules: ignore().add(OUTPUT_FOLDERS.map((folder) => `/${folder}`)), source: DEFAULTS }];
}

/** The rules that depend only on a file's name and size. */
function fileNameVerdict(name: string, size: number, maxBytes: number): string | undefined {
  if (isSecretFileName(name)) return "may hold secrets (never indexed)";
  if (hasBinaryExtension(name)) return "binary file type";
  if (size > maxBytes) return `too large (${size} bytes, limit ${maxBytes})`;
  return undefined;
}

/** Why a file past `maxFiles` is skipped (a full scan and a watched change say the same). */
export function overFileLimit(maxFiles: number): string {
  return `over the file limit (${maxFiles} files; setting groundwork.index.maxFiles)`;
}

/**
 * Entries from scanPaths under the file limit: a file the index does not hold yet is skipped once
 * `indexedCount` files are indexed, as a full scan would have left it out.
 */
export function withinFileLimit(entries: readonly ScanEntry[], maxFiles: number | undefined, isIndexed: (relPath: string) => boolean, indexedCount: number): ScanEntry[] {
  if (maxFiles === undefined) return [...entries];
  let count = indexedCount;
  return entries.map((entry) => {
    if (entry.kind !== "file" || isIndexed(entry.file.path)) return entry;
    if (count >= maxFiles) return skipped(entry.file.path, overFileLimit(maxFiles));
    count++;
    return entry;
  });
}

function skipped(relPath: string, reason: string): ScanEntry {
  return { kind: "skipped", skipped: { path: relPath, reason } };
}

async function readIgnoreFiles(absDir: string, rel: string, names: string[]): Promise<IgnoreLevel[]> {
  const levels: IgnoreLevel[] = [];
  for (const name of IGNORE_FILE_NAMES) {
    if (!names.includes(name)) continue;
    try {
      const text = await fs.readFile(path.join(absDir, name), "utf8");
      levels.push({ dir: rel, rules: ignore({ ignorecase: IGNORE_CASE }).add(text), source: rel ? `${rel}/${name}` : name });
    } catch {
      // An unreadable ignore file ignores nothing; the file itself is reported when scanned.
    }
  }
  return levels;
}

/**
 * Git semantics: the last level whose rules match decides; a negation re-includes. An ignore file
 * decides over the default excludes of its own folder and those above it, a deeper folder's over
 * it (an output folder next to a nested manifest is taken back by that folder's ignore file, not
 * by a root `!*\/` that lets every folder in); the settings (`groundwork.index.exclude`) decide
 * last. Every folder above `relPath` was let in (the walk went into it, or the watcher's check
 * did): a level's rule for a folder above no longer decides for what is inside, as in git, only
 * its rules for the path itself (`!vendor/` lets in `vendor/lib.go`, not `vendor/lib.min.js`).
 */
function matchIgnore(levels: readonly IgnoreLevel[], relPath: string, isDir: boolean): string | undefined {
  let ignoredBy: string | undefined;
  const settingsLast = [...levels.filter((level) => level.source !== SETTINGS), ...levels.filter((level) => level.source === SETTINGS)];
  for (const level of settingsLast) {
    const local = level.dir ? relPath.slice(level.dir.length + 1) : relPath;
    const target = isDir ? local + "/" : local;
    let result = level.rules.test(target);
    const slash = local.lastIndexOf("/");
    if (result.ignored && slash > 0 && level.rules.test(local.slice(0, slash + 1)).ignored) result = withFoldersLetIn(level.rules, local.slice(0, slash)).test(target);
    if (result.ignored) ignoredBy = level.source;
    else if (result.unignored) ignoredBy = undefined;
  }
  return ignoredBy;
}

const DEFAULTS = "default excludes";
const SETTINGS = "settings";

/** `rules` with every folder down to `folder` let in again (negations added last), so that only rules for what is inside it decide; cached per rules and folder. */
function withFoldersLetIn(rules: Ignore, folder: string): Ignore {
  let byFolder = letIn.get(rules);
  if (!byFolder) letIn.set(rules, (byFolder = new Map()));
  let derived = byFolder.get(folder);
  if (!derived) {
    const parts = folder.split("/");
    const negations = parts.map((_, i) => `!/${parts.slice(0, i + 1).map((part) => part.replace(/[\\*?[\]]|\s$/g, "\\$&")).join("/")}/`);
    byFolder.set(folder, (derived = ignore().add(rules).add(negations)));
  }
  return derived;
}

const letIn = new WeakMap<Ignore, Map<string, Ignore>>();

const STATS_PER_TURN = 256;

function statFile(root: string, relPath: string): ScannedFile | { reason: string } {
  const absPath = path.join(root, relPath);
  try {
    const stat = statSync(absPath);
    return { path: relPath, absPath, size: stat.size, mtimeMs: Math.floor(stat.mtimeMs) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A name that is not valid UTF-8 comes back from readdir with U+FFFD and cannot be opened by it.
    if (code === "ENOENT" && relPath.includes("\uFFFD")) return { reason: "file name is not valid UTF-8 (cannot be opened by name)" };
    return { reason: code === "ENOENT" ? "deleted during the scan" : `unreadable (${code ?? error})` };
  }
}

/**
 * The first part of a folder-relative path (from the root down: its folders, and the file when
 * `parts` names it) that is a symbolic link, if any. `cache` keeps what was looked at, for many paths.
 */
export async function firstLinkOnPath(root: string, parts: readonly string[], cache = new Map<string, boolean>()): Promise<string | undefined> {
  for (let i = 1; i <= parts.length; i++) {
    const part = parts.slice(0, i).join("/");
    let linked = cache.get(part);
    if (linked === undefined) {
      linked = (await fs.lstat(path.join(root, part)).catch(() => undefined))?.isSymbolicLink() ?? false;
      cache.set(part, linked);
    }
    if (linked) return part;
  }
  return undefined;
}

async function describeLink(absPath: string, root: string): Promise<string> {
  try {
    const target = await fs.realpath(absPath);
    const realRoot = await fs.realpath(root);
    const inside = isWithin(realRoot, target);
    return inside ? "symbolic link (its target is indexed at its own path)" : "symbolic link to outside the workspace";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ELOOP" ? "symbolic link loop" : "broken symbolic link";
  }
}

/**
 * Checks specific paths (from a file watcher) with the same rules as a full scan: the ignore
 * files of every ancestor folder, secrets, binaries, size. Paths that no longer exist come back
 * in `missing`, folders in `folders` (their contents need a scan of their own). A file inside an
 * ignored folder comes back as that folder's skip entry, as a full scan reports it.
 */
export async function scanPaths(
  root: string,
  relPaths: readonly string[],
  options: ScanOptions = {},
): Promise<{ entries: ScanEntry[]; missing: string[]; folders: string[] }> {
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const base = baseLevels(options);
  const levelCache = new Map<string, IgnoreLevel[]>();
  const levelsFor = async (dir: string): Promise<IgnoreLevel[]> => {
    const cached = levelCache.get(dir);
    if (cached) return cached;
    const parent = dir === "" ? base : await levelsFor(dir.includes("/") ? dir.slice(0, dir.lastIndexOf("/")) : "");
    const absDir = path.join(root, dir);
    const names = await fs.readdir(absDir).catch(() => [] as string[]);
    const levels = [...parent, ...outputFolders(dir, names), ...(await readIgnoreFiles(absDir, dir, names))];
    if (dir && names.includes("pyvenv.cfg")) levels.push({ dir, rules: ignore().add("*"), source: "Python virtual environment (has pyvenv.cfg)" });
    levelCache.set(dir, levels);
    return levels;
  };
  const entries: ScanEntry[] = [];
  const missing: string[] = [];
  const folders: string[] = [];
  const linkCache = new Map<string, boolean>();
  for (const relPath of relPaths) {
    const name = relPath.slice(relPath.lastIndexOf("/") + 1);
    const dir = relPath.includes("/") ? relPath.slice(0, relPath.lastIndexOf("/")) : "";
    let stat;
    try {
      stat = await fs.lstat(path.join(root, relPath));
    } catch (error) {
      // Gone. Not so a file whose folder can no longer be listed (EACCES): what was indexed stays, as in a full run.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") missing.push(relPath);
      continue;
    }
    if (stat.isDirectory()) {
      folders.push(relPath);
      continue;
    }
    const parts = dir ? dir.split("/") : [];
    // As in a full scan, an ignored folder hides everything below it.
    let ignoredFolder: SkippedEntry | undefined;
    for (let i = 0; i < parts.length && !ignoredFolder; i++) {
      const folder = parts.slice(0, i + 1).join("/");
      const by = matchIgnore(await levelsFor(parts.slice(0, i).join("/")), folder, true);
      if (by) ignoredFolder = { path: folder + "/", reason: `ignored by ${by}` };
    }
    // A folder on the way that is a symbolic link now (a folder replaced by one): a full scan skips
    // it and forgets what was below it, so it goes back as a folder to scan.
    const linked = ignoredFolder ? undefined : await firstLinkOnPath(root, parts, linkCache);
    if (linked !== undefined) {
      folders.push(linked);
      continue;
    }
    const ignoredBy = matchIgnore(await levelsFor(dir), relPath, false);
    if (ignoredFolder) entries.push(skipped(ignoredFolder.path, ignoredFolder.reason));
    else if (stat.isSymbolicLink()) entries.push(skipped(relPath, await describeLink(path.join(root, relPath), root)));
    else if (!stat.isFile()) entries.push(skipped(relPath, "not a regular file"));
    else if (ignoredBy) entries.push(skipped(relPath, `ignored by ${ignoredBy}`));
    else if (fileNameVerdict(name, stat.size, maxBytes)) entries.push(skipped(relPath, fileNameVerdict(name, stat.size, maxBytes)!));
    else entries.push({ kind: "file", file: { path: relPath, absPath: path.join(root, relPath), size: stat.size, mtimeMs: Math.floor(stat.mtimeMs) } });
  }
  return { entries, missing, folders };
}
