// What chat, code actions and completions are grounded in inside VS Code: every workspace
// folder's index searched together (with several folders, paths start with the folder's name,
// so a citation says where it comes from), and the conventions of the active file's folder.
import * as vscode from "vscode";
import type { ConventionSet } from "../core/conventions/conventionSet";
import type { GroundingSource } from "../core/model/groundedChat";
import type { SearchHit, SearchOptions } from "../core/retrieval/retriever";
import type { IndexService } from "./indexService";

export class WorkspaceGrounding implements GroundingSource {
  constructor(private readonly service: IndexService, private readonly activeFolder: () => vscode.WorkspaceFolder | undefined) {}

  private get folders(): readonly vscode.WorkspaceFolder[] {
    return vscode.workspace.workspaceFolders ?? [];
  }

  async search(query: string, options?: SearchOptions): Promise<SearchHit[]> {
    const multi = this.folders.length > 1;
    const hits: SearchHit[] = [];
    for (const folder of this.folders) {
      const found = await (await this.service.indexFor(folder)).search(query, options);
      hits.push(...found.map((hit) => (multi ? { ...hit, path: `${folder.name}/${hit.path}` } : hit)));
    }
    if (!multi) return hits;
    // Expansion hits stay after the direct hits, as in one folder.
    const direct = hits.filter((hit) => !hit.expandedFrom).sort((a, b) => b.score - a.score);
    const expanded = hits.filter((hit) => hit.expandedFrom);
    return [...direct.slice(0, options?.limit ?? 10), ...expanded.slice(0, options?.expandLimit ?? 5)];
  }

  /** The chunks an `@` mention pins: a file's (`@src/a.ts`) or a symbol's definition (`@parseURL`). */
  async mentioned(mention: string): Promise<SearchHit[]> {
    const multi = this.folders.length > 1;
    const hits: SearchHit[] = [];
    for (const folder of this.folders) {
      const store = (await this.service.indexFor(folder)).store;
      let chunks;
      if (mention.includes("/") || mention.includes(".")) {
        const relPath = multi && mention.startsWith(`${folder.name}/`) ? mention.slice(folder.name.length + 1) : mention;
        chunks = await store.chunksOf(relPath);
      } else {
        chunks = await store.chunksDefining([mention], 3);
      }
      hits.push(...chunks.map((chunk) => ({ ...chunk, path: multi ? `${folder.name}/${chunk.path}` : chunk.path, score: 1, ranks: {} })));
    }
    return hits;
  }

  async conventions(): Promise<ConventionSet> {
    const folder = this.activeFolder() ?? this.folders[0];
    if (!folder) throw new Error("Open a folder to use Groundwork.");
    return (await this.service.indexFor(folder)).conventions();
  }

  /** The path conventions and citations use for a file: folder-prefixed in a multi-root workspace. */
  relativePath(uri: vscode.Uri): string | undefined {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) return undefined;
    const relative = vscode.workspace.asRelativePath(uri, false);
    return this.folders.length > 1 && !relative.startsWith(`${folder.name}/`) ? `${folder.name}/${relative}` : relative;
  }

  /** The file a citation path names. */
  resolve(citationPath: string): vscode.Uri | undefined {
    if (this.folders.length === 1) return vscode.Uri.joinPath(this.folders[0].uri, citationPath);
    const [name, ...rest] = citationPath.split("/");
    const folder = this.folders.find((f) => f.name === name);
    return folder ? vscode.Uri.joinPath(folder.uri, rest.join("/")) : undefined;
  }
}
