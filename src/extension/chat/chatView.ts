// The sidebar chat's webview: a strict CSP with a nonce, one bundled script and stylesheet from
// dist/, and messages checked against the shared protocol before anything acts on them.
import { randomBytes } from "node:crypto";
import * as vscode from "vscode";
import type { Logger } from "../../core/util/host";
import { type ExtensionToWebview, isWebviewMessage, type WebviewToExtension } from "../../shared/protocol";

export const CHAT_VIEW_ID = "groundwork.chatView";

export interface ChatMessageHandler {
  handle(message: WebviewToExtension): Promise<void>;
}

export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private readonly queued: ExtensionToWebview[] = [];
  private handler: ChatMessageHandler | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly extensionUri: vscode.Uri, private readonly logger: Logger) {}

  setHandler(handler: ChatMessageHandler): void {
    this.handler = handler;
  }

  get visible(): boolean {
    return this.view?.visible ?? false;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    const dist = vscode.Uri.joinPath(this.extensionUri, "dist");
    view.webview.options = { enableScripts: true, localResourceRoots: [dist] };
    view.webview.html = this.html(view.webview, dist);
    this.disposables.push(
      view.webview.onDidReceiveMessage((message: unknown) => {
        if (!isWebviewMessage(message)) {
          this.logger.warn(`Ignored a malformed message from the chat view: ${JSON.stringify(message).slice(0, 200)}`);
          return;
        }
        if (message.type === "ready") {
          this.ready = true;
          for (const queued of this.queued.splice(0)) void view.webview.postMessage(queued);
        }
        void this.handler?.handle(message).catch((error) => this.logger.error("The chat view's request failed", error));
      }),
      view.onDidDispose(() => {
        this.view = undefined;
        this.ready = false;
      }),
    );
  }

  /**
   * Sends now if the view is ready; otherwise after its `ready`. A state message replaces everything
   * queued before it, an index state the one queued before it (one per indexed file otherwise).
   */
  post(message: ExtensionToWebview): void {
    if (this.view && this.ready) {
      void this.view.webview.postMessage(message);
      return;
    }
    if (message.type === "state") this.queued.splice(0, this.queued.length);
    if (message.type === "indexState") {
      const older = this.queued.findIndex((queued) => queued.type === "indexState");
      if (older >= 0) this.queued.splice(older, 1);
    }
    this.queued.push(message);
  }

  /** Opens the view (and waits until its script has said ready). */
  async reveal(): Promise<void> {
    await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
    for (let i = 0; i < 100 && !this.ready; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  }

  private html(webview: vscode.Webview, dist: vscode.Uri): string {
    const nonce = randomBytes(16).toString("base64");
    const script = webview.asWebviewUri(vscode.Uri.joinPath(dist, "webview.js"));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(dist, "webview.css"));
    const csp = [
      "default-src 'none'",
      `img-src ${webview.cspSource} data:`,
      `style-src ${webview.cspSource}`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join("; ");
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>Groundwork</title>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}
