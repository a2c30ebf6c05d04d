// "Groundwork: Export Fine-Tuning Data" and "Groundwork: Evaluate Models on This Workspace": the
// CLI's dataset and model-eval in VS Code, with progress and Cancel; the eval's report opens as a
// table with a bar chart.
import * as path from "node:path";
import * as vscode from "vscode";
import { buildDataset, type DatasetFormat, type DatasetReport } from "../core/tune/dataset";
import { type ModelEvalReport, runModelEval, shownMean } from "../core/tune/modelEval";
import type { IndexService } from "./indexService";
import type { ModelService } from "./modelService";

export interface TuneDeps {
  indexService: IndexService;
  models: ModelService;
}

export interface ExportArgs {
  out?: string;
  format?: DatasetFormat;
  withRetrieval?: boolean;
  seed?: string;
  testShare?: number;
}

export interface EvaluateArgs {
  model?: string;
  against?: string;
  tasks?: number;
  out?: string;
  seed?: string;
  testShare?: number;
}

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === "file");
  if (!folder) throw new Error("Open a folder first: the data comes from its code.");
  return folder.uri.fsPath;
}

function withCancellableProgress<T>(title: string, task: (report: (message: string) => void, signal: AbortSignal) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    return task((message) => progress.report({ message }), abort.signal);
  });
}

export function registerTuneCommands(deps: TuneDeps): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand("groundwork.exportFineTuningData", (args: ExportArgs = {}) => exportData(deps, args)),
    vscode.commands.registerCommand("groundwork.evaluateModels", (args: EvaluateArgs = {}) => evaluateModels(deps, args)),
  ];
}

async function exportData(deps: TuneDeps, args: ExportArgs): Promise<DatasetReport | undefined> {
  const root = workspaceRoot();
  const format = args.format ?? (await vscode.window.showQuickPick(
    [
      { label: "openai-chat", description: "OpenAI chat fine-tuning JSONL ({\"messages\": [...]})" },
      { label: "prompt-completion", description: "prompt/completion JSONL" },
      { label: "fim", description: "raw fill-in-the-middle text with Qwen2.5-Coder's FIM tokens" },
    ],
    { title: "Fine-tuning data format" },
  ))?.label as DatasetFormat | undefined;
  if (!format) return undefined;
  const out = args.out ?? path.join(root, ".groundwork", "dataset");
  const codebase = await deps.indexService.codebase();
  const report = await withCancellableProgress("Groundwork: exporting fine-tuning data", (progress, signal) =>
    buildDataset({ codebase, root, out, format, withRetrieval: args.withRetrieval ?? true, seed: args.seed, testShare: args.testShare, signal, onProgress: progress, command: `Groundwork: Export Fine-Tuning Data (${format})` }));
  const open = "Open Dataset Card";
  void vscode.window.showInformationMessage(`Groundwork: ${report.examples.train} train and ${report.examples.test} test examples in ${out}.`, open).then((choice) => {
    if (choice === open) void vscode.window.showTextDocument(vscode.Uri.file(path.join(out, "README.md")));
  });
  return report;
}

async function evaluateModels(deps: TuneDeps, args: EvaluateArgs): Promise<ModelEvalReport | undefined> {
  const root = workspaceRoot();
  const profiles = deps.models.profiles();
  let ids = [args.model, args.against].filter((id): id is string => Boolean(id));
  if (ids.length === 0) {
    const picked = await vscode.window.showQuickPick(profiles.map((p) => ({ label: p.id, description: `${p.kind === "lora" ? "LoRA" : "base"} · ${p.model}`, picked: true })), { title: "Models to evaluate (one or two)", canPickMany: true });
    ids = (picked ?? []).slice(0, 2).map((item) => item.label);
  }
  if (ids.length === 0) return undefined;
  const chosen = ids.map((id) => {
    const profile = profiles.find((p) => p.id === id);
    if (!profile) throw new Error(`No model profile "${id}".`);
    return profile;
  });
  // Every chosen model gets the workspace's code: in an untrusted workspace, each is asked for.
  for (const profile of chosen) {
    if (!(await deps.models.mayUseModel(profile))) {
      void vscode.window.showInformationMessage(`Groundwork: nothing was sent; this workspace is not trusted and sending its code to ${profile.label} was declined.`);
      return undefined;
    }
  }
  const models = await Promise.all(chosen.map(async (profile) => ({ profile, client: await deps.models.client(profile) })));
  const codebase = await deps.indexService.codebase();
  const out = args.out ?? path.join(root, ".groundwork", "model-eval");
  const report = await withCancellableProgress("Groundwork: evaluating models on this workspace", (progress, signal) =>
    runModelEval({ codebase, root, models, tasks: args.tasks, out, seed: args.seed, testShare: args.testShare, signal, audit: deps.models.audit, onProgress: (done, total) => progress(`${done} of ${total} completions`) }));
  showReport(report);
  return report;
}

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The report as a table and a bar chart of edit similarity per model and context (static HTML, no scripts). */
export function reportHtml(report: ModelEvalReport): string {
  const f = shownMean;
  const rows = report.cells.map((c) => `<tr><td>${escape(c.profile)}</td><td>${c.retrieval === "on" ? "retrieval" : "no retrieval"}</td><td>${f(c.exact)}</td><td>${f(c.editSimilarity)}</td><td>${f(c.identifierF1)}</td><td>${f(c.parses)}</td><td>${c.p50Ms}</td><td>${c.p95Ms}</td><td>${c.errors}</td></tr>`).join("");
  const bars = report.cells.map((c, i) => {
    const width = Math.round((c.editSimilarity ?? 0) * 300);
    return `<text x="0" y="${i * 28 + 17}">${escape(c.profile)} · ${c.retrieval === "on" ? "retrieval" : "no retrieval"}</text><rect x="210" y="${i * 28 + 4}" width="${width}" height="18" class="${c.retrieval}"/><text x="${216 + width}" y="${i * 28 + 17}">${f(c.editSimilarity)}</text>`;
  }).join("");
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';">
<style>body{font-family:var(--vscode-font-family);color:var(--vscode-foreground)}table{border-collapse:collapse}td,th{padding:4px 8px;border-bottom:1px solid var(--vscode-panel-border)}
svg text{fill:var(--vscode-foreground);font-size:12px}rect.on{fill:var(--vscode-charts-green)}rect.off{fill:var(--vscode-charts-blue)}</style></head>
<body><h2>Tune or index: ${report.tasks} held-out functions</h2>
<table><thead><tr><th>model</th><th>context</th><th>exact</th><th>edit sim.</th><th>ident. F1</th><th>parses</th><th>p50 ms</th><th>p95 ms</th><th>errors</th></tr></thead><tbody>${rows}</tbody></table>
<h3>Edit similarity</h3><svg width="600" height="${report.cells.length * 28 + 8}" role="img" aria-label="edit similarity per model and context">${bars}</svg>
<p>${escape(report.verdict)}</p></body></html>`;
}

function showReport(report: ModelEvalReport): void {
  const panel = vscode.window.createWebviewPanel("groundworkModelEval", "Groundwork: Tune or Index", vscode.ViewColumn.Active, { enableScripts: false });
  panel.webview.html = reportHtml(report);
}
