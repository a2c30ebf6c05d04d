// "Show Index Status": a read-only Markdown document listing each folder's index, with every
// skipped file and its reason.
import * as vscode from "vscode";
import type { FolderStatus } from "../core/codebase";

export const STATUS_SCHEME = "groundwork-status";
export const STATUS_URI = vscode.Uri.parse(`${STATUS_SCHEME}:Groundwork Index Status.md`);

export function renderStatus(statuses: readonly FolderStatus[]): string {
  if (statuses.length === 0) return "# Groundwork index\n\nNo folder is open: open a folder to index it.\n";
  const parts = ["# Groundwork index", ""];
  for (const status of statuses) {
    parts.push(
      `## ${status.folder} (${status.root})`, "",
      `- Files indexed: ${status.filesIndexed}`,
      `- Chunks: ${status.chunks}`,
      `- Last update: ${status.lastUpdated ?? "never"}`,
      `- Embedder: ${status.embedder}`,
      `- Index location: ${status.dbPath}`,
      ...(status.commit ? [`- Commit: ${status.commit}`] : []),
      ...(status.shared
        ? [status.shared.problem
          ? `- Shared index: ${status.shared.uri} (not used: ${status.shared.problem})`
          : `- Shared index: ${status.shared.uri}, ${status.shared.files} files${status.shared.commit ? ` at ${status.shared.commit.slice(0, 12)}` : ""}; ${status.shared.overlaid} overlaid here`]
        : []),
      ...(status.generation?.searches === "keywords only" ? ["- Searches: keywords only until the rebuilt index is complete"] : []),
      ...(status.rebuilding ? [`- Rebuilding: ${status.rebuilding.reason}; ${status.rebuilding.filesDone} files so far (the current index answers meanwhile)`] : []),
      "",
      `### Skipped (${status.skipped.length})`, "",
      ...(status.skipped.length ? status.skipped.map((r) => `- \`${r.path}\`: ${r.reason}`) : ["None."]), "",
    );
    if (status.failed.length) parts.push(`### Failed (${status.failed.length})`, "", ...status.failed.map((r) => `- \`${r.path}\`: ${r.reason}`), "");
  }
  return parts.join("\n");
}

export class StatusDocumentProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly load: () => Promise<FolderStatus[]>) {}

  async provideTextDocumentContent(): Promise<string> {
    return renderStatus(await this.load());
  }

  refresh(): void {
    this.changed.fire(STATUS_URI);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
