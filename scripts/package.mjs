// Builds the VSIX for the current platform (LanceDB's native binary is per platform) and
// prints its size. Usage: node scripts/package.mjs [--out FILE]
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import * as path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
const target = `${process.platform === "win32" ? "win32" : process.platform}-${process.arch}`;
const outIndex = process.argv.indexOf("--out");
const out = path.resolve(outIndex > 0 ? process.argv[outIndex + 1] : path.join(root, `${manifest.name}-${target}-${manifest.version}.vsix`));

execFileSync(process.execPath, [path.join(root, "esbuild.config.mjs"), "--production"], { cwd: root, stdio: "inherit" });
const vsce = path.join(root, "node_modules", "@vscode", "vsce", "vsce");
execFileSync(process.execPath, [vsce, "package", "--target", target, "--out", out, "--allow-missing-repository", "--skip-license",
  // README images are shipped in the VSIX (docs/images) and linked relatively: no repository to rewrite them to.
  "--no-rewrite-relative-links"], {
  cwd: root,
  stdio: ["ignore", "inherit", "inherit"],
});
console.log(`VSIX: ${out} (${(statSync(out).size / 1024 / 1024).toFixed(1)} MiB, target ${target})`);
