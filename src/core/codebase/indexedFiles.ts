// The files a codebase's indexes hold, by codebase path: the list `@` mentions complete from, the
// file a path names where the file system ignores case, and reading cited lines (only from files
// the index holds: nothing outside the workspace, and no ignored, secret or binary file).
import { promises as fs } from "node:fs";
import { LRUCache } from "lru-cache";
import { formatCitation } from "../../shared/citation";
import { type PathFlavor, pathKey } from "../../shared/fsPaths";
import type { SearchSegment } from "../retrieval/retriever";
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
      const key = `${segment.store.dir}\u0000${await segment.store.filesVersion()}`;
      let list = this.pathLists.get(key);
      if (!list) {
        list = await segment.store.indexedPaths();
        this.pathLists.set(key, list);
      }
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
    const segments = this.space.segmentsOf(target.folder);
    if ((await Promise.all(segments.map((segment) => segment.store.fileRecord(target.relPath)))).some(Boolean)) return target;
    const key = pathKey(target.relPath, this.space.flavor());
    for (const segment of segments) {
      for (const known of (await segment.store.fileRecords()).keys()) {
        if (pathKey(known, this.space.flavor()) === key) return this.space.resolve(target.folder.prefix + known);
      }
    }
    return target;
  }

  /** The lines a citation names (or a path and a line range), read from the workspace file now. */
  async read(codebasePath: string, startLine = 1, endLine = Number.MAX_SAFE_INTEGER): Promise<CitedCode> {
    const target = await this.target(codebasePath);
    if (!target) throw new CodebaseError(`${codebasePath} is not inside ${this.space.scope()}.`);
    const indexed = await Promise.all(this.space.segmentsOf(target.folder).map((segment) => segment.store.fileRecord(target.relPath)));
    if (!indexed.some((record) => record?.status === "indexed")) {
      throw new CodebaseError(`${codebasePath} is not an indexed file of the workspace (it is missing, ignored, binary or may hold secrets).`);
    }
    const lines = (await fs.readFile(target.absPath, "utf8")).split(/\r?\n/);
    const start = Math.max(1, Math.floor(startLine));
    const end = Math.min(lines.length, Math.floor(endLine));
    if (end < start) throw new CodebaseError(`${codebasePath} has ${lines.length} lines; lines ${startLine}-${endLine} are not in it.`);
    const citation = { path: target.folder.prefix + target.relPath, startLine: start, endLine: end };
    const language = indexed.find((record) => record?.status === "indexed")?.language ?? "";
    return { ...citation, citation: formatCitation(citation), text: lines.slice(start - 1, end).join("\n"), language, absPath: target.absPath };
  }
}
