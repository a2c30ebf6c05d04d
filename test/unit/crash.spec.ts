import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { cpSync, readdirSync, utimesSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { TestIndex } from "../helpers/index";
import { CLI, firstChunksWritten, killCli, NO_STDLIB, removeTree, STDLIB, tempDir } from "../helpers/workspace";

const run = promisify(execFile);
const KILLS = Number(process.env.CRASH_KILLS ?? 20);

/** Seeded, so a failing schedule can be replayed. */
function prng(seed: number): () => number {
  let state = seed;
  return () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
}

describe(`crash safety: kill -9 the CLI indexer at random moments, ${KILLS} times`, { skip: NO_STDLIB }, () => {
  let root: string;
  let dbs: string;
  let cleanIds: string[];

  before(async () => {
    root = tempDir("gw-crash-");
    dbs = tempDir("gw-crash-db-");
    for (const part of ["email", "json", "http", "asyncio", "urllib", "logging"]) cpSync(path.join(STDLIB!, part), path.join(root, part), { recursive: true });
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
      // touched, so kills land in every phase: open, scan, write, finish, maintenance. Every fourth
      // round kills the moment the first chunk rows reach the disk, so some kills surely land
      // mid-write whatever the machine's speed; the others at a random moment.
      if (kill % 2 === 1) removeTree(db);
      else for (const file of touchable.filter((_, i) => i % 4 === kill % 4)) utimesSync(file, new Date(), new Date(Date.now() - kill * 1000));
      const child: ChildProcess = spawn(process.execPath, [CLI, "index", root, "--db", db], { stdio: ["ignore", "pipe", "ignore"] });
      let stdout = "";
      child.stdout!.on("data", (data) => (stdout += data));
      const exit = new Promise((resolve) => child.once("exit", resolve));
      if (kill % 4 === 1) await Promise.race([firstChunksWritten(db), exit]);
      else await new Promise((resolve) => setTimeout(resolve, 100 + random() * (kill % 2 === 1 ? 1200 : 500)));
      await killCli(child);
      await exit;
      // A run that finished prints its summary; a killed one printed nothing.
      if (!stdout) interrupted++;
      else assert.notEqual(kill % 4, 1, `kill ${kill}: the run finished before the first chunks reached the disk`);
      const resumed = await run(process.execPath, [CLI, "index", root, "--db", db]).then(() => 0, (error: { code: number; stderr: string }) => assert.fail(`kill ${kill}: the next run failed: ${error.stderr}`));
      assert.equal(resumed, 0);
      const index = await TestIndex.open({ root, dbPath: db });
      const ids = await (await index.store()).chunkIds();
      index.close();
      assert.equal(new Set(ids).size, ids.length, `kill ${kill}: duplicate chunks`);
      assert.deepEqual(ids, cleanIds, `kill ${kill}: differs from a clean build`);
    }
    t.diagnostic(`${interrupted} of ${KILLS} kills interrupted a run; all ${KILLS} recovered`);
  });
});
