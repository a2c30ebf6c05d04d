// The command-palette commands of the indexing feature.
import * as vscode from "vscode";
import { type ProgressEvent, type ResultLine, type SearchHit, toResultLine } from "../core/codebase";
import { errorMessage } from "../core/util/host";
import type { IndexService } from "./indexService";
import { STATUS_URI, type StatusDocumentProvider } from "./statusDocument";

export const COMMANDS = {
  reindex: "groundwork.reindex",
  showIndexStatus: "groundwork.showIndexStatus",
  searchCodebase: "groundwork.searchCodebase",
} as const;

export function registerIndexCommands(service: IndexService, statusDocument: StatusDocumentProvider): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(COMMANDS.reindex, () => reindexWithProgress(service)),
    vscode.commands.registerCommand("groundwork.pauseIndexing", () => service.pause()),
    vscode.commands.registerCommand("groundwork.resumeIndexing", () => service.resume().then((results) => results.reduce((sum, r) => sum + r.totalChunks, 0))),
    vscode.commands.registerCommand(COMMANDS.showIndexStatus, async () => {
      statusDocument.refresh();
      const document = await vscode.workspace.openTextDocument(STATUS_URI);
      await vscode.window.showTextDocument(document, { preview: true });
      return document.getText();
    }),
    vscode.commands.registerCommand(COMMANDS.searchCodebase, (query?: string, limit?: number) =>
      typeof query === "string" ? searchResults(service, query, limit ?? 10) : searchQuickPick(service),
    ),
  ];
}

/** A full reindex with a cancellable progress notification; resolves to the total chunk count. */
async function reindexWithProgress(service: IndexService): Promise<number> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: "Groundwork: indexing", cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      let reported = 0;
      const onProgress = ({ folder, progress: p }: ProgressEvent): void => {
        if (p.phase !== "indexing" || p.filesTotal === 0) return;
        const percent = (100 * p.filesDone) / p.filesTotal;
        progress.report({ message: `${folder}: ${p.filesDone}/${p.filesTotal} files`, increment: Math.max(0, percent - reported) });
        reported = percent;
      };
      try {
        const results = await service.reindexAll({ signal: abort.signal, onProgress });
        return results.reduce((sum, result) => sum + result.totalChunks, 0);
      } catch (error) {
        void vscode.window.showErrorMessage(`Groundwork could not index the workspace: ${errorMessage(error)}. See the Groundwork output for details.`);
        throw error;
      }
    },
  );
}

/** What the command returns when called with a query: the CLI's result lines, plus each file's URI. */
export interface SearchResult extends ResultLine {
  uri: string;
}

async function searchResults(service: IndexService, query: string, limit: number): Promise<SearchResult[]> {
  const codebase = await service.codebase();
  const hits = await codebase.search(query, { limit });
  return hits.flatMap((hit) => {
    const file = codebase.resolve(hit.path);
    return file ? [{ ...toResultLine(hit), uri: vscode.Uri.file(file.absPath).toString() }] : [];
  });
}

async function searchQuickPick(service: IndexService): Promise<void> {
  const query = await vscode.window.showInputBox({ prompt: "Search the codebase (no model needed)", placeHolder: "e.g. where are retries configured?" });
  if (!query) return;
  const codebase = await service.codebase();
  const hits = await codebase.search(query, { limit: 20 });
  const items = hits.map((hit: SearchHit) => ({
    label: `$(symbol-${hit.kind === "method" ? "method" : hit.kind === "class" ? "class" : "misc"}) ${hit.symbol}`,
    description: `${hit.path}:${hit.startLine}-${hit.endLine}`,
    detail: hit.text.split("\n").find((line) => line.trim())?.trim(),
    hit,
  }));
  const picked = await vscode.window.showQuickPick(items, { placeHolder: hits.length ? `Results for "${query}"` : "No results", matchOnDescription: true });
  if (!picked) return;
  const file = codebase.resolve(picked.hit.path);
  if (!file) return;
  const uri = vscode.Uri.file(file.absPath);
  const range = new vscode.Range(picked.hit.startLine - 1, 0, picked.hit.endLine - 1, 0);
  await vscode.window.showTextDocument(uri, { selection: range });
}
