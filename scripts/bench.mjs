// Runs the benchmarks as users run Groundwork: bundled by esbuild, as dist/ is, not through tsx's
// per-file transpilation (its module wrappers cost a search at 100k chunks 15% more than the
// bundle: docs/performance.md). The bundle goes to out/bench/; arguments and environment pass on.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outfile = path.join(root, "out", "bench", "bench.js");
await build({
  entryPoints: [path.join(root, "bench", "bench.ts")],
  outfile,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  sourcemap: true,
  // Our code bundled; the npm packages load from node_modules (some find their own files beside them).
  packages: "external",
  logLevel: "warning",
});
const run = spawnSync(process.execPath, ["--enable-source-maps", outfile, ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });
process.exit(run.status ?? 1);
