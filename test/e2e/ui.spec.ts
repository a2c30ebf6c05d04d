// UI end-to-end: the VSIX installed in a real VS Code server, driven in headless Chromium the way a
// person would: command palette, status bar, the index status document. Every step saves a
// screenshot to test-results/e2e/; a failing step names itself and keeps its screenshot.
import assert from "node:assert/strict";
import { cpSync, mkdirSync, rmSync } from "node:fs";
import * as path from "node:path";
import { after, it, type TestContext } from "node:test";
import type { Page } from "playwright-core";
import { writeTree } from "../helpers/workspace";
import { HostSession, launchBrowser, REPO_ROOT, trustWorkspaceIfAsked, VsCodeServer, vsixUnderTest } from "../host/vscodeServer";

const SHOTS = path.join(REPO_ROOT, "test-results", "e2e");
const session = new HostSession("gw-e2e-");
const state = session.state;
after(() => session.dispose());

async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: 10_000 });
  await input.fill(`>${title}`);
  const row = page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first();
  await row.waitFor({ state: "visible", timeout: 10_000 });
  await row.click();
}

it("Groundwork in VS Code, as a user sees it", { timeout: 6 * 60_000 }, async (t: TestContext) => {
  rmSync(SHOTS, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
  const workspace = path.join(state, "workspace");
  cpSync(path.join(REPO_ROOT, "test", "fixtures", "polyglot"), workspace, { recursive: true });
  writeTree(workspace, { ".env": "API_TOKEN=not-a-real-token\n", "assets/logo.png": new Uint8Array([137, 80, 78, 71, 0, 0]) });
  VsCodeServer.installVsix(vsixUnderTest(), path.join(state, "vscode"));
  // No background index: the status bar may only show chunks once the palette command has run.
  writeTree(path.join(state, "vscode", "user-data", "User"), { "settings.json": JSON.stringify({ "groundwork.index.enabled": false }) });
  const server = session.server = await VsCodeServer.start({ stateDir: path.join(state, "vscode") });
  const browser = session.browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  let number = 0;
  let broken: string | undefined;

  const step = (name: string, body: () => Promise<void>): Promise<void> =>
    t.test(name, { skip: broken ? `an earlier step failed: ${broken}` : false }, async () => {
      const shot = path.join(SHOTS, `${String(++number).padStart(2, "0")}-${name.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}.png`);
      try {
        await body();
        await page.screenshot({ path: shot });
      } catch (error) {
        broken = name;
        await page.screenshot({ path: shot.replace(/\.png$/, "-FAILED.png") }).catch(() => undefined);
        throw new Error(`UI step "${name}" failed (screenshot ${path.relative(REPO_ROOT, shot.replace(/\.png$/, "-FAILED.png"))}): ${error instanceof Error ? error.message : error}`);
      }
    });

  await step("open the workspace", async () => {
    await page.goto(server.url(workspace));
    await page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: 60_000 });
    await trustWorkspaceIfAsked(page);
    await page.locator(".explorer-folders-view, .explorer-viewlet").first().waitFor({ state: "attached", timeout: 30_000 });
    await page.locator(".statusbar-item", { hasText: /^\s*Groundwork\s*$/ }).waitFor({ state: "visible", timeout: 30_000 });
    assert.equal(await page.locator(".statusbar-item", { hasText: /chunks/ }).count(), 0, "nothing is indexed before the command runs");
  });

  await step("run Groundwork: Reindex Workspace from the command palette", async () => {
    await runCommand(page, "Groundwork: Reindex Workspace");
  });

  await step("see the status bar report the chunk count", async () => {
    const item = page.locator(".statusbar-item", { hasText: /Groundwork: \d+ chunks/ });
    await item.waitFor({ state: "visible", timeout: 60_000 });
    const chunks = Number(/(\d+) chunks/.exec((await item.textContent()) ?? "")?.[1]);
    assert.ok(chunks > 20, `status bar shows ${chunks} chunks`);
  });

  await step("open Groundwork: Show Index Status and see skipped files with reasons", async () => {
    await runCommand(page, "Groundwork: Show Index Status");
    await page.locator(".tab", { hasText: "Groundwork Index Status.md" }).waitFor({ state: "visible", timeout: 15_000 });
    const lines = page.locator(".editor-instance .view-lines").first();
    await lines.waitFor({ state: "visible" });
    for (const expected of [/Files indexed: \d+/, /Skipped \(\d+\)/, /\.env.*may hold secrets/, /assets\/logo\.png.*binary file type/]) {
      await page.waitForFunction(
        ([source, flags]) => new RegExp(source, flags).test((document.querySelector(".editor-instance .view-lines") as HTMLElement | null)?.innerText.replace(/\u00a0/g, " ") ?? ""),
        [expected.source, expected.flags] as const,
        { timeout: 15_000 },
      ).catch(() => assert.fail(`the status document does not show ${expected}`));
    }
  });
});
