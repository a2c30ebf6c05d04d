import assert from "node:assert/strict";
import { execFile, spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { IndexLock, IndexLockedError, processStart, procState } from "../../src/core/store/lock";
import { TestIndex } from "../helpers/index";
import { CLI, copyTree, POLYGLOT, removeTree, REPO_ROOT, tempDir } from "../helpers/workspace";

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

  it("refuses a writer of another process with a clear message while its searches keep working, and the store stays whole", async () => {
    const dbPath = path.join(dbs, "shared");
    const first = await TestIndex.open({ root, dbPath });
    try {
      await first.run();
      await first.maintenanceIdle();
      const cli = (...args: string[]) => promisify(execFile)(process.execPath, [CLI, ...args]).then((r) => ({ code: 0, ...r }), (e: { code: number; stdout: string; stderr: string }) => e);
      await new IndexLock(dbPath).withLock(async () => {
        const other = await cli("index", root, "--db", dbPath);
        assert.equal(other.code, 1);
        assert.match(other.stderr, /being updated by another Groundwork process \(pid \d+/);
        assert.match(other.stderr, /Searches still work/);
        const search = await cli("search", "bounded queue", "-w", root, "--db", dbPath);
        assert.equal(search.code, 0, search.stderr);
        assert.match(search.stdout, /lib\/Queue\.java/);
      });
      const again = await cli("index", root, "--db", dbPath);
      assert.match(again.stdout, /indexed 0 files \(14 unchanged/, "once the lock is free, the other process finds the work complete");
      const clean = await TestIndex.open({ root, dbPath: path.join(dbs, "clean") });
      await clean.run();
      assert.deepEqual(await (await first.store()).chunkIds(), await (await clean.store()).chunkIds(), "no duplicate or missing chunks");
      clean.close();
    } finally {
      first.close();
    }
  });

  it("lets writers of one process take turns instead of refusing them", async () => {
    const dbPath = path.join(dbs, "turns");
    const one = await TestIndex.open({ root, dbPath });
    const two = await TestIndex.open({ root, dbPath });
    try {
      const [a, b] = await Promise.all([one.run(), two.run()]);
      assert.equal(a.filesIndexed + b.filesIndexed, 14, "the second found the first one's work done");
      assert.equal(b.cancelled, false);
    } finally {
      one.close();
      two.close();
    }
  });

  it("takes over a dead holder's lock atomically: of processes racing for it, exactly one wins", async () => {
    const dbPath = path.join(dbs, "race");
    mkdirSync(dbPath, { recursive: true });
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    writeFileSync(path.join(dbPath, "write.lock"), JSON.stringify({ pid: Number(dead.stdout), host: os.hostname(), since: "2026-01-01T00:00:00Z", token: "dead-holder" }));
    const holder = path.join(REPO_ROOT, "test", "support", "lockHolder.ts");
    // All start their attempt at one instant, well after the slowest has loaded.
    const startAt = String(Date.now() + 4000);
    // The winner holds the lock until all six have said how it went: one that loads late still finds it held.
    const release = path.join(dbs, "race-release");
    const said: string[] = [];
    const racers = await Promise.all(Array.from({ length: 6 }, () => new Promise<string>((resolve, reject) => {
      const racer = spawn(process.execPath, ["--import", "tsx", holder, dbPath, release, startAt], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      racer.stdout.on("data", (data: Buffer) => {
        out += data;
        if (out.endsWith("\n") && said.push(out.trim()) === 6) writeFileSync(release, "");
      });
      racer.once("error", reject);
      racer.once("exit", (code) => {
        if (code === 0) return resolve(out.trim());
        writeFileSync(release, ""); // lets the winner go: the test fails here, not by a timeout
        reject(new Error(`a racer exited with ${code}: ${out}`));
      });
    })));
    assert.deepEqual(racers.filter((r) => r === "won").length, 1, racers.join(", "));
    assert.deepEqual(racers.filter((r) => r === "locked").length, 5, racers.join(", "));
  });

  it("takes over a lock left by a process that died", async () => {
    const dbPath = path.join(dbs, "stale");
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    const pid = Number(dead.stdout);
    const index = await TestIndex.open({ root, dbPath });
    try {
      mkdirSync(dbPath, { recursive: true });
      writeFileSync(path.join(dbPath, "write.lock"), JSON.stringify({ pid, host: os.hostname(), since: "2026-01-01T00:00:00Z", token: "dead" }));
      const result = await index.run();
      assert.ok(result.totalChunks > 20);
    } finally {
      index.close();
    }
  });

  it("takes over a lock whose holder's pid now belongs to another process (it started later), not one its holder still holds", { skip: process.platform !== "linux" }, async () => {
    const dbPath = path.join(dbs, "reused");
    // A live process of this host under the pid the lock names: this one, which holds no lock there.
    const started = processStart(process.pid);
    assert.ok(started, "Linux says when a process started");
    mkdirSync(dbPath, { recursive: true });
    const lock = (start: string): void => writeFileSync(path.join(dbPath, "write.lock"), JSON.stringify({ pid: process.pid, host: os.hostname(), since: "2026-01-01T00:00:00Z", token: "other", started: start }));
    lock(started);
    await assert.rejects(new IndexLock(dbPath).withLock(async () => "taken"), (error: Error) => error instanceof IndexLockedError);
    lock(`${started}0`);
    assert.equal(await new IndexLock(dbPath).withLock(async () => "taken"), "taken");
  });

  it("takes over a lock whose holder has ended but was not reaped yet (a zombie)", { skip: process.platform !== "linux" }, async () => {
    const dbPath = path.join(dbs, "zombie");
    // The shell's background child ends soon after; the shell is by then a sleep that never reaps it.
    const parent = spawn("sh", ["-c", "sleep 0.2 & echo $!; exec sleep 30"], { stdio: ["ignore", "pipe", "ignore"] });
    try {
      const pid = Number(await new Promise<string>((resolve) => parent.stdout.once("data", (data: Buffer) => resolve(data.toString()))));
      const deadline = Date.now() + 10_000;
      while (procState(pid) !== "Z") {
        assert.ok(Date.now() < deadline, "the background child became a zombie");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      mkdirSync(dbPath, { recursive: true });
      writeFileSync(path.join(dbPath, "write.lock"), JSON.stringify({ pid, host: os.hostname(), since: "2026-01-01T00:00:00Z", token: "zombie" }));
      assert.equal(await new IndexLock(dbPath).withLock(async () => "taken"), "taken");
    } finally {
      parent.kill();
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
