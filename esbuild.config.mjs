// Bundles the extension, the CLI, the chunking worker and the webview, and copies the
// tree-sitter runtime and grammar wasm files next to the bundles (dist/grammars/).
import { build, context } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";

const require = createRequire(import.meta.url);
const watch = process.argv.includes("--watch");
const production = process.argv.includes("--production");

const GRAMMARS = [
  ["tree-sitter-typescript", "tree-sitter-typescript.wasm"],
  ["tree-sitter-typescript", "tree-sitter-tsx.wasm"],
  ["tree-sitter-javascript", "tree-sitter-javascript.wasm"],
  ["tree-sitter-python", "tree-sitter-python.wasm"],
  ["tree-sitter-go", "tree-sitter-go.wasm"],
  ["tree-sitter-java", "tree-sitter-java.wasm"],
  ["tree-sitter-rust", "tree-sitter-rust.wasm"],
  ["tree-sitter-c", "tree-sitter-c.wasm"],
  ["tree-sitter-cpp", "tree-sitter-cpp.wasm"],
  ["tree-sitter-c-sharp", "tree-sitter-c_sharp.wasm"],
  ["tree-sitter-ruby", "tree-sitter-ruby.wasm"],
  ["tree-sitter-php", "tree-sitter-php.wasm"],
];

function copyWasm() {
  const out = path.resolve("dist/grammars");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  copyFileSync(require.resolve("web-tree-sitter/tree-sitter.wasm"), path.join(out, "tree-sitter.wasm"));
  for (const [pkg, file] of GRAMMARS) {
    copyFileSync(path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file), path.join(out, file));
  }
  // The editorconfig library's INI parser, which its bundled code reads from next to the bundle.
  copyFileSync(require.resolve("@one-ini/wasm/one_ini_bg.wasm"), path.resolve("dist/one_ini_bg.wasm"));
}

const node = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  sourcemap: !production,
  minify: production,
  external: ["vscode", "@lancedb/lancedb", "apache-arrow"],
  // web-tree-sitter's ESM build relies on import.meta.url, which is empty in a CJS bundle.
  alias: { "web-tree-sitter": "./node_modules/web-tree-sitter/tree-sitter.cjs" },
  logLevel: "warning",
};

const configs = [
  { ...node, entryPoints: { extension: "src/extension/extension.ts" }, outdir: "dist" },
  // The command's entry is small: it decides where the command runs (src/cli/launcher.ts) before cli-main loads.
  { ...node, entryPoints: { cli: "src/cli/launcher.ts" }, outdir: "dist", banner: { js: "#!/usr/bin/env node" } },
  { ...node, entryPoints: { "cli-main": "src/cli/main.ts" }, outdir: "dist" },
  { ...node, entryPoints: { worker: "src/core/index/pipelineWorker.ts" }, outdir: "dist" },
  // The extension's full index runs (src/core/codebase/indexProcess.ts).
  { ...node, entryPoints: { indexer: "src/core/codebase/indexerMain.ts" }, outdir: "dist" },
  {
    bundle: true, platform: "browser", format: "iife", target: "es2022", sourcemap: !production, minify: production,
    entryPoints: { webview: "src/webview/main.ts" }, outdir: "dist", logLevel: "warning",
  },
];

copyWasm();
if (watch) {
  for (const config of configs) await (await context(config)).watch();
} else {
  await Promise.all(configs.map((config) => build(config)));
}
