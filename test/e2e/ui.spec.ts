// UI end-to-end: the VSIX installed in a real VS Code server, driven in headless Chromium the way a
// person would: command palette, status bar, the index status document. Every step saves a
// screenshot to test-results/e2e/; a failing step names itself and keeps its screenshot.
import assert from "node:assert/strict";
import { cpSync, mkdirSync, rmSync } from "node:fs";
import * as path from "node:path";
import { after, it, type TestContext } from "node:test";
import type { FrameLocator, Page } from "playwright-core";
import { TestModelServer } from "../support/modelServer";
import { writeTree } from "../helpers/workspace";
import { HostSession, launchBrowser, REPO_ROOT, trustWorkspaceIfAsked, VsCodeServer, vsixUnderTest } from "../host/vscodeServer";

const SHOTS = path.join(REPO_ROOT, "test-results", "e2e");
const session = new HostSession("gw-e2e-");
const state = session.state;
after(() => session.dispose());

/** The chat view's document: a webview iframe inside VS Code's webview host iframe. */
function chatFrame(page: Page): FrameLocator {
  return page.frameLocator("iframe.webview.ready").frameLocator("#active-frame");
}

async function askInChat(page: Page, question: string): Promise<void> {
  const input = chatFrame(page).locator("textarea.question");
  await input.waitFor({ state: "visible", timeout: 30_000 });
  await input.fill(question);
  await input.press("Enter");
}

async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: 10_000 });
  await input.fill(`>${title}`);
  const row = page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first();
  await row.waitFor({ state: "visible", timeout: 10_000 });
  await row.click();
}

/** Clicks "Send for this session" each time VS Code asks (an untrusted workspace) until `done`, for up to 30 s. */
async function consentIfAsked(page: Page, done: () => Promise<boolean>): Promise<void> {
  const consent = page.getByRole("button", { name: "Send for this session" });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !(await done())) {
    if (await consent.isVisible()) await consent.click();
    else await page.waitForTimeout(100);
  }
}

it("Groundwork in VS Code, as a user sees it", { timeout: 6 * 60_000 }, async (t: TestContext) => {
  rmSync(SHOTS, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
  const workspace = path.join(state, "workspace");
  cpSync(path.join(REPO_ROOT, "test", "fixtures", "polyglot"), workspace, { recursive: true });
  writeTree(workspace, {
    ".env": "API_TOKEN=not-a-real-token\n",
    "assets/logo.png": new Uint8Array([137, 80, 78, 71, 0, 0]),
    "AGENTS.md": "UI rule: queues never block the caller.\n",
  });
  VsCodeServer.installVsix(vsixUnderTest(), path.join(state, "vscode"));
  const models = await TestModelServer.start({ models: ["coder-base", "coder-lora"] });
  t.after(() => models.close());
  // No background index: the status bar may only show chunks once the palette command has run.
  writeTree(path.join(state, "vscode", "user-data", "User"), {
    "settings.json": JSON.stringify({
      "groundwork.index.enabled": false,
      "groundwork.completions.debounceMs": 0,
      "groundwork.models": [
        { id: "base", label: "Test Base", baseURL: models.url, model: "coder-base", fim: "qwen2.5-coder" },
        { id: "lora", label: "Test LoRA", baseURL: models.url, model: "coder-lora", kind: "lora", baseModel: "coder-base" },
      ],
    }),
  });
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
    // Background indexing is off in this workspace: the status bar says so until the command runs.
    await page.locator(".statusbar-item", { hasText: /^\s*Groundwork: indexing off\s*$/ }).waitFor({ state: "visible", timeout: 30_000 });
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

  await step("open the Groundwork chat view from the activity bar", async () => {
    await page.locator(".activitybar .action-item a[aria-label^='Groundwork']").first().click();
    await chatFrame(page).locator("textarea.question").waitFor({ state: "visible", timeout: 30_000 });
    await chatFrame(page).locator(".index-state", { hasText: /chunks/ }).waitFor({ state: "visible", timeout: 15_000 });
  });

  await step("ask a question and see the streamed answer, its sources and why", async () => {
    await askInChat(page, "how does the bounded queue offer an item?");
    // Restricted Mode: Groundwork asks once before code from an untrusted workspace goes to a model.
    // Whichever comes first (a busy machine may show the question late): the question, or the answer.
    const consent = page.getByRole("button", { name: "Send for this session" });
    const answer = chatFrame(page).locator(".answer").last();
    const answered = answer.locator(".answer-body", { hasText: "The code you are asking about is in" });
    // (The answer is inside the webview's frames, which a composite locator can't reach: both are polled.)
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !(await consent.isVisible()) && !(await answered.isVisible())) await page.waitForTimeout(100);
    if (await consent.isVisible()) {
      await page.screenshot({ path: path.join(SHOTS, "untrusted-consent.png") });
      assert.equal(models.to("/v1/chat/completions").length, 0, "nothing was sent before consent");
      await consent.click();
    }
    await answered.waitFor({ state: "visible", timeout: 30_000 });
    await answer.locator(".sources li").first().waitFor({ state: "visible" });
    assert.match((await answer.locator(".sources").innerText()) ?? "", /lib\/Queue\.java:\d+-\d+[\s\S]*(vector|keyword) #\d/);
    const system = models.to("/v1/chat/completions").at(-1)!.body.messages[0].content as string;
    assert.match(system, /\[lib\/Queue\.java:\d+-\d+\]/, "the request carries the retrieved chunks");
    assert.match(system, /UI rule: queues never block the caller/, "and the conventions");
  });

  await step("render hostile model output inert (script, event handlers, javascript:/command: links, remote images)", async () => {
    const pixel = `${models.url.replace(/\/v1$/, "")}/pixel.png`;
    models.enqueue({ kind: "text", text: `Careful: <script>window.__gwPwned = 1</script> <img src=x onerror="window.__gwPwned = 2"> [run](javascript:window.__gwPwned=3) [terminal](command:workbench.action.terminal.new) ![tracker](${pixel}) [docs](https://example.com/)` });
    await askInChat(page, "show me something hostile");
    const answer = chatFrame(page).locator(".answer").last();
    await answer.locator(".answer-body", { hasText: "Careful:" }).waitFor({ state: "visible", timeout: 30_000 });
    const report = await answer.locator(".answer-body").evaluate((body) => ({
      pwned: (window as unknown as { __gwPwned?: number }).__gwPwned,
      scripts: body.querySelectorAll("script").length,
      images: body.querySelectorAll("img").length,
      handlers: Array.from(body.querySelectorAll("*")).filter((el) => Array.from(el.attributes).some((a) => a.name.startsWith("on"))).length,
      hrefs: Array.from(body.querySelectorAll("a")).map((a) => a.getAttribute("href")),
      text: body.textContent ?? "",
    }));
    assert.equal(report.pwned, undefined, "no script ran");
    assert.equal(report.scripts, 0);
    assert.equal(report.images, 0, "no image element, so nothing is fetched");
    assert.equal(report.handlers, 0, "no event-handler attribute");
    assert.deepEqual(report.hrefs, ["https://example.com/"], "only the web link is a link");
    assert.match(report.text, /<script>window\.__gwPwned = 1<\/script>/, "shown as text");
    assert.equal(models.requests.filter((r) => r.path === "/pixel.png").length, 0, "the remote image was never requested");
  });

  await step("click a citation and see the editor open at those lines", async () => {
    const citation = chatFrame(page).locator(".answer-body button.citation").first();
    const text = (await citation.textContent()) ?? "";
    await citation.click();
    await page.locator(".tab", { hasText: "Queue.java" }).waitFor({ state: "visible", timeout: 15_000 });
    const [, start] = /:(\d+)-(\d+)$/.exec(text)!;
    await page.locator(".statusbar-item", { hasText: new RegExp(`Ln \\d+, Col \\d+ \\(\\d+ selected\\)`) }).waitFor({ state: "visible", timeout: 10_000 });
    assert.ok(Number(start) >= 1);
  });

  await step("apply a code block through its diff preview", async () => {
    models.enqueue({ kind: "text", text: "Replace the file header:\n\n```java\n// Applied by Groundwork\n```\n" });
    await askInChat(page, "write a header comment for this file");
    const apply = chatFrame(page).locator(".answer").last().locator("button[data-action='apply']");
    await apply.waitFor({ state: "visible", timeout: 30_000 });
    await apply.click();
    await page.locator(".tab", { hasText: /Groundwork proposal/ }).waitFor({ state: "visible", timeout: 15_000 });
    await page.screenshot({ path: path.join(SHOTS, "diff-preview.png") });
    await page.locator(".editor-actions .action-label[aria-label^='Accept Proposed Change']").first().click();
    await page.locator(".tab", { hasText: /Groundwork proposal/ }).waitFor({ state: "detached", timeout: 15_000 });
    await page.locator(".editor-instance .view-lines", { hasText: "// Applied by Groundwork" }).first().waitFor({ state: "visible", timeout: 15_000 });
  });

  await step("accept an inline completion with Tab", async () => {
    await page.keyboard.press("Control+P");
    const quickOpen = page.locator(".quick-input-widget input");
    await quickOpen.fill("cache.js");
    await page.locator(".quick-input-list .monaco-list-row", { hasText: "cache.js" }).first().click();
    await page.locator(".tab.active", { hasText: "cache.js" }).waitFor({ state: "visible", timeout: 15_000 });
    await page.locator(".editor-instance .view-lines").first().click();
    await page.keyboard.press("Control+End");
    await page.keyboard.press("Enter");
    await page.keyboard.type("function add(a, b) {", { delay: 20 });
    await page.keyboard.press("Enter");
    // Ghost text: VS Code renders the suggestion in its own (token-split) decorations.
    await page.locator("[class*='ghost-text']").first().waitFor({ state: "visible", timeout: 20_000 });
    const ghost = (): Promise<string> => page.evaluate(() => Array.from(document.querySelectorAll("[class*='ghost-text']")).map((e) => `${e.className}: ${e.textContent}`).join(" | "));
    await page.waitForFunction(() => Array.from(document.querySelectorAll("[class*='ghost-text']")).map((e) => e.textContent).join("").replace(/\u00a0/g, " ").includes("return a + b;"), undefined, { timeout: 10_000 })
      .catch(async () => assert.fail(`no ghost text with the completion: ${await ghost()}`));
    assert.ok(models.to("/v1/completions").length > 0, "the completion came from the completions profile");
    await page.keyboard.press("Tab");
    await page.locator(".editor-instance .view-lines", { hasText: "return a + b;" }).first().waitFor({ state: "visible", timeout: 10_000 });
    await page.waitForFunction(() => document.querySelectorAll("[class*='ghost-text']").length === 0, undefined, { timeout: 10_000 })
      .catch(async () => assert.fail(`the suggestion is still ghost text after Tab: ${await ghost()}`));
  });

  await step("switch the chat model from the status bar", async () => {
    await page.locator(".statusbar-item", { hasText: "Test Base" }).first().click();
    await page.locator(".quick-input-list .monaco-list-row", { hasText: "Test LoRA" }).first().click();
    await page.locator(".statusbar-item", { hasText: "Test LoRA (LoRA)" }).first().waitFor({ state: "visible", timeout: 15_000 });
  });

  await step("Compare Models shows both answers side by side", async () => {
    await runCommand(page, "Groundwork: Compare Models");
    const input = page.locator(".quick-input-widget input");
    await input.fill("how are invoices totalled?");
    await input.press("Enter");
    await page.locator(".quick-input-list .monaco-list-row", { hasText: "Test Base" }).first().click();
    const frame = chatFrame(page);
    // In Restricted Mode, consent is per model: Test LoRA is asked for now.
    await consentIfAsked(page, () => frame.locator(".answer-meta", { hasText: "A · Test LoRA" }).last().isVisible());
    await frame.locator(".answer-meta", { hasText: "A · Test LoRA" }).last().waitFor({ state: "visible", timeout: 30_000 });
    await frame.locator(".answer-meta", { hasText: "B · Test Base" }).last().waitFor({ state: "visible", timeout: 30_000 });
    const turn = frame.locator(".turn.compare").last();
    await turn.locator(".answer-stats").nth(1).waitFor({ state: "visible", timeout: 30_000 });
    assert.equal(await turn.locator(".answer").count(), 2, "both answers in one turn");
    const requests = models.to("/v1/chat/completions").slice(-2).map((r) => r.body.model).sort();
    assert.deepEqual(requests, ["coder-base", "coder-lora"]);
  });
});
