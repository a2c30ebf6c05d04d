import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { cpSync, existsSync, readdirSync, utimesSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { TestIndex } from "../helpers/index";
import { CLI, removeTree, tempDir } from "../helpers/workspace";

const run = promisify(execFile);
const STDLIB = ["/usr/lib/python3.11", "/usr/lib/python3.12", "/usr/lib/python3.13"].find((dir) => existsSync(dir))!;
const KILLS = Number(process.env.CRASH_KILLS ?? 20);

/** Seeded, so a failing schedule can be replayed. */
function prng(seed: number): () => number {
  let state = seed;
  return () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
}

describe(`crash safety: kill -9 the CLI indexer at random moments, ${KILLS} times`, () => {
  let root: string;
  let dbs: string;
  let cleanIds: string[];

  before(async () => {
    root = tempDir("gw-crash-");
    dbs = tempDir("gw-crash-db-");
    for (const part of ["email", "json", "http", "asyncio", "urllib", "logging"]) cpSync(path.join(STDLIB, part), path.join(root, part), { recursive: true });
    await run(process.execPath, [CLI, "index", root, "--db", path.join(dbs, "clean")]);
    const clean = await TestIndex.open({ root, dbPath: path.join(dbs, "clean") });
    cleanIds = await (await clean.store()).chunkIds();
    clean.close();
  });

  after(() => {
    removeTree(root);
    removeTree(dbs);
  });

  it("recovers every time: the next run completes and equals a clean build, with no duplicates", async (t) => {
    const random = prng(20261125);
    const touchable = readdirSync(path.join(root, "email")).filter((name) => name.endsWith(".py")).map((name) => path.join(root, "email", name));
    const db = path.join(dbs, "killed");
    let interrupted = 0;
    for (let kill = 1; kill <= KILLS; kill++) {
      // Odd rounds start from nothing; even rounds from a complete index with a quarter of the files
      // touched, so kills land in every phase: open, scan, write, finish, maintenance.
      if (kill % 2 === 1) removeTree(db);
      else for (const file of touchable.filter((_, i) => i % 4 === kill % 4)) utimesSync(file, new Date(), new Date(Date.now() - kill * 1000));
      const child: ChildProcess = spawn(process.execPath, [CLI, "index", root, "--db", db], { stdio: "ignore" });
      await new Promise((resolve) => setTimeout(resolve, 100 + random() * (kill % 2 === 1 ? 1200 : 500)));
      const exited = child.exitCode !== null;
      child.kill("SIGKILL");
      await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once("exit", resolve)));
      if (!exited) interrupted++;
      const resumed = await run(process.execPath, [CLI, "index", root, "--db", db]).then(() => 0, (error: { code: number; stderr: string }) => assert.fail(`kill ${kill}: the next run failed: ${error.stderr}`));
      assert.equal(resumed, 0);
      const index = await TestIndex.open({ root, dbPath: db });
      const ids = await (await index.store()).chunkIds();
      index.close();
      assert.equal(new Set(ids).size, ids.length, `kill ${kill}: duplicate chunks`);
      assert.deepEqual(ids, cleanIds, `kill ${kill}: differs from a clean build`);
    }
    t.diagnostic(`${interrupted} of ${KILLS} kills interrupted a run; all ${KILLS} recovered`);
    assert.ok(interrupted >= KILLS / 2, `only ${interrupted} kills landed during a run`);
  });
});
