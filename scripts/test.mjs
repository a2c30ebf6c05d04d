// Runs the test tiers and ends with one line: "N passed, N failed".
// Usage: node scripts/test.mjs [unit]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const tiers = process.argv.slice(2);
const wanted = (tier) => tiers.length === 0 || tiers.includes(tier);
if (spawnSync(process.execPath, [path.join(root, "scripts", "ensure.mjs")], { stdio: "inherit" }).status !== 0) process.exit(1);

const env = { ...process.env, LANCE_CPU_THREADS: process.env.LANCE_CPU_THREADS ?? "2", LANCEDB_LOG: "error" };
let passed = 0;
let failed = 0;

function nodeTests(name, dir) {
  const files = readdirSync(path.join(root, dir)).filter((f) => f.endsWith(".spec.ts")).sort().map((f) => path.join(dir, f));
  const tmp = mkdtempSync(path.join(os.tmpdir(), "gw-tap-"));
  const tap = path.join(tmp, "results.tap");
  console.log(`\n== ${name} tests (${files.length} files)`);
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", "--test", "--test-concurrency=1", "--test-reporter=spec", "--test-reporter-destination=stdout",
      "--test-reporter=tap", `--test-reporter-destination=${tap}`, ...files],
    { cwd: root, env, stdio: "inherit" },
  );
  const text = readFileSync(tap, "utf8");
  const count = (label) => Number((text.match(new RegExp(`^# ${label} (\\d+)$`, "m")) ?? [])[1] ?? 0);
  const p = count("pass");
  let f = count("fail") + count("cancelled");
  if (result.status !== 0 && f === 0) f = 1; // the runner itself failed
  rmSync(tmp, { recursive: true, force: true });
  passed += p;
  failed += f;
}

if (wanted("unit")) nodeTests("unit", "test/unit");
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
