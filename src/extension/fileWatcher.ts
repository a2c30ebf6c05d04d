// Turns file-system events into debounced incremental index updates; a change to an ignore file
// re-indexes the whole folder, since it can change what is indexed anywhere below it.
import * as path from "node:path";
import * as vscode from "vscode";
import { errorMessage, type Logger } from "../core/host";
import { IGNORE_FILE_NAMES } from "../core/scan/scanner";
import type { IndexService } from "./indexService";

const DEBOUNCE_MS = 300;

export class IndexFileWatcher implements vscode.Disposable {
  private readonly watcher: vscode.FileSystemWatcher;
  private readonly pending = new Map<string, Set<string>>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private fullReindex = false;

  constructor(private readonly service: IndexService, private readonly logger: Logger) {
    this.watcher = vscode.workspace.createFileSystemWatcher("**/*");
    const onEvent = (uri: vscode.Uri): void => this.enqueue(uri);
    this.watcher.onDidCreate(onEvent);
    this.watcher.onDidChange(onEvent);
    this.watcher.onDidDelete(onEvent);
  }

  private enqueue(uri: vscode.Uri): void {
    if (uri.scheme !== "file") return;
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) return;
    if ((IGNORE_FILE_NAMES as readonly string[]).includes(path.basename(uri.fsPath))) this.fullReindex = true;
    const key = folder.uri.toString();
    const paths = this.pending.get(key) ?? new Set<string>();
    paths.add(uri.fsPath);
    this.pending.set(key, paths);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), DEBOUNCE_MS);
  }

  private async flush(): Promise<void> {
    const batches = [...this.pending.entries()];
    const full = this.fullReindex;
    this.pending.clear();
    this.fullReindex = false;
    try {
      if (full) {
        await this.service.reindexAll();
        return;
      }
      for (const [key, paths] of batches) {
        const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.toString() === key);
        if (folder) await this.service.updateFiles(folder, [...paths]);
      }
    } catch (error) {
      this.logger.error(`Could not update the index after file changes: ${errorMessage(error)}`);
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.watcher.dispose();
  }
}
