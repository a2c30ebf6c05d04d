import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { IndexLock, IndexLockedError } from "../../src/core/store/lock";
import { WorkspaceIndex } from "../../src/core/workspaceIndex";
import { CLI, copyTree, POLYGLOT, removeTree, tempDir } from "../helpers/workspace";

describe("one writer per index", () => {
  let root: string;
  let dbs: string;

  before(() => {
    root = tempDir("gw-lock-");
    dbs = tempDir("gw-lock-db-");
    copyTree(POLYGLOT, root);
  });

  after(() => {
    removeTree(root);
    removeTree(dbs);
  });

  it("refuses a second writer with a clear message while searches keep working, and the store stays whole", async () => {
    const dbPath = path.join(dbs, "shared");
    const first = await WorkspaceIndex.open({ root, dbPath });
    await first.run();
    const second = await WorkspaceIndex.open({ root, dbPath });
    try {
      await first.store.clear();
      // The second writer starts once the first holds the lock (its first progress report comes
      // from inside the locked run); started in the same tick, either could win the lock.
      let locked!: () => void;
      const holding = new Promise<void>((resolve) => (locked = resolve));
      const running = first.run({ onProgress: () => locked() });
      await Promise.race([holding, running]);
      await assert.rejects(second.run(), (error: unknown) => error instanceof IndexLockedError && /being updated by another Groundwork process \(pid \d+/.test(error.message) && /Searches still work/.test(error.message));
      await assert.rejects(second.update(["lib/retry.py"]), IndexLockedError);
      await second.search("bounded queue");
      const result = await running;
      assert.ok(result.totalChunks > 20);
      await first.maintenanceIdle();
      const after = await second.run();
      assert.equal(after.filesIndexed, 0, "the second writer found the first one's work complete");
      const clean = await WorkspaceIndex.open({ root, dbPath: path.join(dbs, "clean") });
      await clean.run();
      assert.deepEqual(await second.store.chunkIds(), await clean.store.chunkIds(), "no duplicate or missing chunks");
      clean.close();
    } finally {
      first.close();
      second.close();
    }
  });

  it("takes over a lock left by a process that died", async () => {
    const dbPath = path.join(dbs, "stale");
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    const pid = Number(dead.stdout);
    const index = await WorkspaceIndex.open({ root, dbPath });
    try {
      writeFileSync(path.join(dbPath, "write.lock"), JSON.stringify({ pid, host: os.hostname(), since: "2026-01-01T00:00:00Z", token: "dead" }));
      const result = await index.run();
      assert.ok(result.totalChunks > 20);
    } finally {
      index.close();
    }
  });

  it("the CLI says so and exits non-zero while another process writes", async () => {
    const dbPath = path.join(dbs, "cli");
    const holder = new IndexLock(dbPath);
    await holder.withLock(async () => {
      const outcome = await promisify(execFile)(process.execPath, [CLI, "index", root, "--db", dbPath]).then(() => ({ code: 0, stderr: "" }), (e: { code: number; stderr: string }) => e);
      assert.equal(outcome.code, 1);
      assert.match(outcome.stderr, /being updated by another Groundwork process/);
    });
  });
});
