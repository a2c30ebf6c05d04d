// The open indexes of a codebase's folders, by folder root: opened when a folder joins the
// workspace, closed when it leaves (codebase.ts). Where a folder's index lives is decided here.
import * as path from "node:path";
import type { Embedder } from "../embed/embedder";
import type { FileStages } from "../index/stages";
import type { SearchSegment } from "../retrieval/retriever";
import { isRemoteUri } from "../store/lance";
import { samePath } from "../../shared/fsPaths";
import { sha256Hex } from "../util/hash";
import type { Logger } from "../util/host";
import { FolderIndex } from "./folderIndex";
import { type FolderSpec, namedFolders } from "./paths";
import { type CodebaseFolder, CodebaseError, type CodebaseOptions } from "./types";

export function defaultDbPath(root: string): string {
  return path.join(root, ".groundwork", "index");
}

export class FolderIndexes {
  private readonly byRoot = new Map<string, FolderIndex>();
  private readonly deletedListeners = new Set<(roots: string[]) => void>();

  constructor(
    private readonly options: CodebaseOptions,
    private readonly embedder: Embedder,
    private readonly stages: FileStages,
    private readonly logger: Logger,
  ) {}

  /**
   * Opens the indexes of folders added and closes those of folders removed; returns the folders,
   * named. One folder that can't be opened fails the call, and the others it opened meanwhile are
   * closed, not left open.
   */
  async set(specs: readonly FolderSpec[]): Promise<CodebaseFolder[]> {
    const named = namedFolders(specs, this.options.paths).map((folder) => ({ ...folder, dbPath: resolveIndexLocation(folder.dbPath ?? this.dbPathFor(folder.root)) }));
    const wanted = new Set(named.map((folder) => folder.root));
    for (const [root, index] of this.byRoot) {
      if (wanted.has(root)) continue;
      this.byRoot.delete(root);
      index.close();
    }
    const opening = named.filter((folder) => !this.byRoot.has(folder.root)).map(async (folder) => [folder.root, await this.open(folder, folder.root === named[0]?.root)] as const);
    const opened = await Promise.allSettled(opening);
    const failed = opened.find((result) => result.status === "rejected");
    if (failed) {
      for (const result of opened) if (result.status === "fulfilled") result.value[1].close();
      throw failed.reason;
    }
    for (const result of opened) if (result.status === "fulfilled") this.byRoot.set(...result.value);
    return named;
  }

  private dbPathFor(root: string): string {
    if (!this.options.storageDir) return defaultDbPath(root);
    return path.join(this.options.storageDir, `index-${sha256Hex(path.resolve(root)).slice(0, 16)}`);
  }

  /** `first`: the workspace's first folder, the one a shared index is for. */
  private open(folder: CodebaseFolder, first: boolean): Promise<FolderIndex> {
    const { scan, vectorIndexMinRows, syncTextIndexMaxRows, batchChunks, neural, embedderFor, keepGenerations, shared } = this.options;
    // Its own index as its shared one: every file would lean on itself and its chunks go (an index wiped for the whole team).
    if (first && shared && (isRemoteUri(shared) ? resolveIndexLocation(shared) === folder.dbPath : samePath(resolveIndexLocation(shared), folder.dbPath))) {
      return Promise.reject(new CodebaseError(`The shared index ${shared} is ${folder.root}'s own index: a folder's index can't be the shared index it overlays. Keep the local index elsewhere (--db, or the default).`));
    }
    return FolderIndex.open({
      root: folder.root, dbPath: folder.dbPath, embedder: this.embedder, neural, embedderFor, keepGenerations, stages: this.stages, scan, logger: this.logger,
      // A shared index is one repository's: it goes under the first folder.
      shared: first ? shared : undefined,
      vectorIndexMinRows, syncTextIndexMaxRows, batchChunks,
    });
  }

  /** The folder's index; a CodebaseError for a folder not part of the codebase. */
  of(folder: CodebaseFolder): FolderIndex {
    const index = this.byRoot.get(folder.root);
    if (!index) throw new CodebaseError(`The folder ${folder.root} is not part of this codebase.`);
    return index;
  }

  find(root: string): FolderIndex | undefined {
    return this.byRoot.get(root);
  }

  all(): FolderIndex[] {
    return [...this.byRoot.values()];
  }

  /** Calls `listener` with the roots of folders whose index was found deleted under this process. */
  onDeleted(listener: (roots: string[]) => void): () => void {
    this.deletedListeners.add(listener);
    return () => void this.deletedListeners.delete(listener);
  }

  /** Tells the listeners of folders whose index a read since the last call found deleted. */
  noticeDeleted(): void {
    const roots = this.all().filter((index) => index.takeDeleted()).map((index) => index.root);
    if (roots.length > 0) for (const listener of this.deletedListeners) listener(roots);
  }

  /** What searches read, folder after folder. */
  segments(folders: readonly CodebaseFolder[]): SearchSegment[] {
    return folders.flatMap((folder) => this.byRoot.get(folder.root)?.segments(folder.prefix) ?? []);
  }

  close(): void {
    for (const index of this.byRoot.values()) index.close();
    this.byRoot.clear();
  }
}

/** A folder path made absolute; an object-store URI as it is. */
function resolveIndexLocation(location: string): string {
  return isRemoteUri(location) ? location.replace(/\/+$/, "") : path.resolve(location);
}
