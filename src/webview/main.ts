// The webview's script: for now it only completes the ready handshake; the chat UI builds on it.
import type { ExtensionToWebview, WebviewToExtension } from "../shared/protocol";

declare function acquireVsCodeApi(): { postMessage(message: WebviewToExtension): void };

const vscode = acquireVsCodeApi();
window.addEventListener("message", (event: MessageEvent<ExtensionToWebview>) => {
  const status = document.getElementById("status");
  if (event.data.type === "indexState" && status) status.textContent = event.data.text;
});
vscode.postMessage({ type: "ready" });
