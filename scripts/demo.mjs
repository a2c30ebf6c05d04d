// Quick start: index a workspace with the embedded defaults and search it, with citations.
// Usage: npm run demo [-- <workspace> "<query>"]; defaults to Python's standard library.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
execFileSync(process.execPath, [path.join(root, "scripts", "ensure.mjs")], { stdio: "inherit" });

const [workspaceArg, ...queryWords] = process.argv.slice(2);
const stdlib = ["/usr/lib/python3.13", "/usr/lib/python3.12", "/usr/lib/python3.11"].find((dir) => existsSync(dir));
const workspace = path.resolve(workspaceArg ?? stdlib ?? path.join(root, "test", "fixtures", "polyglot"));
const query = queryWords.length ? queryWords.join(" ") : "split a URL into its components";
const cli = path.join(root, "dist", "cli.js");
const db = path.join(root, ".groundwork", "demo", path.basename(workspace));

const groundwork = (...args) => execFileSync(process.execPath, [cli, ...args, "--db", db], { stdio: "inherit" });
console.log(`$ groundwork index ${workspace}`);
groundwork("index", workspace);
console.log(`\n$ groundwork search "${query}" --workspace ${workspace}`);
groundwork("search", query, "--workspace", workspace, "-k", "10");
