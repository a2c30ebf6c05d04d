// Inline (ghost text) completions from the completions profile, grounded by retrieved snippets
// and the conventions digest. Debounced, cancelled as soon as the user types on, switchable
// from settings and the status bar; a failing server never interrupts typing (it is logged).
import * as vscode from "vscode";
import { errorMessage, type Logger } from "../core/util/host";
import { CompletionEngine } from "../core/model/completions";
import { ModelError } from "../core/model/errors";
import type { ModelProfile } from "../core/model/profiles";
import type { IndexService } from "./indexService";
import type { ModelService } from "./modelService";
import type { GroundworkSettings } from "./settings";

const PREFIX_CHARS = 12_000;
const SUFFIX_CHARS = 4_000;

export class GroundworkInlineCompletions implements vscode.InlineCompletionItemProvider {
  private engine: CompletionEngine | undefined;
  private engineClient: unknown;
  private engineCodebase: unknown;
  private lastError = "";

  constructor(
    private readonly models: ModelService,
    private readonly indexService: IndexService,
    private readonly settings: () => GroundworkSettings,
    private readonly logger: Logger,
  ) {}

  async provideInlineCompletionItems(
    document: vscode.TextDocument, position: vscode.Position, _context: vscode.InlineCompletionContext, token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[]> {
    const settings = this.settings();
    if (!settings["completions.enabled"] || document.uri.scheme !== "file") return [];
    // Untrusted workspace: only after the user agreed to send its code to this model (asked by chat or a code action).
    const profile = this.models.completionProfile();
    if (!this.models.mayUseModelSilently(profile)) return [];
    await new Promise((resolve) => setTimeout(resolve, settings["completions.debounceMs"]));
    if (token.isCancellationRequested) return [];
    const abort = new AbortController();
    const subscription = token.onCancellationRequested(() => abort.abort());
    try {
      const engine = await this.engineFor(profile);
      const offset = document.offsetAt(position);
      const text = document.getText();
      // The codebase path, as retrieval names the file: the own-file filter drops its own snippets.
      const codebasePath = (await this.indexService.codebase()).pathOf(document.uri.fsPath) ?? vscode.workspace.asRelativePath(document.uri, false);
      const result = await engine.complete({
        path: codebasePath, language: document.languageId,
        prefix: text.slice(Math.max(0, offset - PREFIX_CHARS), offset), suffix: text.slice(offset, offset + SUFFIX_CHARS), signal: abort.signal,
      });
      if (!result || token.isCancellationRequested) return [];
      this.lastError = "";
      return [new vscode.InlineCompletionItem(result.text, new vscode.Range(position, position))];
    } catch (error) {
      if (error instanceof ModelError && error.kind === "cancelled") return [];
      const message = errorMessage(error);
      if (message !== this.lastError) this.logger.warn(`Inline completion failed: ${message}`);
      this.lastError = message;
      return [];
    } finally {
      subscription.dispose();
    }
  }

  /** The engine for the profile consent was checked for (not one switched to meanwhile). */
  private async engineFor(profile: ModelProfile): Promise<CompletionEngine> {
    const client = await this.models.client(profile);
    // Made again for a new client or a reopened codebase (the old one is closed).
    const codebase = await this.indexService.codebase();
    if (!this.engine || client !== this.engineClient || codebase !== this.engineCodebase) {
      this.engine = new CompletionEngine({ client, source: codebase, audit: this.models.audit });
      this.engineClient = client;
      this.engineCodebase = codebase;
    }
    return this.engine;
  }
}
