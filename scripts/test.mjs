// Runs the test tiers and ends with one line: "N passed, N failed".
//   unit         plain Node: real tree-sitter grammars, real LanceDB in temp folders, the built CLI
//   integration  the mocha suite inside a real VS Code server's extension host, on the packaged VSIX
//   e2e          Playwright in headless Chromium against the same server, with the VSIX installed
// Usage: node scripts/test.mjs [unit] [integration] [e2e]
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const tiers = process.argv.slice(2);
const wanted = (tier) => tiers.length === 0 || tiers.includes(tier);
const node = (args, options = {}) => spawnSync(process.execPath, args, { cwd: root, stdio: "inherit", ...options });

if (node([path.join(root, "scripts", "ensure.mjs")]).status !== 0) process.exit(1);

const env = { ...process.env, LANCE_CPU_THREADS: process.env.LANCE_CPU_THREADS ?? "2", LANCEDB_LOG: "error" };
let passed = 0;
let failed = 0;

function nodeTests(name, files) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "gw-tap-"));
  const tap = path.join(tmp, "results.tap");
  console.log(`\n== ${name} tests (${files.length} files)`);
  const result = node(
    ["--import", "tsx", "--test", "--test-concurrency=1", "--test-reporter=spec", "--test-reporter-destination=stdout",
      "--test-reporter=tap", `--test-reporter-destination=${tap}`, ...files],
    { env },
  );
  const text = existsSync(tap) ? readFileSync(tap, "utf8") : "";
  const count = (label) => Number((text.match(new RegExp(`^# ${label} (\\d+)$`, "m")) ?? [])[1] ?? 0);
  const p = count("pass");
  let f = count("fail") + count("cancelled");
  if (result.status !== 0 && f === 0) f = 1; // the runner itself failed
  rmSync(tmp, { recursive: true, force: true });
  console.log(`== ${name}: ${p} passed, ${f} failed`);
  passed += p;
  failed += f;
}

const specs = (dir) => readdirSync(path.join(root, dir)).filter((f) => f.endsWith(".spec.ts")).sort().map((f) => path.join(dir, f));

if (wanted("unit")) nodeTests("unit", specs("test/unit"));

if (wanted("integration") || wanted("e2e")) {
  console.log("\n== provisioning the headless VS Code (cached in .vscode-test/)");
  if (node(["--import", "tsx", "test/host/provision.ts"], { env }).status !== 0) {
    console.log("The headless VS Code could not be provisioned: the integration and UI tests count as failed.");
    failed += 1;
  } else {
    const vsix = path.join(root, ".vscode-test", "groundwork-under-test.vsix");
    if (node([path.join(root, "scripts", "package.mjs"), "--out", vsix], { stdio: ["ignore", "inherit", "inherit"] }).status !== 0) {
      console.log("Packaging the VSIX failed: the integration and UI tests count as failed.");
      failed += 1;
    } else {
      env.GROUNDWORK_VSIX = vsix;
      if (wanted("integration")) nodeTests("integration (VS Code extension host)", specs("test/host"));
      if (wanted("e2e")) nodeTests("UI (Chromium)", specs("test/e2e"));
    }
  }
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
