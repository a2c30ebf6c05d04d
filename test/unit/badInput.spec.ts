import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import type { FileRecord } from "../../src/core/store/schema";
import { TestIndex } from "../helpers/index";
import { removeTree, tempDir } from "../helpers/workspace";

/** Files that break naive indexers, generated here; each must end indexed or skipped with a reason. */
describe("bad input: a generated corpus of hostile files", () => {
  let root: string;
  let records: Map<string, FileRecord>;
  let index: TestIndex;
  let runError: unknown;

  before(async () => {
    root = tempDir("gw-bad-");
    const write = (relPath: string, content: string | Buffer): void => {
      mkdirSync(path.dirname(path.join(root, relPath)), { recursive: true });
      writeFileSync(path.join(root, relPath), content);
    };
    write("good.py", "def fine_function(x):\n    return x + 1\n");
    write("binary.bin", Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    write("invalid_utf8.py", Buffer.concat([Buffer.from("def broken_text():\n    return '"), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from("'\n")]));
    write("huge.txt", Buffer.alloc(50 * 1024 * 1024, "a"));
    write("many_lines.py", "x = 1\n".repeat(100_000));
    write("deep_one_line.py", "x = " + "[".repeat(10_000) + "]".repeat(10_000) + "\n");
    write("deep_nested.js", "const x =\n" + "[\n".repeat(10_000) + "1\n" + "]\n".repeat(10_000) + ";\n");
    write("deep_blocks.py", Array.from({ length: 95 }, (_, i) => `${"    ".repeat(i)}if x${i}:`).join("\n") + `\n${"    ".repeat(95)}pass\n`);
    write("bundle.min.js", "var a=1;".repeat(30_000));
    write("minified.js", "function a(b){return b+1}".repeat(10_000));
    write("empty.py", "");
    write("crlf_no_newline.ts", "export function a() {\r\n  return 1;\r\n}");
    mkdirSync(path.join(root, "loop"), { recursive: true });
    symlinkSync(path.join(root, "loop"), path.join(root, "loop", "self"));
    execFileSync("mkfifo", [path.join(root, "pipe.py")]);
    writeFileSync(Buffer.from(path.join(root, "latin1_\xe9.py"), "latin1"), "def latin_name():\n    pass\n");
    let long = "long";
    for (let i = 0; i < 8; i++) long = path.join(long, "d".repeat(200));
    write(path.join(long, "deep_path.py"), "def far_away():\n    return 1\n");
    for (let i = 0; i < 40; i++) write(`pad/f${String(i).padStart(2, "0")}.py`, `def pad_${i}():\n    return ${i}\n`);
    write("zzz/deleted.py", "def gone():\n    pass\n");
    index = await TestIndex.open({ root, dbPath: path.join(root, ".groundwork", "index") });
    let deleted = false;
    try {
      await index.run({
        onProgress: (progress) => {
          // Deleted after the scan listed it, before the indexer reads it.
          if (!deleted && progress.phase === "indexing") {
            rmSync(path.join(root, "zzz", "deleted.py"));
            deleted = true;
          }
        },
      });
    } catch (error) {
      runError = error;
    }
    records = await (await index.store()).fileRecords();
  });

  after(async () => {
    // The corpus is big enough for a background vector-index build: let it land before removing the tree.
    await index.maintenanceIdle();
    index.close();
    removeTree(root);
  });

  const outcome = (relPath: string): FileRecord => {
    const record = records.get(relPath);
    assert.ok(record, `${relPath} has a record`);
    return record;
  };

  it("finishes without throwing and still indexes the good files", async () => {
    assert.equal(runError, undefined);
    assert.equal(outcome("good.py").status, "indexed");
    assert.equal(outcome("pad/f39.py").status, "indexed");
    assert.equal((await index.search("fine function"))[0]?.path, "good.py");
  });

  it("skips what it cannot use, each with its reason", () => {
    const expected: Record<string, RegExp> = {
      "binary.bin": /binary/,
      "huge.txt": /too large \(52428800 bytes/,
      "bundle.min.js": /excludes|minified/,
      "minified.js": /minified/,
      "deep_one_line.py": /minified/,
      "pipe.py": /not a regular file/,
      "loop/self": /symbolic link/,
      "latin1_\uFFFD.py": /not valid UTF-8/,
    };
    for (const [relPath, reason] of Object.entries(expected)) {
      const record = outcome(relPath);
      assert.equal(record.status, "skipped", relPath);
      assert.match(record.reason, reason, relPath);
    }
    assert.equal(outcome("zzz/deleted.py").status, "error");
    assert.match(outcome("zzz/deleted.py").reason, /deleted during indexing/);
  });

  it("indexes the awkward but valid files, losing no line", async () => {
    for (const relPath of ["invalid_utf8.py", "many_lines.py", "deep_nested.js", "deep_blocks.py", "empty.py", "crlf_no_newline.ts", `long/${"d".repeat(200)}/${"d".repeat(200)}/${"d".repeat(200)}/${"d".repeat(200)}/${"d".repeat(200)}/${"d".repeat(200)}/${"d".repeat(200)}/${"d".repeat(200)}/deep_path.py`]) {
      assert.equal(outcome(relPath).status, "indexed", relPath);
    }
    const lines = (await (await index.store()).chunksOf("many_lines.py")).reduce((covered, chunk) => covered + (chunk.endLine - chunk.startLine + 1), 0);
    assert.ok(lines >= 100_000, `many_lines.py: ${lines} of 100000 lines in chunks`);
    const nested = await (await index.store()).chunksOf("deep_nested.js");
    assert.equal(Math.max(...nested.map((c) => c.endLine)), 20_003, "the deeply nested file is covered to its last line");
  });
});

describe("resource limits", () => {
  it("indexes at most maxFiles files, listing the rest with the reason", async () => {
    const { scanAll } = await import("../../src/core/scan/scanner");
    const { POLYGLOT } = await import("../helpers/workspace");
    const { files, skipped } = await scanAll(POLYGLOT, { maxFiles: 3 });
    assert.equal(files.length, 3);
    assert.ok(skipped.filter((s) => /over the file limit \(3 files/.test(s.reason)).length >= 10);
  });

  it("a file created past maxFiles while watching is skipped with the same reason; one of the indexed files changed is indexed again", async () => {
    const root = tempDir("gw-limit-");
    try {
      writeFileSync(path.join(root, "a.py"), "def alpha_one():\n    return 1\n");
      writeFileSync(path.join(root, "b.py"), "def beta_two():\n    return 2\n");
      const index = await TestIndex.open({ root, dbPath: path.join(root, ".groundwork", "index"), scan: { maxFiles: 2 } });
      try {
        assert.equal((await index.run()).filesIndexed, 2);
        writeFileSync(path.join(root, "c.py"), "def gamma_three():\n    return 3\n");
        writeFileSync(path.join(root, "a.py"), "def alpha_changed():\n    return 11\n");
        const result = await index.update(["c.py", "a.py"]);
        assert.equal(result.filesIndexed, 1, "the changed file");
        const status = await index.status();
        assert.equal(status.filesIndexed, 2);
        assert.ok(status.skipped.some((record) => record.path === "c.py" && /over the file limit \(2 files/.test(record.reason ?? "")), JSON.stringify(status.skipped));
        // A rename at the limit: the old path's place goes to the new one.
        renameSync(path.join(root, "b.py"), path.join(root, "d.py"));
        await index.update(["b.py", "d.py"]);
        const renamed = await index.status();
        assert.equal(renamed.filesIndexed, 2);
        assert.ok(!renamed.skipped.some((record) => record.path === "d.py"), JSON.stringify(renamed.skipped));
      } finally {
        index.close();
      }
    } finally {
      removeTree(root);
    }
  });

  it("cuts off a runaway parse by its time limit and keeps every line", async () => {
    const { Chunker } = await import("../../src/core/chunk/chunker");
    const { assertNothingDropped } = await import("../helpers/chunks");
    const text = Array.from({ length: 30_000 }, (_, i) => `def f${i}(x):\n    return [x, ${i}] + [y for y in range(${i})]`).join("\n");
    const result = await new Chunker({ parseTimeoutMs: 1 }).chunkFile("runaway.py", text);
    assert.match(result.note ?? "", /parse timed out/);
    assertNothingDropped("runaway.py", text, result.chunks);
  });

  it("files posted behind one that times out are worked on by a fresh worker, none lost", async () => {
    const { WorkerStages } = await import("../../src/core/index/workerPool");
    const { WORKER } = await import("../helpers/workspace");
    const pool = new WorkerStages({ workerPath: WORKER, timeoutMs: 1500, poolSize: 1 });
    try {
      // Seconds of parsing: far past the limit on any machine.
      const big = pool.process("big.py", "def f(x):\n    return x\n".repeat(600_000));
      const small = ["alpha", "beta", "gamma"].map((name) => pool.process(`${name}.py`, `def ${name}():\n    pass\n`));
      await assert.rejects(big, /big\.py took longer than 1500 ms/);
      const done = await Promise.all(small);
      assert.deepEqual(done.map((file) => file.chunked.chunks[0]?.symbol), ["alpha", "beta", "gamma"]);
    } finally {
      pool.dispose();
    }
  });

  it("a file the worker finished within its limit is not failed because this thread was busy past it", async () => {
    const { WorkerStages } = await import("../../src/core/index/workerPool");
    const { WORKER } = await import("../helpers/workspace");
    const pool = new WorkerStages({ workerPath: WORKER, timeoutMs: 2_000, poolSize: 1 });
    try {
      await pool.process("warm.py", "def warm():\n    pass\n");
      const file = pool.process("small.py", "def small():\n    pass\n");
      // Busy (a batch being built, say) for longer than the limit while the worker
      // answers in milliseconds: the limit's timer and the reply are then due together.
      await new Promise<void>((resolve) => setImmediate(() => {
        const until = Date.now() + 4_000;
        while (Date.now() < until);
        resolve();
      }));
      assert.equal((await file).chunked.chunks[0]?.symbol, "small");
    } finally {
      pool.dispose();
    }
  });

  it("a worker that takes too long on a file is stopped with a clear error; indexing goes on", async () => {
    const { WorkerStages } = await import("../../src/core/index/workerPool");
    const { WORKER } = await import("../helpers/workspace");
    const pool = new WorkerStages({ workerPath: WORKER, timeoutMs: 5, poolSize: 1 });
    try {
      const big = "def f(x):\n    return x\n".repeat(40_000);
      await assert.rejects(pool.process("big.py", big), /took longer than 5 ms/);
      const relaxed = new WorkerStages({ workerPath: WORKER, poolSize: 1 });
      const after = await relaxed.process("small.py", "def ok():\n    pass\n");
      relaxed.dispose();
      assert.equal(after.chunked.chunks[0]?.symbol, "ok");
    } finally {
      pool.dispose();
    }
  });

  it("a new worker's loading does not count against its first file's limit, and has a limit of its own", async () => {
    const { WorkerStages } = await import("../../src/core/index/workerPool");
    const { WORKER } = await import("../helpers/workspace");
    const dir = tempDir("gw-slowstart-");
    try {
      // A worker that takes 4 s to load (a busy machine), then is the real one; a file may take 3 s.
      const slowLoad = path.join(dir, "slow-load.cjs");
      writeFileSync(slowLoad, `const until = Date.now() + 4000; while (Date.now() < until); require(${JSON.stringify(WORKER)});\n`);
      const slow = new WorkerStages({ workerPath: slowLoad, timeoutMs: 3000, poolSize: 1 });
      try {
        assert.equal((await slow.process("tiny.py", "def tiny():\n    pass\n")).chunked.chunks[0]?.symbol, "tiny");
      } finally {
        slow.dispose();
      }
      // One that never says it is ready but answers: its first answer counts as ready, and no load limit fails it later.
      const silent = path.join(dir, "silent.cjs");
      writeFileSync(silent, [
        'const { parentPort } = require("node:worker_threads");',
        "const answer = (m) => parentPort.postMessage({ id: m.id, result: { chunked: { chunks: [{ symbol: m.path }] } } });",
        'parentPort.on("message", (m) => setTimeout(() => answer(m), m.path.startsWith("slow") ? 1500 : 0));',
      ].join("\n"));
      const quiet = new WorkerStages({ workerPath: silent, startTimeoutMs: 1000, poolSize: 1 });
      try {
        await quiet.process("one.py", "x = 1\n");
        // On the worker when its load limit would come due.
        assert.equal((await quiet.process("slow.py", "y = 2\n")).chunked.chunks[0]?.symbol, "slow.py");
      } finally {
        quiet.dispose();
      }
      // One that never gets ready.
      const never = path.join(dir, "never.cjs");
      writeFileSync(never, `require("node:worker_threads").parentPort.on("message", () => {});\n`);
      const stuck = new WorkerStages({ workerPath: never, startTimeoutMs: 500, poolSize: 1 });
      try {
        await assert.rejects(stuck.process("tiny.py", "def tiny():\n    pass\n"), /indexing worker did not start within 500 ms/);
      } finally {
        stuck.dispose();
      }
    } finally {
      removeTree(dir);
    }
  });
});
