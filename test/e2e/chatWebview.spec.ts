// The chat view's script (dist/webview.js, as packaged) in headless Chromium, driven by the messages
// the extension sends. Animation frames are held and run by the test, so a frame that comes late
// (a hidden view's) is tested as it happens, not as timing allows.
import assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { AnswerView, ExtensionToWebview } from "../../src/shared/protocol";
import { launchBrowser, REPO_ROOT } from "../host/vscodeServer";

const HARNESS = `
window.posted = [];
window.frames = [];
window.acquireVsCodeApi = () => ({ postMessage: (message) => window.posted.push(message), getState: () => undefined, setState: () => undefined });
window.requestAnimationFrame = (callback) => window.frames.push(callback);
window.runFrames = () => { const frames = window.frames.splice(0); for (const frame of frames) frame(0); return frames.length; };
`;

describe("the chat view's script in Chromium", () => {
  let browser: Browser;
  let page: Page;

  const send = async (message: ExtensionToWebview): Promise<void> => {
    await page.evaluate((m) => window.dispatchEvent(new MessageEvent("message", { data: m })), message);
  };
  const answerBody = (id: string): Promise<string> => page.evaluate((answerId) => document.querySelector(`.answer[data-id="${answerId}"] .answer-body`)?.innerHTML ?? "", id);
  const sendDisabled = (): Promise<boolean> => page.evaluate(() => (document.querySelector("button.send") as HTMLButtonElement).disabled);
  const view = (id: string, answer: string, valid: string[]): AnswerView => ({
    id, question: "where is the queue?", answer, mode: "model", profileLabel: "Test", sources: [], conventions: [],
    citations: valid.map((text) => ({ text, valid: true })),
  });

  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  const open = async (): Promise<void> => {
    page = await browser.newPage();
    await page.setContent('<!DOCTYPE html><html><body><div id="app"></div></body></html>');
    await page.addScriptTag({ content: HARNESS });
    await page.addScriptTag({ path: path.join(REPO_ROOT, "dist", "webview.js") });
    await send({ type: "state", indexState: "Index: 10 chunks", models: [], history: [] });
  };

  it("keeps an answer's final rendering when a streaming frame runs after the answer ended", async () => {
    await open();
    await send({ type: "answerStart", id: "q1", question: "where is the queue?", profileLabel: "Test" });
    await send({ type: "delta", id: "q1", text: "Partly streamed [lib/Queue.java:1-2] and [lib/nowhere.py:1-2]" });
    // The view is hidden: its frame waits while the answer ends.
    await send({ type: "answerEnd", answer: view("q1", "Final answer [lib/Queue.java:1-2] and [lib/nowhere.py:1-2].", ["lib/Queue.java:1-2"]) });
    const final = await answerBody("q1");
    assert.match(final, /class="citation unverified" data-citation="lib\/nowhere\.py:1-2"/);
    assert.ok((await page.evaluate(() => (window as unknown as { runFrames(): number }).runFrames())) >= 1, "a streaming frame was pending");
    assert.equal(await answerBody("q1"), final, "the late frame left the final answer as it was");
    assert.equal(await sendDisabled(), false);
  });

  it("New Chat while an answer streams leaves the input usable for every question after", async () => {
    await open();
    await send({ type: "answerStart", id: "q1", question: "first?", profileLabel: "Test" });
    await send({ type: "delta", id: "q1", text: "streaming" });
    assert.equal(await sendDisabled(), true, "busy while an answer streams");
    await send({ type: "cleared" });
    assert.equal(await sendDisabled(), false);
    for (const id of ["q2", "q3"]) {
      await send({ type: "answerStart", id, question: "next?", profileLabel: "Test" });
      await send({ type: "answerEnd", answer: view(id, "Done.", []) });
      assert.equal(await sendDisabled(), false, `usable after ${id}`);
    }
  });
});
