import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { ModelClient } from "../../src/core/model/client";
import { parseProfile } from "../../src/core/model/profiles";
import type { FimTask } from "../../src/core/tune/tasks";
import { editSimilarity, evalTasks, identifierF1, percentile, runModelEval, score } from "../../src/core/tune/modelEval";
import { TestIndex } from "../helpers/index";
import { CLI, removeTree, tempDir, writeTree } from "../helpers/workspace";
import { type RecordedRequest, type Reply, TestModelServer } from "../support/modelServer";

const run = promisify(execFile);

function pyModule(name: string): string {
  return Array.from({ length: 3 }, (_, i) => [
    `def ${name}_total_${i}(orders, rate=${i + 1}):`,
    `    subtotal = sum(order.price * order.quantity for order in orders)`,
    `    discount = ${name}_discount(subtotal, rate)`,
    `    return round(subtotal - discount, 2)`,
    "",
    `def ${name}_discount(amount, rate):`,
    `    capped = min(rate, ${i + 5})`,
    `    return amount * capped / 100`,
    "",
  ].join("\n")).join("\n");
}

describe("tune or index: base and LoRA, with and without retrieval, on held-out functions (model-eval)", () => {
  let dir: string;
  let root: string;
  let index: TestIndex;
  let server: TestModelServer;
  let tasks: FimTask[];
  const failing = new Set<string>();

  /** A scripted model: the base model fills a body right only with retrieved context; the LoRA knows half of them by heart. */
  const complete = (request: RecordedRequest): Reply => {
    const prompt = String(request.body?.prompt ?? "");
    // The gap is where the prefix ends: its last characters stand right before <|fim_suffix|>.
    const task = tasks.find((t) => prompt.includes(`${t.prefix.slice(-60)}<|fim_suffix|>`) && prompt.includes(`<|file_sep|>${t.path}\n`));
    if (!task) return { kind: "text", text: "pass\n" };
    if (failing.has(task.id) && request.body?.model === "coder-base") return { kind: "error", status: 500 };
    const retrieved = (prompt.match(/<\|file_sep\|>/g) ?? []).length > 1;
    const memorized = request.body?.model === "coder-lora" && tasks.indexOf(task) % 2 === 0;
    return { kind: "text", text: retrieved || memorized ? task.middle : "    return None\n" };
  };

  before(async () => {
    dir = tempDir("gw-model-eval-");
    root = path.join(dir, "repo");
    const files: Record<string, string> = {};
    for (const name of ["cart", "invoice", "refund", "ledger", "payout", "quote", "rebate", "tariff", "voucher", "wallet"]) files[`shop/${name}.py`] = pyModule(name);
    writeTree(root, files);
    index = await TestIndex.open({ root, dbPath: path.join(dir, "db") });
    await index.run();
    tasks = await evalTasks(root, 6, { seed: "3", testShare: 0.3 });
    server = await TestModelServer.start({ models: ["coder-base", "coder-lora"], complete });
  });
  after(async () => {
    index.close();
    await server.close();
    removeTree(dir);
  });

  const models = () => {
    const base = parseProfile({ id: "base", baseURL: server.url, model: "coder-base", fim: "qwen2.5-coder" }, "test");
    const lora = parseProfile({ id: "lora", baseURL: server.url, model: "coder-lora", fim: "qwen2.5-coder", kind: "lora", baseModel: "coder-base" }, "test");
    return [base, lora].map((profile) => ({ profile, client: new ModelClient(profile, { maxRetries: 0 }) }));
  };

  it("scores a fill by exact match, edit similarity and identifier F1", () => {
    assert.deepEqual(score("  return a + b\n", "  return a + b"), { exact: true, editSimilarity: 1, identifierF1: 1 });
    assert.ok(editSimilarity("return a + b", "return a - b") > 0.9);
    assert.equal(identifierF1("x = foo(y)", "z = bar(w)"), 0);
  });

  it("fills each held-out body per model and context, resumes after an interruption, and counts server errors", async () => {
    assert.equal(tasks.length, 6);
    failing.add(tasks[5].id);
    const out = path.join(dir, "eval");
    const abort = new AbortController();
    await assert.rejects(runModelEval({ codebase: index.codebase, root, models: models(), tasks: 6, seed: "3", testShare: 0.3, out, concurrency: 1, signal: abort.signal, onProgress: (done) => done === 7 && abort.abort() }));
    const partial = readFileSync(path.join(out, "results.jsonl"), "utf8").trim().split("\n");
    assert.ok(partial.length >= 7 && partial.length < 24, `${partial.length} results before the interruption`);
    // Killed mid-append: a cut-off last line. The resumed run does that task again instead of failing to read the file.
    appendFileSync(path.join(out, "results.jsonl"), '{"task":"src/cut');
    const before = server.to("/v1/completions").length;
    const report = await runModelEval({ codebase: index.codebase, root, models: models(), tasks: 6, seed: "3", testShare: 0.3, out, concurrency: 2 });
    const sentAfter = server.to("/v1/completions").length - before;
    assert.ok(sentAfter <= 24 - partial.length + 2, `resumed: ${sentAfter} requests after ${partial.length} kept results`);
    const cell = (profile: string, retrieval: string) => report.cells.find((c) => c.profile === profile && c.retrieval === retrieval)!;
    assert.equal(cell("base", "off").errors, 1, "the failing task is counted, not fatal");
    assert.equal(cell("base", "on").errors, 1);
    assert.equal(cell("lora", "on").exact, 1);
    assert.ok(cell("base", "on").editSimilarity! > cell("base", "off").editSimilarity!);
    assert.ok(cell("lora", "off").exact! >= 0.5 && cell("lora", "off").exact! < 1);
    assert.ok(cell("base", "on").parses! > 0);
    // A server's error is no wrong answer: the means are over the answers, the verdict over the functions every combination answered.
    assert.equal(cell("base", "on").exact, 1, "every answered task filled right with retrieval; the failed one is not a 0");
    assert.match(report.verdict, /^Best: (lora|base) with retrieval, edit similarity [\d.]+/);
    assert.match(report.verdict, /Compared on the 5 of 6 functions every combination answered/);
    assert.match(report.verdict, /The LoRA \(lora\) gains [\d.]+ \[95% CI [\d.-]+, [\d.-]+\] over base without retrieval; retrieval alone gains [\d.]+ \[[\d.-]+, [\d.-]+\]: \d+% of it\./);
    const md = readFileSync(path.join(out, "report.md"), "utf8");
    assert.match(md, /\| base \| retrieval \| [\d.]+ \|/);
    assert.ok(JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")).cells.length === 4);
    const lines = readFileSync(path.join(out, "results.jsonl"), "utf8").trim().split("\n");
    assert.ok(lines.every((line) => JSON.parse(line)), "every kept line reads");

    // Every request failing: no scores and no winner, said as such.
    for (const task of tasks) failing.add(task.id);
    const broken = await runModelEval({ codebase: index.codebase, root, models: models().slice(0, 1), tasks: 6, seed: "3", testShare: 0.3, out: path.join(dir, "eval-broken"), concurrency: 2, retrieval: "off" });
    for (const task of tasks.slice(0, 5)) failing.delete(task.id);
    assert.deepEqual([broken.cells[0].errors, broken.cells[0].editSimilarity, broken.cells[0].exact], [6, null, null]);
    assert.match(broken.verdict, /^No verdict: no held-out function was answered without an error/);
    assert.match(readFileSync(path.join(dir, "eval-broken", "report.md"), "utf8"), /\| base \| no retrieval \| n\/a \| n\/a \| n\/a \| n\/a \|/);

    // The same profile ids, but "lora" now names another model: its results are made again, base's are kept.
    const swapped = models().map((m) => (m.profile.id === "lora" ? { ...m, profile: { ...m.profile, model: "coder-base" } } : m));
    const beforeSwap = server.to("/v1/completions").length;
    await runModelEval({ codebase: index.codebase, root, models: swapped, tasks: 6, seed: "3", testShare: 0.3, out, concurrency: 2 });
    const resent = server.to("/v1/completions").slice(beforeSwap);
    assert.ok(resent.length >= 12 && resent.length <= 14, `the swapped profile's 12 results made again (and base's failing task retried): ${resent.length}`);
  });

  it("sends no more to a model whose server refused each of its first requests, and counts the rest as errors", async () => {
    // A model the server does not serve (a typo in the profile): 404 to every request.
    const gone = parseProfile({ id: "gone", baseURL: server.url, model: "coder-gone", fim: "qwen2.5-coder" }, "test");
    const before = server.to("/v1/completions").length;
    const report = await runModelEval({ codebase: index.codebase, root, models: [{ profile: gone, client: new ModelClient(gone, { maxRetries: 0 }) }], tasks: 6, seed: "3", testShare: 0.3, out: path.join(dir, "eval-gone"), concurrency: 2 });
    const sent = server.to("/v1/completions").length - before;
    assert.ok(sent >= 3 && sent <= 4, `${sent} requests for 12 tasks`);
    assert.deepEqual(report.cells.map((c) => c.errors), [6, 6]);
    const lines = readFileSync(path.join(dir, "eval-gone", "results.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line) as { error?: string });
    assert.ok(lines.filter((r) => /^not sent: the model's server failed its first 3 requests \(.*does not know the model/.test(r.error ?? "")).length >= 8, JSON.stringify(lines.map((r) => r.error)));
  });

  it("leaves out a held-out body that a train file holds a copy of", async () => {
    const copies = path.join(dir, "copies");
    const shared = "def parse_widget_spec(text):\n    name, _, size = text.partition(':')\n    width, height = size.split('x')\n    return name.strip(), int(width), int(height)\n";
    const own = (name: string): string => `def ${name}_only(values):\n    kept = [v for v in values if v != "${name}"]\n    total = sum(len(v) for v in kept)\n    return total / max(1, len(kept))\n`;
    writeTree(copies, { "a/util.py": `${shared}\n\n${own("alpha")}`, "b/helpers.py": `${shared}\n\n${own("beta")}` });
    const held = await evalTasks(copies, 10, { seed: "1", testShare: 0.5 });
    assert.equal(held.length, 1, held.map((task) => task.id).join(", "));
    assert.match(held[0].middle, /kept = \[v for v in values if v != "(alpha|beta)"\]/, "the file's own function, not the copied one");
  });

  it("takes latency percentiles by nearest rank", () => {
    const ranks = (n: number): number[] => Array.from({ length: n }, (_, i) => n - i);
    assert.equal(percentile(ranks(20), 95), 19, "p95 of 20 values is the 19th, not the largest");
    assert.equal(percentile(ranks(40), 50), 20);
    assert.equal(percentile(ranks(1), 95), 1);
    assert.equal(percentile([], 50), 0);
  });

  it("runs from the CLI with a models file", async () => {
    const modelsFile = path.join(dir, "models.json");
    writeFileSync(modelsFile, JSON.stringify([
      { id: "base", baseURL: server.url, model: "coder-base", fim: "qwen2.5-coder" },
      { id: "lora", baseURL: server.url, model: "coder-lora", fim: "qwen2.5-coder", kind: "lora", baseModel: "coder-base" },
    ]));
    const out = path.join(dir, "cli-eval");
    const { stdout } = await run(process.execPath, [CLI, "model-eval", "--workspace", root, "--db", path.join(dir, "db"), "--models", modelsFile, "--model", "base", "--against", "lora",
      "--tasks", "6", "--seed", "3", "--test-share", "0.3", "--out", out]);
    assert.match(stdout, /# Tune or index: 6 held-out functions/);
    assert.match(stdout, /Best: (lora|base) with retrieval/);
    await assert.rejects(run(process.execPath, [CLI, "model-eval", "--workspace", root, "--models", modelsFile, "--model", "nope"]), /No model profile "nope"/);
    await assert.rejects(run(process.execPath, [CLI, "model-eval", "--workspace", root, "--models", modelsFile, "--model", "base", "--against", "base"]), /--against names the same profile as --model/);
  });
});
