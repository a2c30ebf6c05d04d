// Builders for test workspaces in temporary folders.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const POLYGLOT = path.join(REPO_ROOT, "test", "fixtures", "polyglot");
export const CLI = path.join(REPO_ROOT, "dist", "cli.js");
export const WORKER = path.join(REPO_ROOT, "dist", "worker.js");

export function tempDir(prefix = "gw-test-"): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes files (relative path → content) under root, creating folders. */
export function writeTree(root: string, files: Record<string, string | Uint8Array>): void {
  for (const [relPath, content] of Object.entries(files)) {
    const full = path.join(root, relPath);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
}

export function copyTree(from: string, to: string): void {
  cpSync(from, to, { recursive: true });
}

export function removeTree(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}
