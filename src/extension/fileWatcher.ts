// Turns file-system events into debounced incremental index updates; a change to an ignore file
// re-indexes the whole folder, since it can change what is indexed anywhere below it.
import * as path from "node:path";
import * as vscode from "vscode";
import { errorMessage, type Logger } from "../core/util/host";
import { IGNORE_FILE_NAMES } from "../core/codebase";
import type { IndexService } from "./indexService";

const DEBOUNCE_MS = 300;

export class IndexFileWatcher implements vscode.Disposable {
  private readonly watcher: vscode.FileSystemWatcher;
  private readonly pending = new Set<string>();
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
    // Background indexing off: the watcher records nothing (Reindex Workspace catches up on demand).
    if (uri.scheme !== "file" || !this.service.backgroundIndexing) return;
    if (!vscode.workspace.getWorkspaceFolder(uri)) return;
    if ((IGNORE_FILE_NAMES as readonly string[]).includes(path.basename(uri.fsPath))) this.fullReindex = true;
    this.pending.add(uri.fsPath);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), DEBOUNCE_MS);
  }

  private async flush(): Promise<void> {
    const paths = [...this.pending];
    const full = this.fullReindex;
    this.pending.clear();
    this.fullReindex = false;
    if (!this.service.backgroundIndexing) return;
    try {
      if (full) await this.service.reindexAll();
      else await this.service.updateFiles(paths);
    } catch (error) {
      this.logger.error(`Could not update the index after file changes: ${errorMessage(error)}`);
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.watcher.dispose();
  }
}
