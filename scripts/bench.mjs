// Runs the benchmarks as users run Groundwork: bundled by esbuild, as dist/ is, not through tsx's
// per-file transpilation (its module wrappers cost a search at 100k chunks 15% more than the
// bundle: docs/performance.md). The bundle goes to out/bench/; arguments and environment pass on.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { build } from "esbuild";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const outfile = path.join(root, "out", "bench", "bench.js");
await build({
  entryPoints: [path.join(root, "bench", "bench.ts")],
  outfile,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  sourcemap: true,
  // As esbuild.config.mjs: the native and Arrow packages load from node_modules; web-tree-sitter's CJS build.
  external: ["vscode", "@lancedb/lancedb", "apache-arrow", "esbuild"],
  alias: { "web-tree-sitter": path.join(root, "node_modules", "web-tree-sitter", "tree-sitter.cjs") },
  logLevel: "warning",
});
const run = spawnSync(process.execPath, ["--enable-source-maps", outfile, ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });
process.exit(run.status ?? 1);
