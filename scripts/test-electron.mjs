// The integration suite under @vscode/test-electron, on a desktop where a VS Code build can be
// downloaded (CI here uses the headless VS Code server instead: npm test).
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { build } from "esbuild";
import { runTests } from "@vscode/test-electron";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
execFileSync(process.execPath, [path.join(root, "scripts", "ensure.mjs")], { stdio: "inherit" });
const suiteDir = path.join(root, "out", "integration");
await build({
  entryPoints: { index: path.join(root, "test", "integration", "index.ts") },
  outdir: suiteDir, bundle: true, platform: "node", format: "cjs", target: "node20", external: ["vscode", "mocha"], logLevel: "warning",
});
const workspace = mkdtempSync(path.join(os.tmpdir(), "gw-electron-"));
cpSync(path.join(root, "test", "fixtures", "polyglot"), workspace, { recursive: true });
writeFileSync(path.join(workspace, ".env"), "API_TOKEN=not-a-real-token\n");
try {
  await runTests({
    version: process.env.VSCODE_VERSION ?? "stable",
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(suiteDir, "index"),
    launchArgs: [workspace, "--disable-extensions", "--disable-workspace-trust"],
  });
} catch (error) {
  console.error(`test:electron failed: ${error instanceof Error ? error.message : error}`);
  console.error("It needs to download a desktop VS Code; where that is impossible, `npm test` runs the same suite in the headless VS Code server.");
  process.exit(1);
}
