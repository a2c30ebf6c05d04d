// Full index runs in a child process (the extension's): real child processes, real LanceDB, the
// job handed over the IPC channel, progress and results back, the parent's codebase reading what
// the child wrote.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { EXPOSE_GC, STEP_ALLOCATOR_ENV, userSetsAllocator } from "../../src/core/codebase/allocator";
import { Codebase } from "../../src/core/codebase/codebase";
import { connectEmbedder } from "../../src/core/codebase/embedders";
import { indexInChild, type IndexJob, IndexProcessStartError, jobOptions } from "../../src/core/codebase/indexProcess";
import type { ProgressEvent } from "../../src/core/codebase/types";
import { TestModelServer } from "../support/modelServer";
import { REPO_ROOT, removeTree, running, tempDir, writeTree } from "../helpers/workspace";

const ENTRY = path.join(REPO_ROOT, "src", "core", "codebase", "indexerMain.ts");
const LOADER = ["--import", "tsx"];

/** A workspace of `count` small Python files, each with one function named after its number. */
function workspace(count: number): string {
  const root = tempDir("gw-child-ws-");
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) files[`pkg/module_${i}.py`] = `def compute_total_${i}(values):\n    """Sum ${i}."""\n    return sum(values) + ${i}\n`;
  writeTree(root, files);
  return root;
}

const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

describe("index runs in a child process", () => {
  const dirs: string[] = [];
  const temp = (dir: string): string => (dirs.push(dir), dir);
  after(() => dirs.forEach(removeTree));

  it("indexes there under the allocator settings, reports progress, and the parent reads the result after refresh()", async () => {
    const root = temp(workspace(40));
    const job: IndexJob = { folders: [{ name: "ws", root }], storageDir: temp(tempDir("gw-child-db-")) };
    const parent = await Codebase.open(jobOptions(job));
    try {
      assert.deepEqual(await parent.search("compute_total_7", { limit: 3 }), [], "nothing indexed yet");
      const events: ProgressEvent[] = [];
      const logs: string[] = [];
      const run = indexInChild(job, { entry: ENTRY, execArgv: LOADER, logger: { ...silent, info: (m) => logs.push(m) }, onProgress: (e) => events.push(e) });
      assert.ok(run.pid && run.pid !== process.pid);
      const environ = readFileSync(`/proc/${run.pid}/environ`, "utf8").split("\0");
      for (const [name, value] of Object.entries(STEP_ALLOCATOR_ENV.index)) assert.equal(environ.includes(`${name}=${value}`), !userSetsAllocator(process.env), name);
      assert.equal(environ.some((entry) => entry.startsWith("MALLOC_MMAP_THRESHOLD_=")), userSetsAllocator(process.env) && process.env.MALLOC_MMAP_THRESHOLD_ !== undefined, "glibc's own thresholds for the indexing");
      assert.ok(readFileSync(`/proc/${run.pid}/cmdline`, "utf8").split("\0").includes(EXPOSE_GC), "its heap can be collected before compaction");
      const [result] = await run.results;
      assert.equal(result.folder, "ws");
      assert.equal(result.filesIndexed, 40);
      assert.equal(result.cancelled, false);
      assert.ok(events.some((e) => e.folder === "ws" && e.progress.phase === "indexing"), "progress came over the channel");
      await run.exited;
      assert.ok(!running(run.pid), "the child ended after the run");
      // The parent opened before any generation existed: it sees the child's only once it looks again.
      assert.deepEqual(await parent.search("compute_total_7", { limit: 3 }), []);
      await parent.refresh();
      const [hit] = await parent.search("compute_total_7", { limit: 3 });
      assert.equal(hit?.path, "pkg/module_7.py");
      assert.equal((await parent.summary()).files, 40);
      assert.ok(!logs.some((line) => /in a process of its own/.test(line)), "a small index is maintained by the process that indexed it");
    } finally {
      parent.close();
    }
  });

  it("maintains a large index in a second process, once the indexing one has ended, under its own allocator settings", async () => {
    const root = temp(workspace(40));
    // A write per file: more fragments than maintenance lets stand.
    const job: IndexJob = { folders: [{ name: "ws", root }], storageDir: temp(tempDir("gw-child-db-")), batchChunks: 1 };
    const logs: string[] = [];
    // Any index counts as large here (the children read it at their start).
    process.env.GROUNDWORK_MAINTAIN_APART_ROWS = "1";
    try {
      const run = indexInChild(job, { entry: ENTRY, execArgv: LOADER, logger: { ...silent, info: (m) => logs.push(m) } });
      assert.equal((await run.results)[0].totalChunks, 40);
      await run.exited;
      const line = logs.find((m) => /Maintaining the index in a process of its own/.test(m));
      const pid = Number(/\(pid (\d+)\)/.exec(line ?? "")?.[1]);
      assert.ok(pid > 0 && pid !== run.pid, `a second process maintained the index: ${logs.join(" | ")}`);
      assert.ok(!running(pid) && !running(run.pid!), "both ended before `exited`");
      assert.ok(logs.indexOf(line!) < logs.findIndex((m) => /^Compacted the index/.test(m)), "it compacted the index's 40 fragments");
    } finally {
      delete process.env.GROUNDWORK_MAINTAIN_APART_ROWS;
    }
  });

  it("stops at the next file when cancelled, and a run killed mid-way is taken up by the next one", async () => {
    const root = temp(workspace(400));
    const job: IndexJob = { folders: [{ name: "ws", root }], storageDir: temp(tempDir("gw-child-db-")), batchChunks: 20 };
    const cancel = new AbortController();
    const cancelled = indexInChild(job, { entry: ENTRY, execArgv: LOADER, logger: silent, signal: cancel.signal, onProgress: (e) => e.progress.filesDone > 0 && cancel.abort() });
    const [partial] = await cancelled.results;
    assert.equal(partial.cancelled, true);
    assert.ok(partial.filesIndexed < 400, `stopped early (${partial.filesIndexed} of 400)`);
    await cancelled.exited;

    let kill = true; // once: a progress message read after the child was reaped must not signal its pid again
    const killed = indexInChild(job, {
      entry: ENTRY, execArgv: LOADER, logger: silent,
      onProgress: (e) => {
        if (e.progress.filesDone > 0 && kill) {
          kill = false;
          process.kill(killed.pid!, "SIGKILL");
        }
      },
    });
    await assert.rejects(killed.results, (error: Error) => !(error instanceof IndexProcessStartError) && /ended by SIGKILL before it finished/.test(error.message));
    await killed.exited;

    const [resumed] = await indexInChild(job, { entry: ENTRY, execArgv: LOADER, logger: silent }).results;
    assert.equal(resumed.cancelled, false);
    assert.ok(resumed.filesUnchanged >= partial.filesIndexed, "what the earlier runs wrote is kept");
    assert.equal(resumed.totalChunks, 400);
  });

  it("a cancel after the results still reaches a child that has not ended (stuck in its maintenance): it is killed after the grace", async () => {
    // A child that answers the run at once and then never ends, whatever it is sent (until this process goes).
    const entry = path.join(temp(tempDir("gw-child-stuck-")), "stuck.cjs");
    writeFileSync(entry, [
      'process.on("message", (m) => m.type === "run" && process.send({ type: "done", results: [] }));',
      'process.on("disconnect", () => process.exit(0));',
      "setInterval(() => {}, 1000);",
    ].join("\n"));
    const job: IndexJob = { folders: [{ name: "ws", root: temp(workspace(1)) }], storageDir: temp(tempDir("gw-child-db-")) };
    const cancel = new AbortController();
    const run = indexInChild(job, { entry, execArgv: [], logger: silent, signal: cancel.signal, cancelGraceMs: 300 });
    assert.deepEqual(await run.results, []);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(run.pid !== undefined && running(run.pid), "still running after its results");
    cancel.abort();
    const outcome = await Promise.race([run.exited.then(() => "ended"), new Promise((resolve) => setTimeout(() => resolve("still running"), 10_000))]);
    assert.equal(outcome, "ended");
    assert.ok(!running(run.pid!));
  });

  it("says why when the child can't run the job, and when it never starts", async () => {
    const root = temp(workspace(2));
    const job: IndexJob = { folders: [{ name: "ws", root }], storageDir: temp(tempDir("gw-child-db-")), neural: { kind: "unknown-embedder" } };
    await assert.rejects(indexInChild(job, { entry: ENTRY, execArgv: LOADER, logger: silent }).results, /can't be made again from its spec/);
    const missing = path.join(temp(tempDir("gw-child-none-")), "indexer.js");
    await assert.rejects(indexInChild(job, { entry: missing, logger: silent }).results, (error: Error) => error instanceof IndexProcessStartError && /Cannot find module/.test(error.message));
  });

  describe("with an embedding model behind a key", () => {
    let server: TestModelServer;
    before(async () => {
      server = await TestModelServer.start({ apiKey: "sk-child-test" });
    });
    after(() => server.close());

    it("embeds there with the key from the job (never in the child's environment), and the parent switches to the rebuilt index", async () => {
      const root = temp(workspace(5));
      writeFileSync(path.join(root, "notes.md"), "# Notes\n\nThe ledger settles nightly.\n");
      const builtin: IndexJob = { folders: [{ name: "ws", root }], storageDir: temp(tempDir("gw-child-db-")) };
      await indexInChild(builtin, { entry: ENTRY, execArgv: LOADER, logger: silent }).exited;
      const neural = await connectEmbedder({ baseURL: server.url, model: "embed-test", apiKey: "sk-child-test" });
      const spec = (neural as { spec?: Record<string, unknown> }).spec!;
      const job: IndexJob = { ...builtin, neural: spec, embeddingKey: "sk-child-test" };
      // The parent, opened from the same job, agrees on the index's identity: the builtin index answers, with keywords only, until the rebuilt one is complete.
      const parent = await Codebase.open(jobOptions(job));
      try {
        const generation = async (): Promise<string> => {
          const [status] = await parent.status();
          return `${status?.embedder} ${status?.generation?.searches}`;
        };
        const builtinOnly = await generation();
        assert.doesNotMatch(builtinOnly, /embed-test/);
        const before = server.to("/v1/embeddings").length;
        const looks: Array<Promise<void>> = [];
        const run = indexInChild(job, { entry: ENTRY, execArgv: LOADER, logger: silent, onProgress: (e) => e.progress.filesDone > 0 && looks.push(parent.refresh()) });
        assert.ok(!readFileSync(`/proc/${run.pid}/environ`, "utf8").includes("sk-child-test"));
        const [result] = await run.results;
        await Promise.all(looks);
        assert.ok(looks.length > 0);
        assert.ok(result.chunksEmbedded > 0, "the child sent chunks to the model");
        assert.ok(server.to("/v1/embeddings").length > before);
        await run.exited;
        await parent.refresh();
        assert.match(await generation(), /embed-test.* hybrid$/);
        assert.equal((await parent.status())[0]?.chunks, result.totalChunks);
      } finally {
        parent.close();
      }
    });

    it("a model that refuses a chunk as too long: the child cuts it, finishes the run, and says so in the log", async () => {
      const root = temp(workspace(3));
      const body = Array.from({ length: 80 }, (_, i) => `    total += ledger_entry_${i}(values, nightly_settlement)`).join("\n");
      writeFileSync(path.join(root, "pkg", "ledger.py"), `def settle_ledger(values):\n    total = 0\n${body}\n    return total\n`);
      const neural = await connectEmbedder({ baseURL: server.url, model: "embed-test", apiKey: "sk-child-test" });
      const job: IndexJob = { folders: [{ name: "ws", root }], storageDir: temp(tempDir("gw-child-db-")), neural: (neural as { spec?: Record<string, unknown> }).spec!, embeddingKey: "sk-child-test" };
      const warnings: string[] = [];
      server.settings.maxEmbeddingChars = 3000;
      try {
        const run = indexInChild(job, { entry: ENTRY, execArgv: LOADER, logger: { ...silent, warn: (m) => warnings.push(m) } });
        const [result] = await run.results;
        await run.exited;
        assert.equal(result.filesIndexed, 4);
        assert.equal(result.chunksEmbedded, result.totalChunks, "every chunk has its model vector");
        assert.ok(warnings.some((m) => /refused an input of about \d+ tokens as too long .*cut to \d+ tokens .*maxInputTokens in groundwork\.index\.embeddings/.test(m)), warnings.join(" | "));
      } finally {
        server.settings.maxEmbeddingChars = undefined;
      }
    });

    it("a first index the parent watched grow counts as complete once the child completes it (nothing left to embed)", async () => {
      const root = temp(workspace(30));
      const neural = await connectEmbedder({ baseURL: server.url, model: "embed-test", apiKey: "sk-child-test" });
      const job: IndexJob = { folders: [{ name: "ws", root }], storageDir: temp(tempDir("gw-child-db-")), batchChunks: 5, neural: (neural as { spec?: Record<string, unknown> }).spec!, embeddingKey: "sk-child-test" };
      const parent = await Codebase.open(jobOptions(job));
      try {
        assert.ok(await parent.embeddingEstimate(), "nothing embedded yet");
        const looks: Array<Promise<void>> = [];
        const run = indexInChild(job, { entry: ENTRY, execArgv: LOADER, logger: silent, onProgress: (e) => e.progress.filesDone > 0 && looks.push(parent.refresh()) });
        await run.results;
        await Promise.all(looks);
        assert.ok(looks.length > 0);
        await run.exited;
        await parent.refresh();
        assert.equal(await parent.embeddingEstimate(), undefined);
      } finally {
        parent.close();
      }
    });
  });
});
