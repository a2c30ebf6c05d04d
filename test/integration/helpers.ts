// Helpers for tests that run inside the extension host.
import * as vscode from "vscode";
import type { SearchResult } from "../../src/extension/commands";
import type { GroundworkApi } from "../../src/extension/extension";

export const EXTENSION_ID = "groundwork-dev.groundwork";

export async function groundwork(): Promise<GroundworkApi> {
  const extension = vscode.extensions.getExtension<GroundworkApi>(EXTENSION_ID);
  if (!extension) throw new Error(`Extension ${EXTENSION_ID} is not installed in this VS Code`);
  return extension.activate();
}

export function workspaceUri(relPath: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error("The integration suite needs a workspace folder");
  return vscode.Uri.joinPath(folder.uri, relPath);
}

export function search(query: string, limit = 5): Thenable<SearchResult[]> {
  return vscode.commands.executeCommand<SearchResult[]>("groundwork.searchCodebase", query, limit);
}

/** Polls until `probe` returns a value other than undefined, or fails naming what it waited for. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last})` : ""}`);
}
