// The assistant features, composed: models and keys, the sidebar chat, code actions, inline
// completions, proposals (diff previews), the model status bar and their commands.
import { registerTuneCommands } from "./tuneCommands";
import * as vscode from "vscode";
import type { Logger } from "../core/util/host";
import type { CodeActionKind } from "../core/prompt/codeActions";
import { type AgentSurfaces, registerAgentSurfaces } from "./agents";
import { ChatController, describeIndexState } from "./chat/chatController";
import { CHAT_VIEW_ID, ChatViewProvider } from "./chat/chatView";
import { CODE_ACTION_COMMANDS, GroundworkCodeActions, runCodeAction } from "./codeActions";
import { GroundworkInlineCompletions } from "./inlineCompletions";
import type { IndexService } from "./indexService";
import { ModelService } from "./modelService";
import { PROPOSAL_SCHEME, ProposalService } from "./proposals";
import { readSettings } from "./settings";
import { ModelStatusBar } from "./statusBar";

export interface AssistantDeps {
  context: vscode.ExtensionContext;
  indexService: IndexService;
  storageDir: string;
  logger: Logger;
  channel: vscode.LogOutputChannel;
}

export interface Assistant {
  models: ModelService;
  agents: AgentSurfaces;
  chat: ChatController;
  view: ChatViewProvider;
  proposals: ProposalService;
  modelStatusBar: ModelStatusBar;
}

export function registerAssistant(deps: AssistantDeps): Assistant {
  const { context, indexService, logger } = deps;
  const subscriptions = context.subscriptions;
  const models = new ModelService({ secrets: context.secrets, storageDir: deps.storageDir, logger, settings: () => readSettings() });
  const proposals = new ProposalService(logger);
  const view = new ChatViewProvider(context.extensionUri, logger);
  const chat = new ChatController({ post: (m) => view.post(m), indexService, models, proposals, state: context.workspaceState, logger });
  view.setHandler(chat);
  const modelStatusBar = new ModelStatusBar();
  const refreshModels = (): void => {
    const settings = readSettings();
    const completion = models.completionProfile();
    modelStatusBar.update(models.chatProfile(), settings["completions.enabled"], completion.label);
    view.post({ type: "models", models: chat.modelViews() });
  };
  refreshModels();
  const codeActionDeps = { models, indexService, proposals, chat, view, logger };

  subscriptions.push(
    models, proposals, view, modelStatusBar,
    vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, view, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, proposals),
    vscode.languages.registerCodeActionsProvider({ scheme: "file" }, new GroundworkCodeActions(), { providedCodeActionKinds: GroundworkCodeActions.kinds }),
    vscode.languages.registerInlineCompletionItemProvider({ scheme: "file" }, new GroundworkInlineCompletions(models, indexService, () => readSettings(), logger)),
    models.onDidChange(refreshModels),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("groundwork.completions")) refreshModels();
    }),
    indexService.onDidChangeState((state) => view.post({ type: "indexState", text: describeIndexState(state) })),
    ...registerTuneCommands({ indexService, models }),
    vscode.commands.registerCommand("groundwork.acceptProposal", (uri?: vscode.Uri) => proposals.accept(uri)),
    vscode.commands.registerCommand("groundwork.rejectProposal", (uri?: vscode.Uri) => proposals.reject(uri)),
    vscode.commands.registerCommand("groundwork.setApiKey", (profileId?: string, key?: string) => models.setApiKey(profileId, key)),
    vscode.commands.registerCommand("groundwork.switchChatModel", (profileId?: string) => models.switchModel("chat", profileId)),
    vscode.commands.registerCommand("groundwork.switchCompletionModel", (profileId?: string) => models.switchModel("completions", profileId)),
    vscode.commands.registerCommand("groundwork.toggleCompletions", async () => {
      const enabled = !readSettings()["completions.enabled"];
      await vscode.workspace.getConfiguration("groundwork").update("completions.enabled", enabled, vscode.ConfigurationTarget.Global);
      return enabled;
    }),
    vscode.commands.registerCommand("groundwork.newChat", () => chat.newChat()),
    vscode.commands.registerCommand("groundwork.ask", async (question?: string) => {
      const text = question ?? (await vscode.window.showInputBox({ prompt: "Ask Groundwork about this codebase" }));
      if (!text) return undefined;
      await view.reveal();
      return chat.ask(`q${Date.now().toString(36)}`, text);
    }),
    vscode.commands.registerCommand("groundwork.askAboutSelection", () => runCodeAction(codeActionDeps, "explain")),
    vscode.commands.registerCommand("groundwork.compareModels", async (question?: string, otherProfileId?: string) => {
      const text = question ?? (await vscode.window.showInputBox({ prompt: "Question to ask both models" }));
      if (!text) return undefined;
      let other: Parameters<ChatController["compare"]>[1] | undefined;
      if (otherProfileId === "without-retrieval") other = "without-retrieval";
      else if (otherProfileId) other = models.profiles().find((p) => p.id === otherProfileId);
      else {
        const active = models.chatProfile();
        const picked = await vscode.window.showQuickPick(
          [
            ...models.profiles().filter((p) => p.id !== active.id).map((p) => ({ label: p.label, description: p.kind === "lora" ? `LoRA · ${p.model}` : `base · ${p.model}`, value: p as typeof other })),
            { label: `${active.label} without retrieval`, description: "the same model, no retrieved code", value: "without-retrieval" as const },
          ],
          { title: `Compare ${active.label} with…` },
        );
        other = picked?.value;
      }
      if (!other) return undefined;
      await view.reveal();
      return chat.compare(text, other);
    }),
    vscode.commands.registerCommand("groundwork.openAuditLog", async () => {
      try {
        const document = await vscode.workspace.openTextDocument(vscode.Uri.file(models.audit.file));
        await vscode.window.showTextDocument(document, { preview: true });
      } catch {
        void vscode.window.showInformationMessage("Groundwork: no model request has been made yet, so the audit log is empty.");
      }
      return models.audit.file;
    }),
    vscode.commands.registerCommand("groundwork.showLogs", () => deps.channel.show(true)),
    vscode.commands.registerCommand("groundwork.clearIndex", async () => {
      await indexService.clear();
      void vscode.window.showInformationMessage("Groundwork: the index was cleared. Run Reindex Workspace to build it again.");
    }),
    ...(Object.entries(CODE_ACTION_COMMANDS) as Array<[CodeActionKind, { command: string }]>).map(([kind, { command }]) =>
      vscode.commands.registerCommand(command, (uri?: vscode.Uri, range?: vscode.Range, problems?: string[]) => runCodeAction(codeActionDeps, kind, uri, range, problems)),
    ),
  );
  const agents = registerAgentSurfaces({ context, indexService, models, storageDir: deps.storageDir, logger: deps.logger });
  return { models, agents, chat, view, proposals, modelStatusBar };
}
