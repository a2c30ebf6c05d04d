// Makes a fresh checkout runnable: installs the npm packages if they are missing or older than
// the lock file, and builds dist/ if any source is newer than the bundles.
import { execSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import * as path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const run = (command) => execSync(command, { cwd: root, stdio: "inherit" });
const mtime = (file) => (existsSync(file) ? statSync(file).mtimeMs : 0);

function newestIn(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestIn(full) : statSync(full).mtimeMs);
  }
  return newest;
}

const installed = path.join(root, "node_modules", ".package-lock.json");
if (mtime(installed) < mtime(path.join(root, "package-lock.json"))) {
  console.error("groundwork: installing npm packages (npm ci)...");
  run("npm ci --no-audit --no-fund");
}
const built = mtime(path.join(root, "dist", "cli.js"));
const sources = Math.max(newestIn(path.join(root, "src")), mtime(path.join(root, "esbuild.config.mjs")), mtime(installed));
if (built < sources || !existsSync(path.join(root, "dist", "grammars", "tree-sitter.wasm"))) {
  console.error("groundwork: building dist/...");
  run("node esbuild.config.mjs");
}
