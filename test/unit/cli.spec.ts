import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { ALLOCATOR_ENV, relaunch, relaunchWanted, runsOnGlibc, STEP_ALLOCATOR_ENV } from "../../src/cli/allocator";
import { auditLogFor } from "../../src/cli/ask";
import { shownCommand } from "../../src/cli/tune";
import type { Codebase } from "../../src/core/codebase";
import { silentLogger } from "../../src/core/util/host";
import { Chunker } from "../../src/core/chunk/chunker";
import { EXPOSE_GC } from "../../src/core/codebase/allocator";
import { KEPT_FINGERPRINT_FILE } from "../../src/core/codebase/keptFingerprint";
import { chunkerFingerprint } from "../../src/core/index/fingerprint";
import { TestIndex } from "../helpers/index";
import { childPids, CLI, firstChunksWritten, killCli, NO_STDLIB, running, POLYGLOT, removeTree, STDLIB, tempDir, writeTree } from "../helpers/workspace";

const run = promisify(execFile);

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function groundwork(...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}


describe("groundwork CLI (the built bundle)", () => {
  let dir: string;
  let db: string;

  before(async () => {
    dir = tempDir("gw-cli-");
    db = path.join(dir, "fixture-index");
  });
  after(() => removeTree(dir));

  it("indexes a workspace and reports files, chunks and seconds", async () => {
    const result = await groundwork("index", POLYGLOT, "--db", db);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^indexed 14 files \(0 unchanged, 0 skipped, 0 removed, 0 failed\); (\d+) chunks written, \1 chunks in the index; \d+\.\d s\n$/);
    assert.match(result.stderr, /done 14\/14 files/);
  });

  it("keeps the chunker's fingerprint in the index folder, and a later run that finds it there goes by it", async () => {
    const other = path.join(dir, "kept-index");
    assert.equal((await groundwork("index", POLYGLOT, "--db", other)).code, 0);
    const file = path.join(other, KEPT_FINGERPRINT_FILE);
    const kept = JSON.parse(readFileSync(file, "utf8")) as { inputs: string; fingerprint: string };
    const chunker = new Chunker();
    try {
      assert.equal(kept.fingerprint, await chunkerFingerprint(chunker), "the worker's fingerprint");
    } finally {
      chunker.dispose();
    }
    assert.match((await groundwork("index", POLYGLOT, "--db", other)).stdout, /^indexed 0 files \(14 unchanged/);
    // Kept under the same inputs, another fingerprint names another generation: the run builds it.
    writeFileSync(file, JSON.stringify({ inputs: kept.inputs, fingerprint: "0".repeat(32) }));
    assert.match((await groundwork("index", POLYGLOT, "--db", other)).stdout, /^indexed 14 files \(0 unchanged/);
  });

  it("searches with --json: workspace-relative paths, 1-based inclusive lines", async () => {
    const result = await groundwork("search", "expiring cache entries", "--workspace", POLYGLOT, "--db", db, "-k", "3", "--json");
    assert.equal(result.code, 0, result.stderr);
    const hits = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    assert.equal(hits.length, 3);
    assert.deepEqual(Object.keys(hits[0]).sort(), ["endLine", "kind", "path", "score", "startLine", "symbol"]);
    assert.deepEqual([hits[0].path, hits[0].symbol, hits[0].startLine, hits[0].endLine], ["src/cache.js", "ExpiringCache", 4, 17]);
  });

  it("answers a batch of queries, one JSON line per query, ids kept (a line without one gets its line number)", async () => {
    const queries = path.join(dir, "queries.jsonl");
    writeFileSync(queries, '{"id": "q1", "query": "route a request to its handler"}\n\n{"id": 7, "query": "lexer next token"}\n{"query": "bounded queue"}\n');
    const result = await groundwork("search", "--batch", queries, "--workspace", POLYGLOT, "--db", db, "-k", "2");
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(lines.map((l) => l.id), ["q1", 7, 4]);
    assert.equal(lines[0].results[0].path, "lib/Router.php");
    assert.equal(lines[1].results[0].path, "lib/tokens.rs");
    assert.equal(lines[1].results.length, 2);
  });

  it("prints status with files, chunks and the embedder", async () => {
    const result = await groundwork("status", "--workspace", POLYGLOT, "--db", db);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /files: 14\nchunks: \d+\n/);
    assert.match(result.stdout, /embedder: builtin\/512/);
  });

  it("fails with a clear message and usage on bad input", async () => {
    const missing = await groundwork("search", "anything", "--workspace", path.join(dir, "nope"));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Workspace folder .*nope does not exist/);
    const noQuery = await groundwork("search", "--workspace", POLYGLOT, "--db", db);
    assert.equal(noQuery.code, 2);
    assert.match(noQuery.stderr, /Missing query/);
    const badBatch = path.join(dir, "bad.jsonl");
    writeFileSync(badBatch, "{not json}\n");
    const batch = await groundwork("search", "--batch", badBatch, "--workspace", POLYGLOT, "--db", db);
    assert.match(batch.stderr, /bad\.jsonl:1: not valid JSON/);
    writeFileSync(badBatch, '{"query": "queue"}\nnull\n');
    const nullLine = await groundwork("search", "--batch", badBatch, "--workspace", POLYGLOT, "--db", db);
    assert.equal(nullLine.code, 2);
    assert.match(nullLine.stderr, /bad\.jsonl:2: each line is an object whose "query" is a string/);
    writeFileSync(badBatch, '{"id": 1, "query": "  "}\n');
    assert.match((await groundwork("search", "--batch", badBatch, "--workspace", POLYGLOT, "--db", db)).stderr, /bad\.jsonl:1: each line is an object whose "query" is a string \(not empty\)/);
    assert.equal((await groundwork("frobnicate")).code, 2);
    // Checked before a workspace without an index is indexed.
    const unindexed = path.join(dir, "never-indexed");
    for (const args of [["anything", "--mode", "bogus"], ["   "], ["--batch", path.join(dir, "nowhere.jsonl")], ["--batch", dir], ["both", "--batch", badBatch]]) {
      const result = await groundwork("search", ...args, "--workspace", POLYGLOT, "--db", unindexed);
      assert.equal(result.code, 2, args.join(" "));
      assert.doesNotMatch(result.stderr, /No index yet/, args.join(" "));
    }
    assert.match((await groundwork("search", "--batch", path.join(dir, "nowhere.jsonl"), "--workspace", POLYGLOT)).stderr, /--batch .*nowhere\.jsonl: no such file/);
    assert.match((await groundwork("index", path.join(POLYGLOT, "lib", "Queue.java"))).stderr, /Queue\.java is not a folder/);
    // A server URL with a password in it is refused, and the password is not repeated.
    for (const args of [["index", POLYGLOT, "--db", unindexed, "--embedder", "openai", "--embedding-base-url", "http://alice:s3cr3t-pw@127.0.0.1:9/v1", "--embedding-model", "m"],
      ["search", "queue", "--workspace", POLYGLOT, "--db", unindexed, "--rerank-url", "https://alice:s3cr3t-pw@rerank.example/v1", "--rerank-model", "r"],
      ["index", POLYGLOT, "--db", unindexed, "--embedder", "openai", "--embedding-base-url", "ftp://alice:s3cr3t-pw@host/v1", "--embedding-model", "m"]]) {
      const refused = await groundwork(...args);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /holds a user name or password|must be an http\(s\) URL/);
      assert.doesNotMatch(refused.stderr + refused.stdout, /s3cr3t/);
    }
    const twoFolders = await groundwork("index", POLYGLOT, dir, "--db", unindexed);
    assert.equal(twoFolders.code, 2);
    assert.match(twoFolders.stderr, /indexes one folder/);
    assert.match((await groundwork("search", "queue", "--workspace", POLYGLOT, "--db", badBatch)).stderr, /--db .*bad\.jsonl is a file/);
    const negative = await groundwork("search", "queue", "--workspace", POLYGLOT, "--db", db, "-k", "-1");
    assert.equal(negative.code, 2);
    assert.match(negative.stderr, /^groundwork: Option '-k' argument is ambiguous: `groundwork search` takes --workspace, .* -k, --json/);
    assert.match((await groundwork("status", "--workspace", POLYGLOT, "--db", unindexed)).stdout, /No index yet: `groundwork index .*polyglot --db .*never-indexed` builds it/);
  });

  it("keeps what it indexed below a folder it can no longer list (permissions changed), and says why", async () => {
    // A folder's mode does not stop root: as root, the CLI runs as nobody.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const as = async (...args: string[]): Promise<CliResult> => {
      try {
        const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { ...asUser, env: { ...process.env, HOME: os.tmpdir() } });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    };
    const root = path.join(dir, "unlisted");
    writeTree(root, { "kept/ledger.py": "def reconcile_ledger_entries(entries):\n    return [e for e in entries if e.matched]\n", "top.py": "def main():\n    pass\n" });
    for (const folder of [dir, root, path.join(root, "kept")]) chmodSync(folder, 0o777);
    const unlistedDb = path.join(dir, "unlisted-index");
    assert.equal((await as("index", root, "--db", unlistedDb)).code, 0);
    chmodSync(path.join(root, "kept"), 0o000);
    try {
      const again = await as("index", root, "--db", unlistedDb);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /, 0 removed,/);
      assert.match((await as("status", "--workspace", root, "--db", unlistedDb)).stdout, /kept\/: unreadable directory \(EACCES\)/);
      assert.match((await as("search", "reconcile ledger entries", "--workspace", root, "--db", unlistedDb, "-k", "1")).stdout, /kept\/ledger\.py/);
    } finally {
      chmodSync(path.join(root, "kept"), 0o777);
    }
  });

  it("takes only each subcommand's own options", async () => {
    const wrong = await groundwork("index", POLYGLOT, "--db", db, "--mode", "text");
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /Unknown option '--mode'.*`groundwork index` takes --workspace, --db, --embedder, .*--max-file-bytes, --max-files/);
    const statusK = await groundwork("status", "--workspace", POLYGLOT, "--db", db, "-k", "3");
    assert.equal(statusK.code, 2);
    assert.match(statusK.stderr, /Unknown option '-k'/);
    const typo = await groundwork("search", "cache", "--workspace", POLYGLOT, "--db", db, "--exapnd");
    assert.equal(typo.code, 2, "a misspelt option is not silently ignored");
    assert.match((await groundwork("search", "--help")).stdout, /^Usage:/);
  });

  it("reranks through a /v1/rerank server named by --rerank-url and --rerank-model", async () => {
    const requests: Array<{ model: string; query: string; documents: string[]; authorization?: string }> = [];
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        const parsed = JSON.parse(body);
        requests.push({ ...parsed, authorization: req.headers.authorization });
        // Prefers the inventory code, whatever the query.
        const results = parsed.documents.map((doc: string, index: number) => ({ index, relevance_score: /Inventory/.test(doc) ? 0.99 : 0.01 }));
        res.writeHead(req.url === "/v1/rerank" ? 200 : 404, { "content-type": "application/json" }).end(JSON.stringify({ results }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    try {
      const plain = JSON.parse((await groundwork("search", "bounded queue offer item", "--workspace", POLYGLOT, "--db", db, "-k", "3", "--json")).stdout);
      assert.notEqual(plain[0].path, "lib/inventory.rb");
      const env = { ...process.env, GROUNDWORK_RERANK_API_KEY: "rk-test-1" };
      const reranked = await run(process.execPath, [CLI, "search", "bounded queue offer item", "--workspace", POLYGLOT, "--db", db, "-k", "3", "--json", "--rerank-url", url, "--rerank-model", "rr-1"], { env });
      assert.equal(JSON.parse(reranked.stdout)[0].path, "lib/inventory.rb");
      assert.equal(requests.length, 1);
      assert.deepEqual([requests[0].model, requests[0].query, requests[0].authorization], ["rr-1", "bounded queue offer item", "Bearer rk-test-1"]);
      assert.ok(requests[0].documents.length >= 3);
      const half = await groundwork("search", "x", "--workspace", POLYGLOT, "--db", db, "--rerank-url", url);
      assert.equal(half.code, 2);
      assert.match(half.stderr, /--rerank-url and --rerank-model go together/);
    } finally {
      server.close();
    }
  });

  it("honours --mode and --expand in a batch as in a single search", async () => {
    const queries = path.join(dir, "modes.jsonl");
    writeFileSync(queries, '{"id": "a", "query": "distance between two points"}\n');
    const single = async (...flags: string[]) => JSON.parse((await groundwork("search", "distance between two points", "--workspace", POLYGLOT, "--db", db, "-k", "3", "--json", ...flags)).stdout);
    const batch = async (...flags: string[]) => JSON.parse((await groundwork("search", "--batch", queries, "--workspace", POLYGLOT, "--db", db, "-k", "3", ...flags)).stdout).results;
    const textOnly = await batch("--mode", "text");
    assert.deepEqual(textOnly, await single("--mode", "text"));
    assert.notDeepEqual(textOnly, await batch("--mode", "vector"), "the mode changes what a batch finds");
    const expanded = await batch("--expand");
    assert.deepEqual(expanded, await single("--expand"));
    assert.ok(expanded.length > 3, "expansion adds definitions after the hits");
  });

  describe("on Python's standard library", { skip: NO_STDLIB }, () => {
    let cleanDb: string;

    it("indexes it and finds urllib.parse's functions for 'split a URL into its components'", async () => {
      cleanDb = path.join(dir, "stdlib-clean");
      const indexed = await groundwork("index", STDLIB!, "--db", cleanDb);
      assert.equal(indexed.code, 0, indexed.stderr);
      const result = await groundwork("search", "split a URL into its components", "--workspace", STDLIB!, "--db", cleanDb, "-k", "5", "--json");
      const top5 = JSON.parse(result.stdout) as Array<{ path: string }>;
      assert.ok(top5.some((hit) => hit.path === "urllib/parse.py"), JSON.stringify(top5));
    });

    it("resumes after being killed mid-run and ends equal to a clean build, without duplicates", async () => {
      const killedDb = path.join(dir, "stdlib-killed");
      const child: ChildProcess = spawn(process.execPath, [CLI, "index", STDLIB!, "--db", killedDb], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      child.stdout!.on("data", (data) => (stdout += data));
      const exit = new Promise((resolve) => child.once("exit", resolve));
      // Killed once its first chunk rows are on disk: mid-run, whatever the machine's speed.
      await Promise.race([firstChunksWritten(killedDb), exit]);
      await killCli(child);
      await exit;
      assert.equal(stdout, "", "the run was killed before it finished");
      const resumed = await groundwork("index", STDLIB!, "--db", killedDb);
      assert.equal(resumed.code, 0, resumed.stderr);
      const [killed, clean] = await Promise.all([
        TestIndex.open({ root: STDLIB!, dbPath: killedDb }),
        TestIndex.open({ root: STDLIB!, dbPath: cleanDb }),
      ]);
      const killedIds = await (await killed.store()).chunkIds();
      assert.equal(new Set(killedIds).size, killedIds.length, "no duplicate chunks");
      assert.deepEqual(killedIds, await (await clean.store()).chunkIds());
      killed.close();
      clean.close();
    });

    // The environment of a run that relaunches: none of the user's malloc settings.
    const plainEnv = (): NodeJS.ProcessEnv =>
      Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("MALLOC_") && name !== "GLIBC_TUNABLES" && name !== "GROUNDWORK_RELAUNCHED"));

    it("indexes in a child process under glibc's memory settings, and a SIGTERM ends both", { skip: process.platform !== "linux" || !runsOnGlibc() }, async () => {
      const termDb = path.join(dir, "stdlib-term");
      const parent: ChildProcess = spawn(process.execPath, [CLI, "index", STDLIB!, "--db", termDb], { stdio: ["ignore", "pipe", "pipe"], env: plainEnv() });
      const exit = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => parent.once("exit", (code, signal) => resolve([code, signal])));
      await Promise.race([firstChunksWritten(termDb), exit]);
      const children = childPids(parent.pid!);
      assert.equal(children.length, 1, "one child runs the command (and the run had not ended)");
      const environ = readFileSync(`/proc/${children[0]}/environ`, "utf8").split("\0");
      // The indexing step: glibc's own thresholds with the pools capped (a second process maintains the index).
      for (const [name, value] of Object.entries(STEP_ALLOCATOR_ENV.index)) assert.ok(environ.includes(`${name}=${value}`), name);
      assert.ok(!environ.some((entry) => entry.startsWith("MALLOC_MMAP_THRESHOLD_=")), "no fixed mmap threshold");
      assert.ok(environ.includes("GROUNDWORK_INDEX_STEP=index"));
      assert.ok(readFileSync(`/proc/${children[0]}/cmdline`, "utf8").split("\0").includes(EXPOSE_GC), "its heap can be collected before compaction");
      parent.kill("SIGTERM");
      assert.deepEqual(await exit, [null, "SIGTERM"], "the child's end by SIGTERM is the parent's");
      assert.ok(!running(children[0]), "the child is gone");
    });

    it("maintains a large index in a fresh process once the indexing one has ended, a small one in the same", { skip: process.platform !== "linux" || !runsOnGlibc() }, async () => {
      // When each stream's lines came in: the summary (stdout) and the vector index's build (stderr).
      const timed = async (db: string, env: NodeJS.ProcessEnv): Promise<{ summaryAt: number; builtAt: number }> => {
        const child = spawn(process.execPath, [CLI, "index", STDLIB!, "--db", db], { stdio: ["ignore", "pipe", "pipe"], env });
        const at = { summaryAt: NaN, builtAt: NaN };
        let stderr = "";
        child.stdout!.on("data", (data: Buffer) => /^indexed /m.test(data.toString()) && (at.summaryAt = performance.now()));
        child.stderr!.on("data", (data: Buffer) => {
          stderr += data;
          if (Number.isNaN(at.builtAt) && /Vector index built/.test(stderr)) at.builtAt = performance.now();
        });
        const code = await new Promise((resolve) => child.once("exit", resolve));
        assert.equal(code, 0, stderr);
        assert.ok(!Number.isNaN(at.summaryAt) && !Number.isNaN(at.builtAt), stderr);
        return at;
      };
      const apart = await timed(path.join(dir, "stdlib-apart"), { ...plainEnv(), GROUNDWORK_MAINTAIN_APART_ROWS: "1000" });
      assert.ok(apart.summaryAt < apart.builtAt, "the indexing process had ended (its summary printed) before the vector index was built");
      const together = await timed(path.join(dir, "stdlib-together"), plainEnv());
      assert.ok(together.builtAt < together.summaryAt, "18.7k chunks: maintained by the indexing process, before its summary");
      const status = await groundwork("status", "--workspace", STDLIB!, "--db", path.join(dir, "stdlib-apart"));
      assert.match(status.stdout, /vector index: \d+ rows \(0 searched flat/);
    });

    it("a SIGINT sent to the CLI alone cancels the run in its child: exit 130, and the next run finishes it", { skip: process.platform !== "linux" || !runsOnGlibc() }, async () => {
      const intDb = path.join(dir, "stdlib-int");
      const parent: ChildProcess = spawn(process.execPath, [CLI, "index", STDLIB!, "--db", intDb], { stdio: ["ignore", "pipe", "pipe"], env: plainEnv() });
      let stdout = "";
      parent.stdout!.on("data", (data) => (stdout += data));
      const exit = new Promise<number | null>((resolve) => parent.once("exit", (code) => resolve(code)));
      await Promise.race([firstChunksWritten(intDb), exit]);
      assert.equal(childPids(parent.pid!).length, 1, "the run had not ended");
      parent.kill("SIGINT");
      const signalled = Date.now();
      assert.equal(await exit, 130, stdout);
      // Files left on the workers must not hold the process until their 30-second limits run out.
      assert.ok(Date.now() - signalled < 20_000, `exited ${Date.now() - signalled} ms after the SIGINT`);
      const resumed = await groundwork("index", STDLIB!, "--db", intDb);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.match(resumed.stdout, /^indexed \d+ files \([1-9]\d* unchanged/);
    });
  });
});

describe("relaunchWanted", () => {
  const glibc = (): boolean => true;
  it("relaunches the indexing commands on Linux with glibc, unless malloc is the user's or this is the child", () => {
    assert.equal(relaunchWanted(["index", "src"], {}, "linux", glibc), true);
    assert.equal(relaunchWanted(["mcp", "--workspace", "x"], {}, "linux", glibc), true);
    assert.equal(relaunchWanted(["search", "q"], {}, "linux", glibc), false, "a search is short");
    assert.equal(relaunchWanted(["index", "src"], {}, "darwin", glibc), false);
    assert.equal(relaunchWanted(["index", "src"], {}, "linux", () => false), false, "musl ignores the variables");
    assert.equal(relaunchWanted(["index", "src"], { MALLOC_ARENA_MAX: "2" }, "linux", glibc), false, "the user's settings win");
    assert.equal(relaunchWanted(["index", "src"], { GROUNDWORK_RELAUNCHED: "1" }, "linux", glibc), false, "no second relaunch");
    assert.equal(relaunchWanted([], {}, "linux", glibc), false);
  });
});

describe("relaunch", () => {
  // A stand-in for the CLI: notes the step it was started for and its malloc settings, tells its parent
  // it maintained the index when asked to, and ends with the code asked for.
  const script = (dir: string): string => {
    const file = path.join(dir, "step.js");
    writeFileSync(file, `
      const fs = require("node:fs");
      const step = process.env.GROUNDWORK_INDEX_STEP ?? "-";
      fs.appendFileSync(process.env.STEP_LOG, [step, process.env.MALLOC_MMAP_THRESHOLD_ ?? "-", process.env.MALLOC_ARENA_MAX ?? "-"].join(" ") + "\\n");
      if (step === "index" && process.env.SAY_MAINTAINED) process.send("maintained");
      process.exitCode = Number(process.env[step === "index" ? "INDEX_CODE" : "CODE"] ?? 0);
    `);
    return file;
  };
  const steps = async (command: string, env: Record<string, string>): Promise<{ code: number; log: string[] }> => {
    const dir = tempDir("relaunch");
    const log = path.join(dir, "log");
    writeFileSync(log, "");
    const saved = { ...process.env };
    Object.assign(process.env, { STEP_LOG: log, ...env });
    try {
      const code = await relaunch([script(dir), command], () => Promise.reject(new Error("the child did not start")));
      return { code, log: readFileSync(log, "utf8").trim().split("\n") };
    } finally {
      for (const name of ["STEP_LOG", ...Object.keys(env)]) if (saved[name] === undefined) delete process.env[name];
      removeTree(dir);
    }
  };
  const arenas = STEP_ALLOCATOR_ENV.index.MALLOC_ARENA_MAX;
  const maintain = `maintain ${STEP_ALLOCATOR_ENV.maintain.MALLOC_MMAP_THRESHOLD_} ${arenas}`;

  it("runs `index` as two processes, indexing under glibc's own thresholds, then maintenance; other commands as one under ALLOCATOR_ENV", async () => {
    assert.deepEqual(await steps("index", {}), { code: 0, log: [`index - ${arenas}`, maintain] });
    assert.deepEqual(await steps("mcp", {}), { code: 0, log: [`- ${ALLOCATOR_ENV.MALLOC_MMAP_THRESHOLD_} ${ALLOCATOR_ENV.MALLOC_ARENA_MAX}`] });
  });

  it("runs no maintenance process after an indexing that failed, was cancelled, or maintained the index itself", async () => {
    assert.deepEqual(await steps("index", { INDEX_CODE: "130" }), { code: 130, log: [`index - ${arenas}`] });
    assert.deepEqual(await steps("index", { SAY_MAINTAINED: "1" }), { code: 0, log: [`index - ${arenas}`] });
    assert.deepEqual(await steps("index", { CODE: "1" }), { code: 1, log: [`index - ${arenas}`, maintain] }, "the maintenance's own failure is the command's");
  });
});

describe("the dataset card's command line", () => {
  it("hides storage options (credentials among them)", () => {
    const shown = shownCommand(["dataset", "--storage-option", "aws_secret_access_key=wJalrSECRET", "--out", "data", "--storage-option=aws_session_token=TOKEN"]);
    assert.equal(shown, "groundwork dataset --storage-option <hidden> --out data --storage-option=<hidden>");
  });
});

describe("the CLI's audit log", () => {
  it("goes beside a local index, and into the workspace's .groundwork folder when the index is on object storage", () => {
    const codebase = (dbPath: string) => ({ folders: [{ name: "w", root: "/w", prefix: "", dbPath }] }) as unknown as Codebase;
    assert.equal(auditLogFor(codebase("/w/.groundwork/index"), silentLogger).file, path.join("/w", ".groundwork", "audit.jsonl"));
    assert.equal(auditLogFor(codebase("/data/idx"), silentLogger).file, path.join("/data", "audit.jsonl"));
    // Not a local folder named after the URL ("s3:/bucket/team").
    assert.equal(auditLogFor(codebase("s3://bucket/team/index"), silentLogger).file, path.join("/w", ".groundwork", "audit.jsonl"));
  });
});
