// Code actions on a selection and on diagnostics: Explain answers in the chat; Refactor, Add
// Documentation, Generate Tests and Fix This Problem ask the chat profile (grounded like chat)
// for an edit and show it as a diff to accept or reject: nothing changes without Accept.
import * as vscode from "vscode";
import { errorMessage, type Logger } from "../core/util/host";
import { GroundedChat } from "../core/model/groundedChat";
import { codeActionQuestion, type CodeActionKind, firstCodeBlock, type SelectionInfo, selectionContext, testPathFor } from "../core/prompt/codeActions";
import type { ChatController } from "./chat/chatController";
import type { ChatViewProvider } from "./chat/chatView";
import type { Codebase } from "../core/codebase";
import type { IndexService } from "./indexService";
import type { ModelService } from "./modelService";
import type { ProposalService } from "./proposals";

export const CODE_ACTION_COMMANDS: Record<CodeActionKind, { command: string; title: string }> = {
  explain: { command: "groundwork.explain", title: "Groundwork: Explain" },
  refactor: { command: "groundwork.refactor", title: "Groundwork: Refactor" },
  document: { command: "groundwork.addDocumentation", title: "Groundwork: Add Documentation" },
  tests: { command: "groundwork.generateTests", title: "Groundwork: Generate Tests" },
  fix: { command: "groundwork.fixProblem", title: "Groundwork: Fix This Problem" },
};

export class GroundworkCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix, vscode.CodeActionKind.RefactorRewrite, vscode.CodeActionKind.Empty];

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] {
    if (document.uri.scheme !== "file") return [];
    const actions: vscode.CodeAction[] = [];
    const make = (kind: CodeActionKind, codeActionKind: vscode.CodeActionKind, target: vscode.Range, diagnostics?: readonly vscode.Diagnostic[]): vscode.CodeAction => {
      const action = new vscode.CodeAction(CODE_ACTION_COMMANDS[kind].title, codeActionKind);
      action.command = { command: CODE_ACTION_COMMANDS[kind].command, title: CODE_ACTION_COMMANDS[kind].title, arguments: [document.uri, target, diagnostics?.map((d) => d.message)] };
      if (diagnostics) action.diagnostics = [...diagnostics];
      return action;
    };
    if (context.diagnostics.length > 0) {
      const lines = context.diagnostics.reduce((acc, d) => acc.union(d.range), context.diagnostics[0].range);
      const target = range.isEmpty ? new vscode.Range(lines.start.line, 0, lines.end.line, document.lineAt(lines.end.line).text.length) : range;
      actions.push(make("fix", vscode.CodeActionKind.QuickFix, target, context.diagnostics));
    }
    if (!range.isEmpty) {
      actions.push(make("explain", vscode.CodeActionKind.Empty, range));
      actions.push(make("refactor", vscode.CodeActionKind.RefactorRewrite, range));
      actions.push(make("document", vscode.CodeActionKind.RefactorRewrite, range));
      actions.push(make("tests", vscode.CodeActionKind.Empty, range));
    }
    return actions;
  }
}

export interface CodeActionRunnerDeps {
  models: ModelService;
  indexService: IndexService;
  proposals: ProposalService;
  chat: ChatController;
  view: ChatViewProvider;
  logger: Logger;
}

function selectionInfo(document: vscode.TextDocument, codebasePath: string, range: vscode.Range, problems?: string[]): SelectionInfo {
  return {
    path: codebasePath, language: document.languageId,
    startLine: range.start.line + 1, endLine: range.end.line + 1, text: document.getText(range), problems,
  };
}

/** The test file's URI: in its codebase folder, or beside the source when the path names none. */
function testFileUri(codebase: Codebase, source: vscode.Uri, testPath: string): vscode.Uri {
  const file = codebase.resolve(testPath);
  return file ? vscode.Uri.file(file.absPath) : vscode.Uri.joinPath(source, "..", testPath.slice(testPath.lastIndexOf("/") + 1));
}

/** Most of an existing file to show the model (the new code is appended to it). */
const EXISTING_FILE_CHARS = 12_000;

function existingFileContext(codebasePath: string, text: string, language: string): string {
  const shown = text.length > EXISTING_FILE_CHARS ? `${text.slice(0, EXISTING_FILE_CHARS)}\n… (cut)` : text;
  return `The existing test file, ${codebasePath} (new tests are appended to its end):\n\`\`\`${language}\n${shown}\n\`\`\``;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch (error) {
    if (error instanceof vscode.FileSystemError) return false;
    throw error;
  }
}

/** Runs a code action; resolves to whether an edit was applied (Explain: whether it answered). */
export async function runCodeAction(deps: CodeActionRunnerDeps, kind: CodeActionKind, uri?: vscode.Uri, range?: vscode.Range, problems?: string[]): Promise<boolean> {
  const editor = vscode.window.activeTextEditor;
  const document = uri ? await vscode.workspace.openTextDocument(uri) : editor?.document;
  const target = range ?? editor?.selection;
  if (!document || !target || (target.isEmpty && kind !== "fix")) {
    void vscode.window.showInformationMessage("Groundwork: select some code first.");
    return false;
  }
  // The file as the selection was taken from it: the edit goes in only if it is still so when the answer comes.
  const basedOn = document.getText();
  const codebase = await deps.indexService.codebase();
  const codebasePath = codebase.pathOf(document.uri.fsPath) ?? vscode.workspace.asRelativePath(document.uri, false);
  const diagnostics = kind === "fix" ? vscode.languages.getDiagnostics(document.uri).filter((d) => d.range.intersection(target)).map((d) => d.message) : undefined;
  const selection = selectionInfo(document, codebasePath, target, problems ?? diagnostics);
  // Generate Tests adds to the test file when it exists; its text goes into the prompt with the selection.
  const testPath = kind === "tests" ? testPathFor(codebasePath, document.languageId) : undefined;
  const testUri = testPath ? testFileUri(codebase, document.uri, testPath) : undefined;
  const existingTests = testUri && (await exists(testUri)) ? testPath : undefined;
  const question = codeActionQuestion(kind, selection, existingTests);
  let editorContext = selectionContext(selection);
  if (existingTests && testUri) editorContext += `\n\n${existingFileContext(existingTests, (await vscode.workspace.openTextDocument(testUri)).getText(), document.languageId)}`;
  if (kind === "explain") {
    await deps.view.reveal();
    const view = await deps.chat.ask(`x${Date.now().toString(36)}`, question, { editorContext, activeFile: selection.path });
    return view.mode === "model";
  }
  const profile = deps.models.chatProfile();
  if (!(await deps.models.mayUseModel(profile))) {
    void vscode.window.showInformationMessage("Groundwork: nothing was sent; this workspace is not trusted.");
    return false;
  }
  const abort = new AbortController();
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Groundwork: ${CODE_ACTION_COMMANDS[kind].title.replace("Groundwork: ", "")} with ${profile.label}`, cancellable: true },
      async (_progress, token) => {
        token.onCancellationRequested(() => abort.abort());
        const chat = new GroundedChat({ source: codebase, client: await deps.models.client(profile), audit: deps.models.audit, logger: deps.logger, maxToolRounds: 1, minRelevance: deps.indexService.minRelevance });
        return chat.ask({ question, activeFile: selection.path, editorContext, signal: abort.signal });
      },
    );
    // Cancelled: what had streamed is not a finished answer to propose.
    if (abort.signal.aborted) return false;
    if (result.mode === "retrieval-only" || result.error) {
      void vscode.window.showErrorMessage(`Groundwork: ${result.notice ?? "no model answered"}`);
      return false;
    }
    const code = firstCodeBlock(result.answer);
    if (code === undefined) {
      void vscode.window.showWarningMessage("Groundwork: the model's answer had no code block to apply; see the log.");
      deps.logger.warn(`No code block in the answer to "${question}": ${result.answer.slice(0, 500)}`);
      return false;
    }
    if (kind === "tests" && testUri && testPath) {
      const tests = code.endsWith("\n") ? code : code + "\n";
      if (!existingTests) return deps.proposals.propose({ target: testUri, newText: tests, title: testPath });
      // Appended to the real file: the diff shows it, with the new tests at its end.
      const current = await vscode.workspace.openTextDocument(testUri);
      const end = current.lineAt(current.lineCount - 1).range.end;
      const separator = current.getText().length === 0 ? "" : current.getText().endsWith("\n") ? "\n" : "\n\n";
      return deps.proposals.propose({ target: testUri, range: new vscode.Range(end, end), newText: separator + tests, title: testPath });
    }
    return deps.proposals.propose({ target: document.uri, range: target, newText: code, title: selection.path, basedOn });
  } catch (error) {
    void vscode.window.showErrorMessage(`Groundwork: ${errorMessage(error)}`);
    return false;
  }
}
