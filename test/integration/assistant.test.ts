import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "mocha";
import * as vscode from "vscode";
import type { GroundworkApi } from "../../src/extension/extension";
import type { AnswerView } from "../../src/shared/protocol";
import { TestModelServer } from "../support/modelServer";
import { groundwork, search, waitFor, workspaceUri } from "./helpers";

const KEY = "sk-integration-5b1e";
const PAYMENTS = '"""Payments."""\n\n\ndef total_with_tax(amount, rate):\n    subtotal = amount\n    return subtotal * (1 + rate)\n\n\ndef refund(amount):\n    return -amount\n';

function proposalDiffOpen(): boolean {
  return vscode.window.tabGroups.all.some((group) => group.tabs.some((tab) => tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.scheme === "groundwork-proposal"));
}

async function codeActions(uri: vscode.Uri, range: vscode.Range): Promise<string[]> {
  const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>("vscode.executeCodeActionProvider", uri, range)) ?? [];
  return actions.map((a) => a.title).filter((t) => t.startsWith("Groundwork:"));
}

describe("assistant in VS Code (against a local OpenAI-protocol server)", () => {
  let api: GroundworkApi;
  let server: TestModelServer;
  const config = () => vscode.workspace.getConfiguration("groundwork");

  before(async () => {
    api = await groundwork();
    server = await TestModelServer.start({ models: ["coder-base", "coder-lora"], apiKey: KEY });
    await config().update("models", [
      { id: "base", label: "Test Base", baseURL: server.url, model: "coder-base", fim: "qwen2.5-coder" },
      { id: "lora", label: "Test LoRA", baseURL: server.url, model: "coder-lora", kind: "lora", baseModel: "coder-base" },
    ], vscode.ConfigurationTarget.Global);
    await config().update("completions.debounceMs", 0, vscode.ConfigurationTarget.Global);
    for (const id of ["base", "lora"]) await vscode.commands.executeCommand("groundwork.setApiKey", id, KEY);
    await vscode.workspace.fs.writeFile(workspaceUri("lib/payments.py"), Buffer.from(PAYMENTS));
    await waitFor("the index", async () => (api.indexService.state.kind === "ready" ? true : undefined), 60_000);
  });

  after(async () => {
    await server.close();
  });

  it("ignores where-code-goes settings from the workspace's .vscode/settings.json (4 cases)", () => {
    const assistant = api.assistant!;
    // 1. profiles (another server, with an extra header), 2. the chat profile, 3. the completions profile, 4. the timeout.
    assert.deepEqual(assistant.models.profiles().map((p) => p.baseURL), [server.url, server.url]);
    assert.ok(assistant.models.profiles().every((p) => Object.keys(p.headers).length === 0));
    assert.equal(assistant.models.chatProfile().id, "base");
    assert.equal(assistant.models.completionProfile().id, "base");
    assert.equal(vscode.workspace.getConfiguration("groundwork").get("model.timeoutSeconds"), 60);
  });

  it("answers a question grounded in the retrieved chunks and the conventions, with valid citations", async () => {
    const view = (await vscode.commands.executeCommand<AnswerView>("groundwork.ask", "how does the bounded queue offer an item?"))!;
    assert.equal(view.mode, "model", view.notice);
    const request = server.to("/v1/chat/completions").at(-1)!;
    assert.equal(request.headers.authorization, `Bearer ${KEY}`, "the key from SecretStorage");
    const system = request.body.messages[0].content as string;
    assert.match(system, /\[lib\/Queue\.java:\d+-\d+\]/);
    assert.match(system, /Integration rule: prefer small functions/);
    assert.ok(view.citations.length > 0 && view.citations.every((c) => c.valid), JSON.stringify(view.citations));
    assert.ok(view.sources.some((s) => s.citation.startsWith("lib/Queue.java") && /vector|keyword/.test(s.why)));
    assert.ok(view.sources.some((s) => /\b\d+% of the question's words/.test(s.why)), JSON.stringify(view.sources.map((s) => s.why)));
  });

  it("pins a file mentioned with @ into the context, first", async () => {
    const view = await api.assistant!.chat.ask("mention-test", "what is in @lib/Router.php ?");
    assert.equal(view.mode, "model");
    assert.ok(view.sources[0].citation.startsWith("lib/Router.php:"), JSON.stringify(view.sources.slice(0, 2)));
    assert.equal(view.sources[0].why, "pinned with @");
    assert.ok(api.assistant!.chat.answers.some((a) => a.id === "mention-test"), "kept in the chat history");
  });

  it("recovers after a failing server: a clear message with the retrieved code, then normal answers again", async () => {
    server.enqueue({ kind: "error", status: 500 }, { kind: "error", status: 500 }, { kind: "error", status: 500 });
    const failed = (await vscode.commands.executeCommand<AnswerView>("groundwork.ask", "how does the bounded queue offer an item?"))!;
    assert.equal(failed.mode, "retrieval-only");
    assert.match(failed.notice ?? "", /failed \(500\) after 2 retries/);
    assert.ok(failed.sources.length > 0, "the retrieved code is still shown");
    const next = (await vscode.commands.executeCommand<AnswerView>("groundwork.ask", "how does the bounded queue offer an item?"))!;
    assert.equal(next.mode, "model");
  });

  it("opens a citation with its lines selected", async () => {
    const editor = (await api.assistant!.chat.openCitation("lib/Queue.java:5-12"))!;
    assert.ok(editor.document.uri.path.endsWith("lib/Queue.java"));
    assert.equal(editor.selection.start.line, 4);
    assert.equal(editor.selection.end.line, 11);
  });

  it("applies a code block only after Accept in the diff preview, and not after Reject", async () => {
    const uri = workspaceUri("src/cache.js");
    const editor = await vscode.window.showTextDocument(uri);
    editor.selection = new vscode.Selection(0, 0, 0, editor.document.lineAt(0).text.length);
    const original = editor.document.getText();
    const rejected = api.assistant!.chat.apply("// rejected change");
    await waitFor("the proposal diff", async () => (proposalDiffOpen() ? true : undefined));
    assert.equal(editor.document.getText(), original, "nothing changes before Accept");
    await vscode.commands.executeCommand("groundwork.rejectProposal");
    assert.equal(await rejected, false);
    assert.equal((await vscode.workspace.openTextDocument(uri)).getText(), original);

    await vscode.window.showTextDocument(uri);
    vscode.window.activeTextEditor!.selection = new vscode.Selection(0, 0, 0, editor.document.lineAt(0).text.length);
    const accepted = api.assistant!.chat.apply("// accepted change");
    await waitFor("the proposal diff", async () => (proposalDiffOpen() ? true : undefined));
    await vscode.commands.executeCommand("groundwork.acceptProposal");
    assert.equal(await accepted, true);
    const text = (await vscode.workspace.openTextDocument(uri)).getText();
    assert.ok(text.startsWith("// accepted change\n"), text.slice(0, 80));
    assert.ok(!proposalDiffOpen(), "the diff closes");
  });

  it("settles a proposal whose diff is closed without Accept or Reject as rejected", async () => {
    const uri = workspaceUri("src/cache.js");
    const editor = await vscode.window.showTextDocument(uri);
    editor.selection = new vscode.Selection(0, 0, 0, editor.document.lineAt(0).text.length);
    const original = editor.document.getText();
    const pending = api.assistant!.chat.apply("// closed without a decision");
    await waitFor("the proposal diff", async () => (proposalDiffOpen() ? true : undefined));
    const tab = vscode.window.tabGroups.all.flatMap((group) => group.tabs).find((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.scheme === "groundwork-proposal")!;
    await vscode.window.tabGroups.close(tab);
    const outcome = await Promise.race([pending, new Promise((resolve) => setTimeout(() => resolve("still waiting"), 5000))]);
    assert.equal(outcome, false, "closing the diff rejects the proposal");
    assert.equal(api.assistant!.proposals.pending, 0);
    assert.equal((await vscode.workspace.openTextDocument(uri)).getText(), original);
  });

  it("Accept with several proposals open and neither diff focused applies none of them", async () => {
    const first = workspaceUri("src/cache.js");
    const second = workspaceUri("src/shapes.ts");
    const originals = await Promise.all([first, second].map(async (uri) => (await vscode.workspace.openTextDocument(uri)).getText()));
    const outcomes: Array<Promise<boolean>> = [];
    for (const uri of [first, second]) {
      const editor = await vscode.window.showTextDocument(uri);
      editor.selection = new vscode.Selection(0, 0, 0, editor.document.lineAt(0).text.length);
      outcomes.push(api.assistant!.chat.apply(`// proposed for ${path.basename(uri.fsPath)}`));
      await waitFor("the proposal diff", async () => (api.assistant!.proposals.pending === outcomes.length ? true : undefined));
    }
    // Another file has focus: the command (a keybinding, the palette) names no proposal.
    await vscode.window.showTextDocument(workspaceUri("lib/retry.py"));
    assert.equal(await vscode.commands.executeCommand("groundwork.acceptProposal"), false);
    assert.equal(api.assistant!.proposals.pending, 2, "both still wait for a decision");
    for (const [i, uri] of [first, second].entries()) assert.equal((await vscode.workspace.openTextDocument(uri)).getText(), originals[i]);
    const tabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.scheme === "groundwork-proposal");
    for (const tab of tabs) await vscode.commands.executeCommand("groundwork.rejectProposal", (tab.input as vscode.TabInputTextDiff).modified);
    assert.deepEqual(await Promise.all(outcomes), [false, false]);
  });

  it("offers the code actions on a selection and Fix This Problem on a diagnostic", async () => {
    const uri = workspaceUri("lib/payments.py");
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    assert.deepEqual(await codeActions(uri, new vscode.Range(3, 0, 5, 0)), ["Groundwork: Explain", "Groundwork: Refactor", "Groundwork: Add Documentation", "Groundwork: Generate Tests"]);
    const diagnostics = vscode.languages.createDiagnosticCollection("groundwork-test");
    diagnostics.set(uri, [new vscode.Diagnostic(new vscode.Range(4, 4, 4, 12), "'rate' may be negative", vscode.DiagnosticSeverity.Error)]);
    try {
      await waitFor("the diagnostic's quick fix", async () => ((await codeActions(uri, new vscode.Range(4, 5, 4, 5))).includes("Groundwork: Fix This Problem") ? true : undefined), 10_000);
    } finally {
      diagnostics.dispose();
    }
  });

  it("runs Refactor, Add Documentation and Fix This Problem through the diff, and Generate Tests into a new file", async () => {
    const uri = workspaceUri("lib/payments.py");
    const cases: Array<{ command: string; code: string; problems?: string[] }> = [
      { command: "groundwork.refactor", code: "def total_with_tax(amount, rate):\n    return amount * (1 + rate)" },
      { command: "groundwork.addDocumentation", code: "def total_with_tax(amount, rate):\n    \"\"\"The amount with tax at `rate` added.\"\"\"\n    return amount * (1 + rate)" },
      { command: "groundwork.fixProblem", code: "def total_with_tax(amount, rate):\n    return amount * (1 + max(rate, 0))", problems: ["'rate' may be negative"] },
    ];
    for (const c of cases) {
      server.enqueue({ kind: "text", text: `Here it is.\n\`\`\`python\n${c.code}\n\`\`\`\n` });
      const current = await vscode.workspace.openTextDocument(uri);
      const end = [...current.getText().split("\n").entries()].find(([i, line]) => i > 3 && line.startsWith("    return"))![0];
      const target = new vscode.Range(3, 0, end, current.lineAt(end).text.length);
      const done = vscode.commands.executeCommand<boolean>(c.command, uri, target, c.problems);
      await waitFor(`${c.command}'s diff`, async () => (proposalDiffOpen() ? true : undefined));
      const question = server.to("/v1/chat/completions").at(-1)!.body.messages.at(-1).content as string;
      assert.match(question, new RegExp(`lib/payments\\.py:4-${end + 1}`));
      if (c.problems) assert.match(question, /'rate' may be negative/);
      await vscode.commands.executeCommand("groundwork.acceptProposal");
      assert.equal(await done, true, c.command);
      assert.ok((await vscode.workspace.openTextDocument(uri)).getText().includes(c.code), c.command);
    }

    server.enqueue({ kind: "text", text: "Tests:\n```python\nfrom payments import refund\n\ndef test_refund_is_negative():\n    assert refund(5) == -5\n```\n" });
    const tests = vscode.commands.executeCommand<boolean>("groundwork.generateTests", uri, new vscode.Range(7, 0, 9, 0));
    await waitFor("the generated tests' diff", async () => (proposalDiffOpen() ? true : undefined));
    await vscode.commands.executeCommand("groundwork.acceptProposal");
    assert.equal(await tests, true);
    const created = await vscode.workspace.openTextDocument(workspaceUri("lib/test_payments.py"));
    assert.match(created.getText(), /def test_refund_is_negative/);

    // Again, now that the test file exists: the diff is of the real file, and the new tests go at its end.
    const before = created.getText();
    server.enqueue({ kind: "text", text: "More tests:\n```python\ndef test_refund_of_zero():\n    assert refund(0) == 0\n```\n" });
    const more = vscode.commands.executeCommand<boolean>("groundwork.generateTests", uri, new vscode.Range(7, 0, 9, 0));
    await waitFor("the added tests' diff", async () => (proposalDiffOpen() ? true : undefined));
    const diff = vscode.window.tabGroups.activeTabGroup.activeTab?.input as vscode.TabInputTextDiff;
    assert.equal(diff.original.toString(), workspaceUri("lib/test_payments.py").toString(), "the diff's left side is the existing test file");
    const asked = server.to("/v1/chat/completions").at(-1)!.body;
    assert.match(asked.messages.at(-1).content as string, /to add to the existing test file lib\/test_payments\.py/);
    assert.ok(JSON.stringify(asked.messages).includes("The existing test file, lib/test_payments.py") && JSON.stringify(asked.messages).includes("def test_refund_is_negative"), "the existing tests are in the prompt");
    await vscode.commands.executeCommand("groundwork.acceptProposal");
    assert.equal(await more, true);
    const grown = (await vscode.workspace.openTextDocument(workspaceUri("lib/test_payments.py"))).getText();
    assert.ok(grown.startsWith(before), "the existing tests stay first, untouched");
    assert.match(grown.slice(before.length), /^\n?def test_refund_of_zero\(\):\n {4}assert refund\(0\) == 0\n$/);

    // Once more, and the test file is edited after the diff was shown: Accept applies nothing.
    server.enqueue({ kind: "text", text: "Tests:\n```python\ndef test_refund_of_one():\n    assert refund(1) == -1\n```\n" });
    const stale = vscode.commands.executeCommand<boolean>("groundwork.generateTests", uri, new vscode.Range(7, 0, 9, 0));
    await waitFor("the third tests' diff", async () => (proposalDiffOpen() ? true : undefined));
    const testFile = workspaceUri("lib/test_payments.py");
    const edit = new vscode.WorkspaceEdit();
    edit.insert(testFile, new vscode.Position(0, 0), "# edited meanwhile\n");
    assert.ok(await vscode.workspace.applyEdit(edit));
    const edited = (await vscode.workspace.openTextDocument(testFile)).getText();
    await vscode.commands.executeCommand("groundwork.acceptProposal");
    assert.equal(await stale, false, "the file changed after the diff was shown");
    assert.equal((await vscode.workspace.openTextDocument(testFile)).getText(), edited, "nothing was applied");
    assert.ok(!proposalDiffOpen(), "the stale proposal's diff closes");

    // The file is edited while the model answers: the range it asked about may hold other code now, so nothing is proposed.
    const payments = await vscode.workspace.openTextDocument(uri);
    server.enqueue({ kind: "text", text: "Here it is.\n```python\ndef refund(amount):\n    return -abs(amount)\n```\n", delayMs: 1500 });
    const moved = vscode.commands.executeCommand<boolean>("groundwork.refactor", uri, new vscode.Range(8, 0, 9, payments.lineAt(9).text.length));
    await waitFor("the refactor request", async () => (server.to("/v1/chat/completions").at(-1)!.body.messages.at(-1).content.includes("Refactor") ? true : undefined));
    const above = new vscode.WorkspaceEdit();
    above.insert(uri, new vscode.Position(0, 0), "# a line above\n");
    assert.ok(await vscode.workspace.applyEdit(above));
    assert.equal(await moved, false);
    assert.ok(!proposalDiffOpen(), "no diff for a range that moved");
    assert.ok(!(await vscode.workspace.openTextDocument(uri)).getText().includes("abs(amount)"));

    const explained = await vscode.commands.executeCommand<boolean>("groundwork.explain", uri, new vscode.Range(0, 0, 2, 0));
    assert.equal(explained, true);
    assert.match(server.to("/v1/chat/completions").at(-1)!.body.messages[0].content, /Selected code, lib\/payments\.py:1-3/);
  });

  it("completes inline from the completions profile with a fill-in-the-middle prompt", async () => {
    const uri = workspaceUri("src/cache.js");
    const editor = await vscode.window.showTextDocument(uri);
    const end = editor.document.lineAt(editor.document.lineCount - 1).range.end;
    await editor.edit((edit) => edit.insert(end, "\nfunction add(a, b) {\n  "));
    const position = editor.document.lineAt(editor.document.lineCount - 1).range.end;
    editor.selection = new vscode.Selection(position, position);
    const before = server.to("/v1/completions").length;
    await waitFor("an inline completion request", async () => {
      await vscode.commands.executeCommand("editor.action.inlineSuggest.trigger");
      await new Promise((resolve) => setTimeout(resolve, 300));
      return server.to("/v1/completions").length > before ? true : undefined;
    }, 20_000);
    const prompt = server.to("/v1/completions").at(-1)!.body.prompt as string;
    assert.match(prompt, /<\|fim_prefix\|>[\s\S]*function add\(a, b\) \{\n {2}<\|fim_suffix\|>/);
  });

  it("switches the chat model, and the status bar and requests follow", async () => {
    await vscode.commands.executeCommand("groundwork.switchChatModel", "lora");
    await waitFor("the status bar to show the LoRA profile", async () => (api.assistant!.modelStatusBar.text.includes("Test LoRA (LoRA)") ? true : undefined), 10_000);
    await vscode.commands.executeCommand("groundwork.ask", "what does the router do?");
    assert.equal(server.to("/v1/chat/completions").at(-1)!.body.model, "coder-lora");
    await vscode.commands.executeCommand("groundwork.switchChatModel", "base");
  });

  it("Compare Models sends the same grounded prompt to base and LoRA and shows both answers", async () => {
    const start = server.to("/v1/chat/completions").length;
    const views = (await vscode.commands.executeCommand<[AnswerView, AnswerView]>("groundwork.compareModels", "how are invoices totalled?", "lora"))!;
    const requests = server.to("/v1/chat/completions").slice(start);
    assert.deepEqual(new Set(requests.map((r) => r.body.model)), new Set(["coder-base", "coder-lora"]));
    assert.equal(requests[0].body.messages[0].content, requests[1].body.messages[0].content);
    assert.deepEqual(views.map((v) => v.compareSide), ["A · Test Base", "B · Test LoRA"]);
    assert.ok(views.every((v) => v.mode === "model" && v.answer.length > 0 && v.latencyMs !== undefined));
  });

  it("Stop stops a Compare in progress, keeping what each side had streamed", async () => {
    const slow = { kind: "text" as const, text: "Invoices are totalled line by line, then tax is added, then rounding applies.", chunkSize: 4, delayMs: 150 };
    server.enqueue(slow, slow);
    const start = server.to("/v1/chat/completions").length;
    const comparing = api.assistant!.chat.compare("how are invoices totalled?", "without-retrieval");
    await waitFor("both sides to be streaming", async () => (server.to("/v1/chat/completions").length >= start + 2 ? true : undefined), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await api.assistant!.chat.handle({ type: "stop" });
    const views = await Promise.race([comparing, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000))]);
    assert.ok(views, "Compare ended once stopped");
    assert.deepEqual(views.map((v) => v.notice), ["Stopped.", "Stopped."]);
    assert.ok(views.every((v) => v.answer.length < slow.text.length), "neither side streamed to the end");
  });

  it("New Chat during a Compare clears it for good: neither side comes back into the new conversation", async () => {
    const slow = { kind: "text" as const, text: "Invoices are totalled line by line, then tax is added.", chunkSize: 4, delayMs: 150 };
    server.enqueue(slow, slow);
    const start = server.to("/v1/chat/completions").length;
    const comparing = api.assistant!.chat.compare("how are invoices totalled, again?", "without-retrieval");
    await waitFor("both sides to be streaming", async () => (server.to("/v1/chat/completions").length >= start + 2 ? true : undefined), 10_000);
    await api.assistant!.chat.handle({ type: "newChat" });
    const views = await Promise.race([comparing.catch(() => undefined), new Promise<"pending">((resolve) => setTimeout(() => resolve("pending"), 10_000))]);
    assert.notEqual(views, "pending", "Compare ended once the chat was cleared");
    assert.deepEqual(api.assistant!.chat.answers, [], "the cleared conversation stays empty");
  });

  it("reranks searches through groundwork.search.reranker, with its key from SecretStorage", async () => {
    const before = server.to("/v1/rerank").length;
    await config().update("search.reranker", { baseURL: server.url, model: "rerank-test" }, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand("groundwork.setApiKey", "reranker", KEY);
    try {
      const hits = await waitFor("a reranked search", async () => {
        const found = await search("bounded queue offer item", 5);
        return server.to("/v1/rerank").length > before ? found : undefined;
      }, 20_000);
      const request = server.to("/v1/rerank").at(-1)!;
      assert.equal(request.headers.authorization, `Bearer ${KEY}`, "the key from SecretStorage");
      assert.equal(request.body.model, "rerank-test");
      assert.equal(request.body.query, "bounded queue offer item");
      assert.equal(hits[0]?.path, "lib/Queue.java");
    } finally {
      await config().update("search.reranker", undefined, vscode.ConfigurationTarget.Global);
    }
    let n = 0;
    await waitFor("searches without the reranker once the setting is cleared", async () => {
      const count = server.to("/v1/rerank").length;
      await search(`expiring cache entries ${n++}`, 3);
      return server.to("/v1/rerank").length === count ? true : undefined;
    });
  });

  it("embeds with groundwork.index.embeddings beside the builtin vectors, its key from SecretStorage, and switches back at once", async () => {
    const status = (): Thenable<string> => vscode.commands.executeCommand<string>("groundwork.showIndexStatus");
    const before = server.to("/v1/embeddings").length;
    await vscode.commands.executeCommand("groundwork.setApiKey", "embeddings", KEY);
    await config().update("index.embeddings", { baseURL: server.url, model: "embed-test" }, vscode.ConfigurationTarget.Global);
    try {
      await waitFor("an index with the embedding model's vectors", async () => (/builtin\/\d+ \+ embed-test\/32/.test(await status()) ? true : undefined), 60_000);
      const sent = server.to("/v1/embeddings").slice(before);
      assert.ok(sent.length >= 2, "the probe and the chunks");
      assert.ok(sent.every((request) => request.headers.authorization === `Bearer ${KEY}`), "the key from SecretStorage");
      assert.equal((await search("bounded queue offer item", 3))[0]?.path, "lib/Queue.java");
      // Agent mode's MCP server (the CLI) may use the index's model at the server the setting names.
      const [definition] = (await api.assistant!.agents.mcpProvider!.provideMcpServerDefinitions()) as vscode.McpStdioServerDefinition[];
      assert.equal((definition.env as Record<string, string>).GROUNDWORK_EMBEDDING_BASE_URL, server.url);
      // Its key is the stored one, given when VS Code starts the server; never the editor's OPENAI_API_KEY.
      assert.equal((definition.env as Record<string, string>).GROUNDWORK_EMBEDDING_API_KEY, "");
      const resolved = await api.assistant!.agents.mcpProvider!.resolveMcpServerDefinition(definition);
      assert.equal((resolved.env as Record<string, string>).GROUNDWORK_EMBEDDING_API_KEY, KEY);
    } finally {
      await config().update("index.embeddings", undefined, vscode.ConfigurationTarget.Global);
    }
    const count = server.to("/v1/embeddings").length;
    await waitFor("builtin vectors only again", async () => (/embed-test/.test(await status()) ? undefined : true), 30_000);
    assert.equal(server.to("/v1/embeddings").length, count, "switching back sends nothing");
    assert.equal((await search("bounded queue offer item", 3))[0]?.path, "lib/Queue.java");
  });

  it("exports fine-tuning data and evaluates the models on the workspace (the Tune or Index commands)", async () => {
    const out = path.join(os.tmpdir(), `gw-export-${process.pid}-${Date.now()}`);
    const exported = await vscode.commands.executeCommand<{ examples: { train: number; test: number } }>("groundwork.exportFineTuningData", { out, format: "openai-chat", testShare: 0.5 });
    assert.ok(exported.examples.train + exported.examples.test > 0);
    for (const name of ["train.jsonl", "test.jsonl", "README.md"]) assert.ok(existsSync(path.join(out, name)), name);
    const line = readFileSync(path.join(out, "train.jsonl"), "utf8").split("\n")[0];
    assert.deepEqual(JSON.parse(line).messages.map((m: { role: string }) => m.role), ["system", "user", "assistant"]);
    const before = server.to("/v1/completions").length;
    const report = await vscode.commands.executeCommand<{ tasks: number; cells: Array<{ profile: string; retrieval: string }>; verdict: string }>(
      "groundwork.evaluateModels", { model: "base", against: "lora", tasks: 2, out: path.join(out, "eval"), testShare: 0.5 });
    assert.deepEqual(report.cells.map((c) => `${c.profile}/${c.retrieval}`), ["base/off", "base/on", "lora/off", "lora/on"]);
    assert.equal(server.to("/v1/completions").length - before, report.tasks * 4, "one completion per task, model and context");
    assert.match(report.verdict, /^Best: /);
    assert.ok(existsSync(path.join(out, "eval", "report.md")));
    rmSync(out, { recursive: true, force: true });
  });

  it("reads a team index from object storage under a local overlay (groundwork.index.shared, credentials in SecretStorage)", async function () {
    const uri = process.env.GROUNDWORK_TEST_SHARED_INDEX;
    const endpoint = process.env.GROUNDWORK_TEST_S3_ENDPOINT;
    if (!uri || !endpoint) this.skip();
    this.timeout(150_000);
    const status = (): Thenable<string> => vscode.commands.executeCommand<string>("groundwork.showIndexStatus");
    await vscode.commands.executeCommand("groundwork.setApiKey", "sharedIndex", "S3RVER:S3RVER");
    await config().update("index.shared", { uri, endpoint, region: "us-east-1" }, vscode.ConfigurationTarget.Global);
    try {
      let last = "";
      const text = await waitFor("the shared index in the status", async () => {
        last = await status();
        return /Shared index: s3:\/\/team\/ws, \d+ files( at [0-9a-f]{12})?; \d+ overlaid here/.test(last) ? last : undefined;
      }, 60_000).catch((error: Error) => assert.fail(`${error.message}; the status said:\n${last}`));
      assert.doesNotMatch(text, /S3RVER:S3RVER/);
      // At once, while the run that turned it on may still be handing files over: the indexing process tells the host as it writes.
      assert.equal((await search("bounded queue offer item", 3))[0]?.path, "lib/Queue.java");
    } finally {
      await config().update("index.shared", undefined, vscode.ConfigurationTarget.Global);
    }
    await waitFor("the shared index gone from the status", async () => (/Shared index:/.test(await status()) ? undefined : true), 60_000);
    // What the team's index answered for is indexed here again.
    await waitFor("the shared files indexed here", async () => ((await search("bounded queue offer item", 3))[0]?.path === "lib/Queue.java" ? true : undefined), 60_000);
  });

  it("offers Groundwork's tools to agents: vscode.lm.tools lists them and invokeTool answers with citations", async () => {
    const names = vscode.lm.tools.map((tool) => tool.name);
    for (const name of ["groundwork_search_code", "groundwork_get_definition", "groundwork_find_references", "groundwork_conventions_for"]) assert.ok(names.includes(name), `${name} in ${names.join(", ")}`);
    const search = await vscode.lm.invokeTool("groundwork_search_code", { input: { query: "bounded queue offer item", k: 2 }, toolInvocationToken: undefined });
    const text = search.content.map((part) => (part instanceof vscode.LanguageModelTextPart ? part.value : "")).join("");
    assert.match(text, /^\[lib\/Queue\.java:\d+-\d+\] class BoundedQueue/);
    const definition = await vscode.lm.invokeTool("groundwork_get_definition", { input: { symbol: "BoundedQueue" }, toolInvocationToken: undefined });
    assert.match((definition.content[0] as vscode.LanguageModelTextPart).value, /lib\/Queue\.java:5-27/);
    const bad = await vscode.lm.invokeTool("groundwork_search_code", { input: { query: "" }, toolInvocationToken: undefined });
    assert.match((bad.content[0] as vscode.LanguageModelTextPart).value, /`query` must be a non-empty string/, "bad input is told to the model");
    // The codebase reopened (a setting or a key changed): the tools answer from the new one, not the closed one.
    await api.indexService.reopen();
    const again = await vscode.lm.invokeTool("groundwork_search_code", { input: { query: "bounded queue offer item", k: 2 }, toolInvocationToken: undefined });
    assert.match(again.content.map((part) => (part instanceof vscode.LanguageModelTextPart ? part.value : "")).join(""), /^\[lib\/Queue\.java:\d+-\d+\] class BoundedQueue/);
  });

  it("puts Groundwork's profiles in VS Code's model picker and streams from their servers", async () => {
    const models = await vscode.lm.selectChatModels({ vendor: "groundwork" });
    assert.deepEqual(models.map((m) => m.id).sort(), ["base", "lora"]);
    const lora = models.find((m) => m.id === "lora")!;
    assert.equal(lora.family, "lora:coder-base");
    server.enqueue({ kind: "text", text: "Streamed from the LoRA profile.", chunkSize: 6 });
    const start = server.to("/v1/chat/completions").length;
    const response = await lora.sendRequest([vscode.LanguageModelChatMessage.User("Say something.")], {}, new vscode.CancellationTokenSource().token);
    const fragments: string[] = [];
    for await (const fragment of response.text) fragments.push(fragment);
    assert.equal(fragments.join(""), "Streamed from the LoRA profile.");
    assert.ok(fragments.length > 1, "streamed in pieces");
    const request = server.to("/v1/chat/completions")[start];
    assert.equal(request.body.model, "coder-lora");
    assert.equal(request.headers.authorization, `Bearer ${KEY}`);
    assert.ok(await lora.countTokens("a few words here") > 0);
  });

  it("starts its MCP server from the definition VS Code gets, and it answers tools/list", async () => {
    const [definition] = (await api.assistant!.agents.mcpProvider!.provideMcpServerDefinitions()) as vscode.McpStdioServerDefinition[];
    assert.equal(definition.label, "Groundwork");
    const child = spawn(definition.command, definition.args, { env: { ...process.env, ...(definition.env as Record<string, string>) }, stdio: ["pipe", "pipe", "ignore"] });
    try {
      const lines: Array<{ id?: number; result?: { tools?: Array<{ name: string }> } }> = [];
      let buffer = "";
      child.stdout!.on("data", (data) => {
        buffer += data;
        for (let newline = buffer.indexOf("\n"); newline >= 0; newline = buffer.indexOf("\n")) {
          lines.push(JSON.parse(buffer.slice(0, newline)));
          buffer = buffer.slice(newline + 1);
        }
      });
      const send = (message: unknown): boolean => child.stdin!.write(JSON.stringify(message) + "\n");
      send({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "test", version: "1" } } });
      await waitFor("the MCP server to initialize", async () => (lines.some((l) => l.id === 1) ? true : undefined), 30_000);
      send({ jsonrpc: "2.0", method: "notifications/initialized" });
      send({ jsonrpc: "2.0", id: 2, method: "tools/list" });
      const list = await waitFor("tools/list", async () => lines.find((l) => l.id === 2), 10_000);
      assert.deepEqual(list.result!.tools!.map((t) => t.name), ["search_code", "get_definition", "find_references", "read_code", "conventions_for", "index_status"]);
    } finally {
      child.kill();
    }
  });

  it("the model picker's provider sends turns merged, data parts as text, tool results of either class, and tool_choice when a tool is required", async () => {
    const [base] = await vscode.lm.selectChatModels({ vendor: "groundwork", id: "base" });
    const api2 = vscode as unknown as { LanguageModelDataPart: { json(value: object): vscode.LanguageModelTextPart }; LanguageModelToolResultPart2?: typeof vscode.LanguageModelToolResultPart };
    const ResultPart = api2.LanguageModelToolResultPart2 ?? vscode.LanguageModelToolResultPart;
    const tools = [{ name: "lookup", description: "Looks up.", inputSchema: { type: "object", properties: {} } }];
    const outcomes: string[] = [];
    const bodies: Record<string, { messages: Array<{ role: string; content: string }>; tool_choice?: string }> = {};
    const send = async (name: string, messages: vscode.LanguageModelChatMessage[], options: vscode.LanguageModelChatRequestOptions = {}): Promise<void> => {
      const start = server.to("/v1/chat/completions").length;
      try {
        const response = await base.sendRequest(messages, options, new vscode.CancellationTokenSource().token);
        for await (const fragment of response.text) assert.equal(typeof fragment, "string");
        bodies[name] = server.to("/v1/chat/completions")[start].body;
        outcomes.push(`${name}: ok`);
      } catch (error) {
        outcomes.push(`${name}: ${error instanceof Error ? error.message : JSON.stringify(error)} ${String(error)}`);
      }
    };
    await send("merged", [vscode.LanguageModelChatMessage.User("First part."), vscode.LanguageModelChatMessage.User("Second part.")]);
    await send("required", [vscode.LanguageModelChatMessage.User("Look it up.")], { tools, toolMode: vscode.LanguageModelChatToolMode.Required });
    await send("tool result", [
      vscode.LanguageModelChatMessage.User("Look it up."),
      vscode.LanguageModelChatMessage.Assistant([new vscode.LanguageModelToolCallPart("c1", "lookup", { q: "x" })]),
      vscode.LanguageModelChatMessage.User([new ResultPart("c1", [new vscode.LanguageModelTextPart("found it")])]),
    ], { tools });
    // What Copilot's own tools answer with: a prompt-tsx element tree.
    await send("tsx part", [
      vscode.LanguageModelChatMessage.User("Check it."),
      vscode.LanguageModelChatMessage.Assistant([new vscode.LanguageModelToolCallPart("c2", "lookup", {})]),
      vscode.LanguageModelChatMessage.User([new ResultPart("c2", [new vscode.LanguageModelPromptTsxPart({ node: { type: 1, ctor: 2, children: [{ type: 2, text: "src/app.ts:12 error TS2304" }] } })])]),
    ], { tools });
    await send("json part", [vscode.LanguageModelChatMessage.User([new vscode.LanguageModelTextPart("Data: "), api2.LanguageModelDataPart.json({ answer: 42 })])]);
    assert.deepEqual(outcomes.filter((o) => !o.endsWith(": ok")), [], outcomes.join("\n"));
    assert.deepEqual(bodies.merged.messages.map((m) => [m.role, m.content]), [["user", "First part.\n\nSecond part."]]);
    assert.equal(bodies.required.tool_choice, "required");
    assert.deepEqual(bodies["tool result"].messages.map((m) => m.role), ["user", "assistant", "tool"]);
    assert.equal(bodies["tool result"].messages[2].content, "found it");
    assert.match(bodies["tsx part"].messages[2].content, /src\/app\.ts:12 error TS2304/);
    assert.match(bodies["json part"].messages[0].content, /^Data: \{\s*"answer":\s*42\s*\}$/);
  });

  it("@groundwork answers with the picked model, grounded in the codebase, citations as anchors", async () => {
    assert.equal(api.assistant!.agents.participantId, "groundwork.chat", "the participant is registered");
    assert.deepEqual(api.assistant!.agents.missing, [], "this VS Code takes every agent surface");
    const [lora] = await vscode.lm.selectChatModels({ vendor: "groundwork", id: "lora" });
    server.enqueue({ kind: "text", text: "The queue refuses an item when full: see [lib/Queue.java:5-27] and [lib/nowhere.py:1-2]." });
    const parts: Array<{ kind: string; value: unknown }> = [];
    const stream = {
      markdown: (value: string | vscode.MarkdownString) => parts.push({ kind: "markdown", value: typeof value === "string" ? value : value.value }),
      anchor: (value: vscode.Uri | vscode.Location, title?: string) => parts.push({ kind: "anchor", value: { value, title } }),
      reference: (value: vscode.Uri | vscode.Location) => parts.push({ kind: "reference", value }),
      progress: (value: string) => parts.push({ kind: "progress", value }),
      button: () => undefined, filetree: () => undefined, push: () => undefined,
    } as unknown as vscode.ChatResponseStream;
    const request = { prompt: "how does the bounded queue offer an item?", command: undefined, references: [], toolReferences: [], toolInvocationToken: undefined, model: lora } as unknown as vscode.ChatRequest;
    const result = await api.assistant!.agents.participant!(request, { history: [] }, stream, new vscode.CancellationTokenSource().token) as vscode.ChatResult;
    const sentPrompt = JSON.stringify(server.to("/v1/chat/completions").at(-1)!.body.messages);
    assert.match(sentPrompt, /\[lib\/Queue\.java:\d+-\d+\]/, "the retrieved code went to the model");
    assert.match(sentPrompt, /Integration rule: prefer small functions/, "and the conventions");
    const anchors = parts.filter((p) => p.kind === "anchor").map((p) => p.value as { value: vscode.Location; title: string });
    assert.deepEqual(anchors.map((a) => a.title), ["lib/Queue.java:5-27"]);
    assert.equal(anchors[0].value.uri.toString(), workspaceUri("lib/Queue.java").toString());
    assert.equal(anchors[0].value.range.start.line, 4);
    const cited = (await vscode.workspace.openTextDocument(anchors[0].value.uri)).getText(anchors[0].value.range).split("\n");
    assert.match(cited.at(-2) ?? "", /\S/, "the last cited line (27) is inside the range, whole");
    assert.equal(anchors[0].value.range.end.line, 27);
    assert.ok(parts.some((p) => p.kind === "markdown" && /~~lib\/nowhere\.py:1-2~~ \(not in the code sent: unverified\)/.test(String(p.value))));
    assert.ok(parts.some((p) => p.kind === "reference"), "the sent code as references");
    assert.deepEqual((result.metadata as { citations: Array<{ valid: boolean }> }).citations.map((c) => c.valid), [true, false]);
    const searched = [] as string[];
    await api.assistant!.agents.participant!({ ...request, command: "search", prompt: "expiring cache entries" } as vscode.ChatRequest, { history: [] }, { ...stream, markdown: (v: string) => searched.push(v), anchor: (_v: unknown, title?: string) => searched.push(`<${title}>`) } as unknown as vscode.ChatResponseStream, new vscode.CancellationTokenSource().token);
    assert.match(searched.join(""), /<src\/cache\.js:\d+-\d+>/, "/search answers without a model");
  });

  it("@groundwork with another vendor's model: secrets redacted, the attached selection sent, a stop recorded as such", async () => {
    const secret = ["ghp_", "1234567890abcdefghijABCDEFGHIJ123456"].join("");
    await vscode.workspace.fs.writeFile(workspaceUri("lib/deploy_keys.py"), Buffer.from(`def deploy_token():\n    token = '${secret}'\n    return token\n`));
    await waitFor("the new file indexed", async () => ((await search("deploy token", 3)).some((h) => h.path === "lib/deploy_keys.py") ? true : undefined), 30_000);
    let sent: vscode.LanguageModelChatMessage[] = [];
    const source = new vscode.CancellationTokenSource();
    let stopAfterFirst = false;
    const model = {
      id: "recorder", name: "Recorder", vendor: "test-vendor", family: "test", version: "1", maxInputTokens: 16_000,
      countTokens: async () => 1,
      sendRequest: async (messages: vscode.LanguageModelChatMessage[]) => {
        sent = messages;
        return {
          text: (async function* () {
            yield "The token comes from [lib/deploy_keys.py:1-3]. ";
            if (stopAfterFirst) source.cancel();
            yield "More.";
          })(),
        };
      },
    } as unknown as vscode.LanguageModelChat;
    const parts: string[] = [];
    const stream = {
      markdown: (v: string) => parts.push(String(v)), anchor: (_v: unknown, title?: string) => parts.push(`<${title}>`), reference: () => undefined,
      progress: () => undefined, button: () => undefined, filetree: () => undefined, push: () => undefined,
    } as unknown as vscode.ChatResponseStream;
    const selection = new vscode.Location(workspaceUri("lib/deploy_keys.py"), new vscode.Range(0, 0, 2, 16));
    const request = { prompt: "", command: "explain", references: [{ id: "vscode.implicit.selection", value: selection }], toolReferences: [], toolInvocationToken: undefined, model } as unknown as vscode.ChatRequest;
    await api.assistant!.agents.participant!(request, { history: [] }, stream, new vscode.CancellationTokenSource().token);
    const text = sent.map((m) => m.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : "")).join("")).join("\n");
    assert.ok(!text.includes(secret), "the secret never reached the other vendor's model");
    assert.match(text, /\[REDACTED/);
    assert.match(text, /Attached by the user, lib\/deploy_keys\.py:1-3/);
    assert.ok(parts.includes("<lib/deploy_keys.py:1-3>"), "an answer's citations as anchors");
    stopAfterFirst = true;
    parts.length = 0;
    const stopped = await api.assistant!.agents.participant!({ ...request, command: undefined, prompt: "where does the deploy token come from?" } as vscode.ChatRequest, { history: [] }, stream, source.token) as vscode.ChatResult;
    assert.equal((stopped.metadata as { cancelled?: boolean }).cancelled, true);
    assert.ok(!parts.some((p) => p.startsWith("<")), "no Sources for a stopped answer");
    const audit = readFileSync((await vscode.commands.executeCommand<string>("groundwork.openAuditLog"))!, "utf8").trim().split("\n").map((line) => JSON.parse(line));
    const mine = audit.filter((l) => l.profile === "@groundwork:test-vendor");
    assert.deepEqual(mine.map((l) => [l.server, l.outcome]), [["vscode:test-vendor", "ok"], ["vscode:test-vendor", "cancelled"]]);
    assert.ok(mine[0].redactions >= 1 && mine[0].editor?.path === "lib/deploy_keys.py", JSON.stringify(mine[0]));
    await vscode.workspace.fs.delete(workspaceUri("lib/deploy_keys.py"));
  });

  it("keeps an audit line per request, without the key or the code", async () => {
    const file = (await vscode.commands.executeCommand<string>("groundwork.openAuditLog"))!;
    const text = readFileSync(file, "utf8");
    const lines = text.trim().split("\n").map((line) => JSON.parse(line));
    // One line per model request (retries of one request are one line).
    assert.ok(lines.length >= 10, `${lines.length} audit lines`);
    assert.ok(lines.some((l) => l.outcome === "server"), "the failed request is audited too");
    assert.ok(lines.some((l) => l.kind === "completion") && lines.some((l) => l.kind === "compare"));
    assert.ok(!text.includes(KEY));
    assert.ok(!text.includes("class BoundedQueue"), "no code text");
    assert.ok(server.requests.every((r) => r.headers["x-steal"] === undefined), "the workspace's header never reached a server");
  });
});
