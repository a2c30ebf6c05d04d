// The files a codebase's indexes hold, by codebase path: the list `@` mentions complete from, the
// file a path names where the file system ignores case, and reading cited lines (only from files
// the index holds: nothing outside the workspace, and no ignored, secret or binary file).
import { constants as fsConstants, promises as fs } from "node:fs";
import * as path from "node:path";
import { LRUCache } from "lru-cache";
import { formatCitation } from "../../shared/citation";
import { type PathFlavor, pathKey } from "../../shared/fsPaths";
import { fromSegment, type SearchSegment } from "../retrieval/retriever";
import { firstLinkOnPath } from "../scan/scanner";
import type { FileRecord } from "../store/schema";
import { type CitedCode, type CodebaseFolder, CodebaseError } from "./types";

export interface FileTarget {
  folder: CodebaseFolder;
  relPath: string;
  absPath: string;
}

/** What the lookups need of the codebase. */
export interface FileSpace {
  flavor(): PathFlavor;
  resolve(codebasePath: string): FileTarget | undefined;
  segmentsOf(folder: CodebaseFolder): SearchSegment[];
  /** "the workspace", or "any folder of the workspace", for messages. */
  scope(): string;
}

export class IndexedFiles {
  private readonly pathLists = new LRUCache<string, string[]>({ max: 64 });

  constructor(private readonly space: FileSpace) {}

  /** A folder's indexed paths, kept until its file records change. */
  async paths(folder: CodebaseFolder): Promise<string[]> {
    const paths = new Set<string>();
    for (const segment of this.space.segmentsOf(folder)) {
      const list = await fromSegment(segment, async () => {
        const key = `${segment.store.dir}\u0000${await segment.store.filesVersion()}`;
        const known = this.pathLists.get(key) ?? (await segment.store.indexedPaths());
        this.pathLists.set(key, known);
        return known;
      }, []);
      for (const relPath of list) if (!segment.hides?.(relPath)) paths.add(relPath);
    }
    return [...paths].sort();
  }

  /**
   * A codebase path resolved to the file the index knows by it: where the file system ignores case
   * (Windows, macOS), `SRC/App.TS` is the indexed `src/app.ts`.
   */
  async target(codebasePath: string): Promise<FileTarget | undefined> {
    const target = this.space.resolve(codebasePath);
    if (!target || !this.space.flavor().caseInsensitive) return target;
    if (await this.recordOf(target)) return target;
    const key = pathKey(target.relPath, this.space.flavor());
    for (const segment of this.space.segmentsOf(target.folder)) {
      for (const known of (await fromSegment(segment, () => segment.store.fileRecords(), new Map())).keys()) {
        if (!segment.hides?.(known) && pathKey(known, this.space.flavor()) === key) return this.space.resolve(target.folder.prefix + known);
      }
    }
    return target;
  }

  /**
   * The record of the index that speaks for the file: the first segment that holds one and does not
   * hide it (a generation being built before the one it replaces; this machine's index before a
   * shared one, also where it skipped the file).
   */
  private async recordOf(target: FileTarget): Promise<FileRecord | undefined> {
    for (const segment of this.space.segmentsOf(target.folder)) {
      if (segment.hides?.(target.relPath)) continue;
      const record = await fromSegment(segment, () => segment.store.fileRecord(target.relPath), undefined);
      if (record) return record;
    }
    return undefined;
  }

  /** The lines a citation names (or a path and a line range), read from the workspace file now. */
  async read(codebasePath: string, startLine = 1, endLine = Number.MAX_SAFE_INTEGER): Promise<CitedCode> {
    const target = await this.target(codebasePath);
    if (!target) throw new CodebaseError(`${codebasePath} is not inside ${this.space.scope()}.`);
    const record = await this.recordOf(target);
    if (record?.status !== "indexed") {
      throw new CodebaseError(`${codebasePath} is not an indexed file of the workspace (it is missing, ignored, binary or may hold secrets).`);
    }
    const lines = (await readIndexedFile(target.folder.root, target.relPath, codebasePath)).split(/\r?\n/);
    const start = Math.max(1, Math.floor(startLine));
    const end = Math.min(lines.length, Math.floor(endLine));
    if (end < start) throw new CodebaseError(`${codebasePath} has ${lines.length} lines; lines ${startLine}-${endLine} are not in it.`);
    const citation = { path: target.folder.prefix + target.relPath, startLine: start, endLine: end };
    const language = record.language ?? "";
    return { ...citation, citation: formatCitation(citation), text: lines.slice(start - 1, end).join("\n"), language, absPath: target.absPath };
  }
}

/**
 * A file the index holds, as it is now, never through a symbolic link put in its place (or in a
 * folder's) since indexing: the file is opened without following a link, and the path is checked
 * again after opening (a link swapped in meanwhile is caught). Errors name the codebase path only.
 */
async function readIndexedFile(root: string, relPath: string, codebasePath: string): Promise<string> {
  const notRead = (why: string): CodebaseError => new CodebaseError(`${codebasePath} is not read: ${why}.`);
  const linkBefore = await firstLinkOnPath(root, relPath.split("/"));
  if (linkBefore) throw notRead(`${linkBefore} is a symbolic link now (the index held a file there)`);
  const absPath = path.join(root, relPath);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(absPath, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new CodebaseError(`${codebasePath} no longer exists (deleted since it was indexed).`);
    throw notRead(code === "ELOOP" ? "it is a symbolic link now" : code === "EACCES" || code === "EPERM" ? "permission denied" : `it can't be opened (${code ?? "unknown error"})`);
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) throw notRead("it is not a regular file now");
    const now = await fs.stat(absPath).catch(() => undefined);
    const linkAfter = await firstLinkOnPath(root, relPath.split("/"));
    if (linkAfter || !now || now.ino !== opened.ino || now.dev !== opened.dev) throw notRead("it changed while being read");
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}
