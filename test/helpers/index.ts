// A one-folder Codebase for tests, with what the tests assert on: the folder's run and update
// results, its status, and a read-only look at the generation that answers (a second LanceDB
// connection, as another process would have).
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { Codebase, type CodebaseOptions } from "../../src/core/codebase/codebase";
import type { IndexRunResult, RunOptions } from "../../src/core/index/indexer";
import { IndexStore } from "../../src/core/store/store";

export interface TestIndexOptions extends Omit<CodebaseOptions, "folders"> {
  root: string;
  dbPath: string;
}

const NOTHING: IndexRunResult = { filesIndexed: 0, filesUnchanged: 0, filesSkipped: 0, filesRemoved: 0, filesFailed: 0, chunksWritten: 0, chunksEmbedded: 0, vectorsReused: 0, totalChunks: 0, seconds: 0, cancelled: false };

export class TestIndex {
  private stores: IndexStore[] = [];

  private constructor(readonly codebase: Codebase, readonly root: string, readonly dbPath: string) {}

  static async open(options: TestIndexOptions): Promise<TestIndex> {
    const { root, dbPath, ...rest } = options;
    const codebase = await Codebase.open({ ...rest, folders: [{ name: path.basename(root), root, dbPath }] });
    return new TestIndex(codebase, root, dbPath);
  }

  async run(options: RunOptions = {}): Promise<IndexRunResult> {
    const [result] = await this.codebase.index({ signal: options.signal, onProgress: options.onProgress && ((event) => options.onProgress!(event.progress)) });
    return result;
  }

  async update(relPaths: readonly string[]): Promise<IndexRunResult> {
    const [result] = await this.codebase.update(relPaths.map((relPath) => path.join(this.root, relPath)));
    return result ?? NOTHING;
  }

  search(...args: Parameters<Codebase["search"]>): ReturnType<Codebase["search"]> {
    return this.codebase.search(...args);
  }

  conventionsFor(codebasePath: string): ReturnType<Codebase["conventionsFor"]> {
    return this.codebase.conventionsFor(codebasePath);
  }

  conventionDigest(codebasePath: string, maxTokens: number): Promise<string> {
    return this.codebase.conventionDigest(codebasePath, maxTokens);
  }

  mention(text: string): ReturnType<Codebase["mention"]> {
    return this.codebase.mention(text);
  }

  summary(): ReturnType<Codebase["summary"]> {
    return this.codebase.summary();
  }

  maintenanceIdle(): Promise<void> {
    return this.codebase.maintenanceIdle();
  }

  async status() {
    return (await this.codebase.status())[0];
  }

  /** The newest generation on disk, opened read-only (closed with the index). */
  async store(): Promise<IndexStore> {
    const store = await newestGeneration(this.dbPath);
    this.stores.push(store);
    return store;
  }

  close(): void {
    for (const store of this.stores) store.close();
    this.codebase.close();
  }
}

/** The generations under an index path, by name. */
export function generations(dbPath: string): string[] {
  return readdirSync(dbPath).filter((name) => /^g-/.test(name)).sort();
}

/** The generation created last under an index path, opened read-only; the caller closes it. */
export async function newestGeneration(dbPath: string): Promise<IndexStore> {
  const stores = (await Promise.all(generations(dbPath).map((name) => IndexStore.open(path.join(dbPath, name))))).filter((s) => s !== undefined) as IndexStore[];
  if (stores.length === 0) throw new Error(`no index generation under ${dbPath}`);
  stores.sort((a, b) => b.identity.createdAt - a.identity.createdAt);
  for (const other of stores.slice(1)) other.close();
  return stores[0];
}
