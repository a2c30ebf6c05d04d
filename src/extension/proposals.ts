// Proposed edits from the model never touch a file by themselves: each opens as a diff (current
// text against the proposal) with Accept and Reject buttons in the editor title, and only
// Accept applies it, through a WorkspaceEdit, if the file has not changed since the diff was shown.
import * as vscode from "vscode";
import type { Logger } from "../core/util/host";

export const PROPOSAL_SCHEME = "groundwork-proposal";

interface Proposal {
  target: vscode.Uri;
  /** Absent for a new file. */
  range?: vscode.Range;
  /** The whole file when the diff was shown: Accept applies only to that text. */
  shown: string;
  newText: string;
  proposedContent: string;
  settle(accepted: boolean): void;
}

export interface ProposeOptions {
  target: vscode.Uri;
  title: string;
  newText: string;
  /** The range of the target's current text to replace; absent: create the target file. */
  range?: vscode.Range;
  /**
   * The file's text the range was taken from (before a model was asked): when the file has changed
   * since, the range may no longer hold that code, and nothing is proposed.
   */
  basedOn?: string;
}

export class ProposalService implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly proposals = new Map<string, Proposal>();
  private counter = 0;
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changeEmitter.event;

  private readonly tabListener: vscode.Disposable;

  constructor(private readonly logger: Logger) {
    // A diff closed without Accept or Reject settles as rejected: nothing waits for it forever.
    this.tabListener = vscode.window.tabGroups.onDidChangeTabs((event) => {
      for (const tab of event.closed) {
        const input = tab.input;
        if (!(input instanceof vscode.TabInputTextDiff)) continue;
        const key = input.modified.toString();
        const proposal = this.proposals.get(key);
        if (!proposal) continue;
        this.proposals.delete(key);
        this.logger.info(`Proposal for ${vscode.workspace.asRelativePath(proposal.target)} closed without Accept: rejected`);
        proposal.settle(false);
      }
    });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.proposals.get(uri.toString())?.proposedContent ?? "";
  }

  /** Shows the diff; resolves true when the user accepts (and the edit applied), false otherwise. */
  async propose(options: ProposeOptions): Promise<boolean> {
    const id = ++this.counter;
    const name = options.target.path.split("/").pop() ?? "file";
    const proposalUri = vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: `/${id}/${name}` });
    let original: vscode.Uri;
    let proposedContent: string;
    let shown = "";
    if (options.range) {
      const document = await vscode.workspace.openTextDocument(options.target);
      const text = document.getText();
      if (options.basedOn !== undefined && text !== options.basedOn) {
        void vscode.window.showWarningMessage(`Groundwork: ${vscode.workspace.asRelativePath(options.target)} changed while the model answered; nothing was proposed. Ask again.`);
        return false;
      }
      shown = text;
      proposedContent = text.slice(0, document.offsetAt(options.range.start)) + options.newText + text.slice(document.offsetAt(options.range.end));
      original = options.target;
    } else {
      proposedContent = options.newText;
      original = vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: `/${id}/empty` });
    }
    const settled = new Promise<boolean>((resolve) => {
      this.proposals.set(proposalUri.toString(), { target: options.target, range: options.range, shown, newText: options.newText, proposedContent, settle: resolve });
    });
    await vscode.commands.executeCommand("vscode.diff", original, proposalUri, `${options.title} (Groundwork proposal: Accept or Reject)`, { preview: false });
    return settled;
  }

  /**
   * The proposal a command means: the one named (the diff's title buttons), the one whose diff has
   * focus (either side), or the only one open. Never a guess among several.
   */
  private current(uri?: vscode.Uri): [string, Proposal] | undefined {
    if (uri) return this.proposals.has(uri.toString()) ? [uri.toString(), this.proposals.get(uri.toString())!] : undefined;
    const active = vscode.window.activeTextEditor?.document.uri.toString();
    const entries = [...this.proposals.entries()];
    if (active && this.proposals.has(active)) return [active, this.proposals.get(active)!];
    const ofActiveFile = entries.filter(([, proposal]) => proposal.target.toString() === active);
    if (ofActiveFile.length === 1) return ofActiveFile[0];
    if (entries.length === 1) return entries[0];
    if (entries.length > 1) void vscode.window.showInformationMessage("Groundwork: several proposals are open; use Accept or Reject in the title bar of the diff you mean.");
    return undefined;
  }

  get pending(): number {
    return this.proposals.size;
  }

  async accept(uri?: vscode.Uri): Promise<boolean> {
    const entry = this.current(uri);
    if (!entry) return false;
    const [key, proposal] = entry;
    this.proposals.delete(key);
    const edit = new vscode.WorkspaceEdit();
    if (proposal.range) {
      const document = await vscode.workspace.openTextDocument(proposal.target);
      if (document.getText() !== proposal.shown) {
        void vscode.window.showWarningMessage("Groundwork: the file changed since the proposal was made; nothing was applied. Ask again.");
        await this.closeDiff(key);
        proposal.settle(false);
        return false;
      }
      edit.replace(proposal.target, proposal.range, proposal.newText);
    } else {
      // A new file: never written into one that has appeared since the proposal was made.
      if (await vscode.workspace.fs.stat(proposal.target).then(() => true, () => false)) {
        void vscode.window.showWarningMessage(`Groundwork: ${vscode.workspace.asRelativePath(proposal.target)} exists now; nothing was applied. Ask again.`);
        await this.closeDiff(key);
        proposal.settle(false);
        return false;
      }
      edit.createFile(proposal.target, { ignoreIfExists: false });
      edit.insert(proposal.target, new vscode.Position(0, 0), proposal.newText);
    }
    const applied = await vscode.workspace.applyEdit(edit);
    this.logger.info(`Proposal for ${vscode.workspace.asRelativePath(proposal.target)} ${applied ? "applied" : "could not be applied"}`);
    await this.closeDiff(key);
    proposal.settle(applied);
    return applied;
  }

  async reject(uri?: vscode.Uri): Promise<boolean> {
    const entry = this.current(uri);
    if (!entry) return false;
    this.proposals.delete(entry[0]);
    await this.closeDiff(entry[0]);
    entry[1].settle(false);
    return true;
  }

  private async closeDiff(key: string): Promise<void> {
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) {
        const input = tab.input;
        if (input instanceof vscode.TabInputTextDiff && input.modified.toString() === key) await vscode.window.tabGroups.close(tab);
      }
    }
  }

  dispose(): void {
    this.tabListener.dispose();
    for (const proposal of this.proposals.values()) proposal.settle(false);
    this.proposals.clear();
    this.changeEmitter.dispose();
  }
}
