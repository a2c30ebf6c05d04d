// The status bar item: index state (indexing n/m, ready with chunk count, error); a click opens
// a quick pick of the relevant actions.
import * as vscode from "vscode";
import type { IndexState } from "./indexService";

export const STATUS_MENU_COMMAND = "groundwork.statusMenu";

export function statusText(state: IndexState): { text: string; tooltip: string } {
  switch (state.kind) {
    case "idle":
      return { text: "$(database) Groundwork", tooltip: "Groundwork: index not built yet" };
    case "indexing":
      if (state.embedding && state.embedding.done < state.embedding.total) {
        const { done, total } = state.embedding;
        return {
          text: `$(sync~spin) Groundwork: embedding ${done.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} chunks`,
          tooltip: `Groundwork is embedding the workspace with its embedding model (${done} of ${total} chunks; ${state.filesDone} of ${state.filesTotal} files read)`,
        };
      }
      return {
        text: `$(sync~spin) Groundwork: indexing ${state.filesDone}/${state.filesTotal}`,
        tooltip: `Groundwork is indexing the workspace (${state.filesDone} of ${state.filesTotal} files)`,
      };
    case "ready":
      return {
        text: `$(database) Groundwork: ${state.chunks} chunks`,
        tooltip: `Groundwork index ready: ${state.files} files, ${state.chunks} chunks`,
      };
    case "error":
      return { text: "$(error) Groundwork: index error", tooltip: `Groundwork index error: ${state.message}` };
    case "paused":
      return { text: "$(debug-pause) Groundwork: paused", tooltip: "Groundwork indexing is paused (Resume Indexing catches up); search still works" };
    case "disabled":
      return { text: "$(circle-slash) Groundwork: indexing off", tooltip: "Background indexing is off (groundwork.index.enabled); Reindex Workspace indexes on demand" };
    case "unavailable":
      return { text: "$(warning) Groundwork: no index", tooltip: state.message };
  }
}

export class IndexStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor() {
    this.item = vscode.window.createStatusBarItem("groundwork.index", vscode.StatusBarAlignment.Left, 10);
    this.item.name = "Groundwork Index";
    this.item.command = STATUS_MENU_COMMAND;
    this.update({ kind: "idle" });
    this.item.show();
  }

  update(state: IndexState): void {
    const { text, tooltip } = statusText(state);
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.backgroundColor = state.kind === "error" ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
  }

  /** What the item shows now (for tests). */
  get text(): string {
    return this.item.text;
  }

  dispose(): void {
    this.item.dispose();
  }
}

/** The active chat model (click: switch) and whether inline completions are on (click: toggle). */
export class ModelStatusBar implements vscode.Disposable {
  private readonly model: vscode.StatusBarItem;
  private readonly completions: vscode.StatusBarItem;

  constructor() {
    this.model = vscode.window.createStatusBarItem("groundwork.model", vscode.StatusBarAlignment.Left, 9);
    this.model.name = "Groundwork Model";
    this.model.command = "groundwork.switchChatModel";
    this.completions = vscode.window.createStatusBarItem("groundwork.completions", vscode.StatusBarAlignment.Left, 8);
    this.completions.name = "Groundwork Inline Completions";
    this.completions.command = "groundwork.toggleCompletions";
    this.model.show();
    this.completions.show();
  }

  update(chat: { label: string; kind: string; baseURL: string }, completionsOn: boolean, completionLabel: string): void {
    this.model.text = `$(hubot) ${chat.label}${chat.kind === "lora" ? " (LoRA)" : ""}`;
    this.model.tooltip = `Groundwork chat model: ${chat.label} at ${chat.baseURL}. Click to switch.`;
    this.completions.text = completionsOn ? "$(sparkle) on" : "$(circle-slash) completions off";
    this.completions.tooltip = completionsOn ? `Groundwork inline completions from ${completionLabel}: click to turn off` : "Groundwork inline completions are off: click to turn on";
  }

  get text(): string {
    return this.model.text;
  }

  dispose(): void {
    this.model.dispose();
    this.completions.dispose();
  }
}

export async function showStatusMenu(): Promise<void> {
  const actions: Array<vscode.QuickPickItem & { command: string }> = [
    { label: "$(comment-discussion) Open Chat", command: "groundwork.chatView.focus" },
    { label: "$(search) Search Codebase", command: "groundwork.searchCodebase" },
    { label: "$(hubot) Switch Chat Model", command: "groundwork.switchChatModel" },
    { label: "$(sparkle) Switch Completion Model", command: "groundwork.switchCompletionModel" },
    { label: "$(diff) Compare Models", command: "groundwork.compareModels" },
    { label: "$(refresh) Reindex Workspace", command: "groundwork.reindex" },
    { label: "$(debug-pause) Pause Indexing", command: "groundwork.pauseIndexing" },
    { label: "$(debug-start) Resume Indexing", command: "groundwork.resumeIndexing" },
    { label: "$(info) Show Index Status", command: "groundwork.showIndexStatus" },
    { label: "$(output) Show Logs", command: "groundwork.showLogs" },
  ];
  const picked = await vscode.window.showQuickPick(actions, { placeHolder: "Groundwork" });
  if (picked) await vscode.commands.executeCommand(picked.command);
}
