// The editor's files in the codebase's namespace.
import * as vscode from "vscode";
import type { Codebase } from "../core/codebase";

/** The active editor's file as a codebase path, when it is a file of the codebase. */
export function activeCodebasePath(codebase: Codebase): string | undefined {
  const uri = vscode.window.activeTextEditor?.document.uri;
  return uri?.scheme === "file" ? codebase.pathOf(uri.fsPath) : undefined;
}
