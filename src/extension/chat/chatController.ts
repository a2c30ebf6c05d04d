// What the chat view asks for, done: grounded answers streamed into the view (with @file and
// @symbol mentions pinned into the context), Stop, New Chat, history kept per workspace, citations
// opened at their lines, code blocks copied, inserted or applied through a diff preview, model
// switching and Compare. In an untrusted workspace nothing goes to a model without consent
// (ModelService.mayUseModel).
import * as vscode from "vscode";
import { errorMessage, type Logger } from "../../core/util/host";
import { compareProfiles } from "../../core/model/compare";
import type { ContextItem } from "../../core/codebase";
import { activeCodebasePath } from "../editorPaths";
import { type AskResult, GroundedChat, retrievalOnlyResult } from "../../core/model/groundedChat";
import type { ModelProfile } from "../../core/model/profiles";
import type { ChatTurn } from "../../core/prompt/chatPrompt";
import { formatMention } from "../../shared/mention";
import { type AnswerView, type ExtensionToWebview, type Mention, parseCitation, type WebviewToExtension } from "../../shared/protocol";
import type { IndexService, IndexState } from "../indexService";
import type { ModelService } from "../modelService";
import type { ProposalService } from "../proposals";

const HISTORY_KEY = "groundwork.chat.history";
const MAX_HISTORY = 40;

export interface ChatControllerDeps {
  post: (message: ExtensionToWebview) => void;
  indexService: IndexService;
  models: ModelService;
  proposals: ProposalService;
  state: vscode.Memento;
  logger: Logger;
}

export interface AskOptions {
  /** Quoted editor state (e.g. the selection) sent with the question. */
  editorContext?: string;
  /** Codebase path of the file the question is about. */
  activeFile?: string;
}

export function describeIndexState(state: IndexState): string {
  switch (state.kind) {
    case "idle":
      return "Index: waiting";
    case "indexing":
      return `Index: indexing ${state.filesDone}/${state.filesTotal}`;
    case "ready":
      return `Index: ${state.chunks} chunks in ${state.files} files`;
    case "error":
      return `Index error: ${state.message}`;
    case "paused":
      return "Index: paused";
    case "disabled":
      return "Index: background indexing off";
    case "unavailable":
      return "No index on this machine: answers come without retrieved code";
  }
}

function why(item: ContextItem): string {
  const ranks = Object.entries(item.ranks).filter(([source]) => source !== "expansion").map(([source, rank]) => `${source === "text" ? "keyword" : source} #${rank}`);
  if (ranks.length > 0) ranks.unshift(`relevance ${Math.round(item.relevance * 100)}%`);
  if (item.coverage !== undefined && ranks.length > 0) ranks.push(`${Math.round(item.coverage * 100)}% of the question's words`);
  if (item.loweredAs && ranks.length > 0) ranks.push(`${item.loweredAs} file, ranked below code`);
  if (item.expandedFrom) ranks.push(`definition used by ${item.expandedFrom}`);
  return ranks.join(", ") || "pinned with @";
}

export function toAnswerView(id: string, question: string, result: AskResult, compareSide?: string): AnswerView {
  const tokens = `${result.usage.promptTokens} + ${result.usage.completionTokens} tokens${result.usage.estimated ? " (est.)" : ""}`;
  return {
    id, question, answer: result.answer, mode: result.mode, profileLabel: result.profile.label + (result.profile.kind === "lora" ? " (LoRA)" : ""),
    sources: result.context.map((item) => ({ citation: item.citation, symbols: item.symbols, why: why(item) })),
    citations: result.citations.map((c) => ({ text: c.text, valid: c.valid })), conventions: result.conventions,
    notice: result.notice, latencyMs: result.latencyMs, tokens: result.mode === "model" ? tokens : undefined, compareSide,
  };
}

export class ChatController {
  private history: AnswerView[];
  private running: AbortController | undefined;
  /** Counts New Chat: an answer that ends after one belongs to the conversation it cleared, not to the new one. */
  private conversation = 0;

  constructor(private readonly deps: ChatControllerDeps) {
    this.history = deps.state.get<AnswerView[]>(HISTORY_KEY, []);
  }

  get answers(): readonly AnswerView[] {
    return this.history;
  }

  async handle(message: WebviewToExtension): Promise<void> {
    switch (message.type) {
      case "ready":
        return this.sendState();
      case "ask":
        await this.ask(message.id, message.question);
        return;
      case "stop":
        this.running?.abort();
        return;
      case "newChat":
        return this.newChat();
      case "openCitation":
        await this.openCitation(message.citation);
        return;
      case "copy":
        await vscode.env.clipboard.writeText(message.code);
        void vscode.window.setStatusBarMessage("Groundwork: code copied", 2000);
        return;
      case "insert":
        return this.insert(message.code);
      case "apply":
        await this.apply(message.code);
        return;
      case "switchModel":
        await this.deps.models.switchModel("chat", message.profileId);
        return;
      case "mentions":
        return this.deps.post({ type: "mentions", id: message.id, items: await this.mentions(message.query, message.kind) });
      case "configureModel":
        await vscode.commands.executeCommand("workbench.action.openSettings", "groundwork.models");
        return;
    }
  }

  sendState(): void {
    this.deps.post({ type: "state", indexState: describeIndexState(this.deps.indexService.state), models: this.modelViews(), history: this.history });
  }

  modelViews() {
    const active = this.deps.models.chatProfile().id;
    return this.deps.models.profiles().map((p) => ({ id: p.id, label: p.label, kind: p.kind, active: p.id === active }));
  }

  async newChat(): Promise<void> {
    this.conversation++;
    this.running?.abort();
    this.history = [];
    await this.deps.state.update(HISTORY_KEY, this.history);
    this.deps.post({ type: "cleared" });
  }

  private turns(): ChatTurn[] {
    return this.history.filter((a) => !a.compareSide && a.mode === "model").flatMap((a) => [{ role: "user" as const, content: a.question }, { role: "assistant" as const, content: a.answer }]);
  }

  private async chatFor(profile: ModelProfile): Promise<GroundedChat> {
    const source = await this.deps.indexService.codebase();
    return new GroundedChat({ source, client: await this.deps.models.client(profile), audit: this.deps.models.audit, logger: this.deps.logger, minRelevance: this.deps.indexService.minRelevance });
  }

  /** Asks the chat profile; streams into the view; resolves to what the view shows. */
  async ask(id: string, question: string, options: AskOptions = {}): Promise<AnswerView> {
    this.running?.abort();
    const abort = new AbortController();
    this.running = abort;
    const conversation = this.conversation;
    const profile = this.deps.models.chatProfile();
    const label = profile.label + (profile.kind === "lora" ? " (LoRA)" : "");
    this.deps.post({ type: "answerStart", id, question, profileLabel: label });
    let view: AnswerView;
    try {
      const activeFile = options.activeFile ?? (await this.activeFile());
      const chat = await this.chatFor(profile);
      const grounding = await chat.retrieve(question, activeFile, options.editorContext);
      const result = (await this.deps.models.mayUseModel(profile))
        ? await chat.ask({
          question, history: this.turns(), activeFile, editorContext: options.editorContext, signal: abort.signal, grounding,
          onDelta: (text) => this.deps.post({ type: "delta", id, text }),
          onEvent: (event) => {
            if (event.type === "tool-call") this.deps.post({ type: "status", id, text: `searched again: ${event.query}` });
          },
        })
        : retrievalOnlyResult(profile, grounding, "Nothing was sent: this workspace is not trusted, and sending its code was declined.");
      view = toAnswerView(id, question, result);
    } catch (error) {
      this.deps.logger.error("Chat request failed", error);
      view = { id, question, answer: "", mode: "retrieval-only", profileLabel: label, sources: [], citations: [], conventions: [], notice: `Groundwork could not answer: ${errorMessage(error)}` };
    } finally {
      if (this.running === abort) this.running = undefined;
    }
    if (conversation !== this.conversation) return view;
    this.remember(view);
    this.deps.post({ type: "answerEnd", answer: view });
    return view;
  }

  private async mentions(query: string, kind: "file" | "symbol"): Promise<Mention[]> {
    const codebase = await this.deps.indexService.codebase();
    return (await codebase.suggestMentions(query, kind)).map((item) => ({ kind: item.kind, label: formatMention(item.value), detail: item.detail }));
  }

  /** Compare: the same question and retrieved context to two profiles (or one, with and without retrieval). */
  async compare(question: string, other: ModelProfile | "without-retrieval"): Promise<[AnswerView, AnswerView]> {
    const first = this.deps.models.chatProfile();
    const second = other === "without-retrieval" ? first : other;
    if (!(await this.deps.models.mayUseModel(first)) || !(await this.deps.models.mayUseModel(second))) {
      throw new Error("Nothing was sent: this workspace is not trusted.");
    }
    this.running?.abort();
    const abort = new AbortController();
    this.running = abort;
    const conversation = this.conversation;
    const id = `c${Date.now().toString(36)}`;
    const sides = [`${id}:a`, `${id}:b`] as const;
    const labels = [`A · ${first.label}`, `B · ${second.label}${other === "without-retrieval" ? " without retrieval" : ""}`];
    sides.forEach((side, i) => this.deps.post({ type: "answerStart", id: side, question, profileLabel: labels[i], compareSide: i === 0 ? "A" : "B" }));
    let results;
    try {
      ({ results } = await compareProfiles(
        [{ chat: await this.chatFor(first) }, { chat: await this.chatFor(second), retrieval: other !== "without-retrieval" }],
        { question, activeFile: await this.activeFile(), signal: abort.signal, onDelta: (side, text) => this.deps.post({ type: "delta", id: sides[side], text }) },
      ));
    } catch (error) {
      // Both answers shown as started end, saying why: the view is not left waiting for them.
      this.deps.logger.error("Compare failed", error);
      for (const [i, side] of conversation === this.conversation ? sides.entries() : []) {
        this.deps.post({ type: "answerEnd", answer: { id: side, question, answer: "", mode: "retrieval-only", profileLabel: labels[i], compareSide: i === 0 ? "A" : "B", sources: [], citations: [], conventions: [], notice: `Groundwork could not compare: ${errorMessage(error)}` } });
      }
      throw error;
    } finally {
      if (this.running === abort) this.running = undefined;
    }
    const views = results.map((result, i) => toAnswerView(sides[i], question, result, labels[i])) as [AnswerView, AnswerView];
    if (conversation !== this.conversation) return views;
    for (const view of views) {
      this.remember(view);
      this.deps.post({ type: "answerEnd", answer: view });
    }
    return views;
  }

  private remember(view: AnswerView): void {
    this.history = [...this.history, view].slice(-MAX_HISTORY);
    void this.deps.state.update(HISTORY_KEY, this.history);
  }

  /** The active editor's file as a codebase path. */
  private async activeFile(): Promise<string | undefined> {
    return activeCodebasePath(await this.deps.indexService.codebase());
  }

  /** Opens the cited file with the cited lines selected. */
  async openCitation(citation: string): Promise<vscode.TextEditor | undefined> {
    const parsed = parseCitation(citation);
    const file = parsed ? (await this.deps.indexService.codebase()).resolve(parsed.path) : undefined;
    const uri = file ? vscode.Uri.file(file.absPath) : undefined;
    if (!parsed || !uri) {
      void vscode.window.showWarningMessage(`Groundwork: cannot open ${citation}.`);
      return undefined;
    }
    const document = await vscode.workspace.openTextDocument(uri);
    const end = Math.min(parsed.endLine, document.lineCount) - 1;
    const range = new vscode.Range(parsed.startLine - 1, 0, end, document.lineAt(Math.max(0, end)).text.length);
    const editor = await vscode.window.showTextDocument(document, { selection: range, preview: true, viewColumn: vscode.ViewColumn.One });
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    return editor;
  }

  private async insert(code: string): Promise<void> {
    // Only where the cursor is: the active editor, or the one file editor in view. Never a guess among several.
    const files = vscode.window.visibleTextEditors.filter((e) => e.document.uri.scheme === "file");
    const editor = vscode.window.activeTextEditor ?? (files.length === 1 ? files[0] : undefined);
    if (!editor) {
      void vscode.window.showInformationMessage("Groundwork: click into the file to insert the code into, then Insert again.");
      return;
    }
    await editor.edit((edit) => edit.replace(editor.selection, code));
  }

  /** Apply: a diff of the active file's selection (or the whole file) against the code block. */
  async apply(code: string): Promise<boolean> {
    const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme === "file");
    if (!editor) {
      void vscode.window.showInformationMessage("Groundwork: open the file to apply the code to.");
      return false;
    }
    const document = editor.document;
    const range = editor.selection.isEmpty ? new vscode.Range(0, 0, document.lineCount, 0) : new vscode.Range(editor.selection.start, editor.selection.end);
    return this.deps.proposals.propose({ target: document.uri, range: document.validateRange(range), newText: code, title: vscode.workspace.asRelativePath(document.uri) });
  }
}
