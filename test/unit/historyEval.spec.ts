import assert from "node:assert/strict";
import { execFile, execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { ripgrepAvailable } from "../../src/core/eval/grepBaseline";
import { runHistoryEval } from "../../src/core/eval/historyEval";
import { cleanMessage, historyQueries } from "../../src/core/eval/historyQueries";
import { CLI, removeTree, tempDir, writeTree } from "../helpers/workspace";

const run = promisify(execFile);

const LIMIT = [
  "package body",
  "",
  "func MaxBytesReader(r Reader, n int64) Reader {",
  "\treturn &maxBytesReader{r: r, remaining: n}",
  "}",
  "",
  "func (m *maxBytesReader) Read(p []byte) (int, error) {",
  "\tif m.remaining <= 0 { return 0, errTooLarge }",
  "\tm.remaining -= int64(len(p))",
  "\treturn m.r.Read(p)",
  "}",
  "",
].join("\n");
const ROUTER = [
  "package router",
  "",
  "func matchPattern(pattern, path string) bool {",
  "\tpath = strings.TrimSuffix(path, \"/\")",
  "\treturn segmentsEqual(splitSegments(pattern), splitSegments(path))",
  "}",
  "",
].join("\n");
const CACHE = [
  "package cache",
  "",
  "func (c *lru) Put(key string, value any) {",
  "\tif c.entries.Len() >= c.capacity { c.evictOldest() }",
  "\tc.entries.PushFront(&entry{key, value})",
  "}",
  "",
  "func (c *lru) evictOldest() { c.entries.Remove(c.entries.Back()) }",
  "",
].join("\n");

describe("retrieval measured on a repository's history (eval --history)", () => {
  let dir: string;
  let repo: string;

  const commit = (message: string, files: Record<string, string | null>): void => {
    for (const [file, text] of Object.entries(files)) {
      if (text === null) rmSync(path.join(repo, file));
      else writeTree(repo, { [file]: text });
    }
    execFileSync("git", ["-C", repo, "add", "-A"]);
    execFileSync("git", ["-C", repo, "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "commit", "-q", "-m", message]);
  };

  before(() => {
    dir = tempDir("gw-history-");
    repo = path.join(dir, "repo");
    execFileSync("git", ["init", "-q", "-b", "main", repo]);
    commit("Initial import of the body, router, cache and legacy packages", {
      "body/limit.go": "package body\n", "router/match.go": "package router\n", "cache/lru.go": "package cache\n", "legacy/old.go": "package legacy\n",
      "body/limit_test.go": "package body\n\nfunc TestLimit(t *T) { MaxBytesReader(nil, 4) }\n",
      "CHANGELOG.md": "# Changes\n", "docs/guide.md": "# Guide\n",
    });
    commit("fix(body): limit the request body size with MaxBytesReader (#41)\n\nReads past the limit fail with an error.\n\nSigned-off-by: Dev <dev@example.com>", {
      "body/limit.go": LIMIT,
      "body/limit_test.go": "package body\n\n// the request body size limit\nfunc TestMaxBytesReader(t *T) { MaxBytesReader(nil, 4) }\n",
      "CHANGELOG.md": "# Changes\n\n- limit the request body size with MaxBytesReader (#41)\n",
    });
    commit("Docs: explain how routes are matched", { "docs/guide.md": "# Guide\n\nRoutes match their patterns segment by segment.\n" });
    commit("router: match trailing slashes in route patterns", { "router/match.go": ROUTER });
    commit("evict the oldest entry when the cache is full", { "cache/lru.go": CACHE });
    commit("legacy: rework the old reader", { "legacy/old.go": "package legacy\n\nfunc oldReader() {}\n" });
    commit("Remove the legacy package entirely", { "legacy/old.go": null });
    commit("fix typo", { "cache/lru.go": CACHE.replace("evictOldest()", "evictOldest() ") });
    commit('Revert "fix typo"\n\nThis reverts the previous commit.', { "cache/lru.go": CACHE });
    commit("evict the oldest entry when the cache is full", { "cache/lru.go": CACHE + "\n" });
  });
  after(() => removeTree(dir));

  it("cleans commit messages of PR numbers, conventional prefixes, tags and trailers", () => {
    assert.equal(cleanMessage("fix(core)!: drop the body (closes #12)", "Fixes axios/axios#55 and GH-7.\n\nSigned-off-by: x"), "drop the body and .");
    assert.equal(cleanMessage("[skip ci] Bump the parser", "Co-authored-by: a <a@b>\nSee https://example.com/x/1 for more"), "Bump the parser See for more");
    assert.equal(cleanMessage("Add cobra unique args validator (#2397)", ""), "Add cobra unique args validator");
  });

  it("takes commits that changed 1-3 existing source files, newest first, and says why it left the others out", async () => {
    const selection = await historyQueries(repo, 10);
    assert.deepEqual(selection.queries.map((q) => [q.query, q.targets]), [
      ["evict the oldest entry when the cache is full", ["cache/lru.go"]],
      ["match trailing slashes in route patterns", ["router/match.go"]],
      ["limit the request body size with MaxBytesReader Reads past the limit fail with an error.", ["body/limit.go"]],
    ]);
    assert.deepEqual(selection.skipped, {
      "no source file": 1, "more than 3 source files": 1, "file gone since": 2, "message too short": 1, "duplicate message": 1, revert: 1,
    });
    assert.equal(selection.commits, 10);
    assert.equal((await historyQueries(repo, 2)).queries.length, 2, "--max-queries bounds the queries");
  });

  it("ranks each commit's files from an index of HEAD, per configuration, beside ripgrep", async () => {
    const report = await runHistoryEval({ repo, workDir: path.join(dir, "work") });
    const head = execFileSync("git", ["-C", repo, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
    assert.equal(report.head, head);
    assert.equal(report.queries.length, 3);
    const hybrid = report.rows.find((row) => row.config === "hybrid")!;
    assert.deepEqual(hybrid.ranks, [1, 1, 1], "each commit's file comes first");
    assert.equal(hybrid.file.mrr10, 1);
    assert.deepEqual(report.rows.slice(0, 3).map((row) => row.config), ["vector", "text", "hybrid"]);
    if (ripgrepAvailable()) {
      const grep = report.rows.find((row) => row.config === "ripgrep keywords")!;
      assert.equal(grep.ranks.length, 3);
      assert.ok(grep.ranks.every((rank) => rank >= 0 && rank <= 10));
    } else {
      assert.match(report.notes.join("\n"), /rg is not installed/);
    }
  });

  it("runs from the CLI and refuses a folder that is not a git repository", async () => {
    const { stdout } = await run(process.execPath, [CLI, "eval", "--history", repo, "--max-queries", "2", "--no-grep"]);
    assert.match(stdout, /2 queries from the newest \d+ commits/);
    assert.match(stdout, /^hybrid\s+\| 1\.000/m);
    await assert.rejects(run(process.execPath, [CLI, "eval", "--history", dir]), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr, /has no \.git/);
      return true;
    });
  });
});

describe("eval --history on a commit whose file the index does not hold", () => {
  it("leaves that query out and says so, rather than counting it as a miss of every row", async () => {
    const dir = tempDir("gw-history-unindexed-");
    const repo = path.join(dir, "repo");
    try {
      execFileSync("git", ["init", "-q", "-b", "main", repo]);
      const commit = (message: string, files: Record<string, string>): void => {
        writeTree(repo, files);
        execFileSync("git", ["-C", repo, "add", "-A"]);
        execFileSync("git", ["-C", repo, "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "commit", "-q", "-m", message]);
      };
      commit("init", { "body/limit.go": "package body\n" });
      commit("fix(body): limit the request body size with MaxBytesReader", { "body/limit.go": LIMIT });
      commit("regenerate the deep copy functions of the API types", { "api/zz_generated.go": "// Code generated by controller-gen. DO NOT EDIT.\n\npackage api\n\nfunc (in *Widget) DeepCopy() *Widget { return in }\n" });
      const report = await runHistoryEval({ repo, workDir: path.join(dir, "work"), noGrep: true });
      assert.deepEqual(report.queries.map((query) => query.targets), [["body/limit.go"]]);
      assert.deepEqual(report.rows.find((row) => row.config === "hybrid")?.ranks, [1]);
      assert.match(report.notes.join("\n"), /1 of 2 queries left out: the files they changed are not indexed/);
    } finally {
      removeTree(dir);
    }
  });
});

describe("eval interrupted", () => {
  it("removes its scratch folder (a checkout and an index) when Ctrl-C ends it", async () => {
    const dir = tempDir("gw-history-int-");
    const repo = path.join(dir, "repo");
    try {
      execFileSync("git", ["init", "-q", "-b", "main", repo]);
      for (const [text, message] of [["package body\n", "init"], [LIMIT, "limit the request body size"]]) {
        writeTree(repo, { "body/limit.go": text });
        execFileSync("git", ["-C", repo, "add", "-A"]);
        execFileSync("git", ["-C", repo, "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "commit", "-q", "-m", message]);
      }
      const scratches = (): string[] => readdirSync(os.tmpdir()).filter((name) => /^groundwork-eval-\d+$/.test(name)).map((name) => path.join(os.tmpdir(), name));
      const before = new Set(scratches());
      const child = spawn(process.execPath, [CLI, "eval", "--history", repo, "--no-grep"], { stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr!.on("data", (data) => (stderr += data));
      const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      // Named by the process that evaluates (the CLI may run the command in a child of its own).
      let scratch: string | undefined;
      for (const deadline = Date.now() + 20_000; !scratch && Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 20))) scratch = scratches().find((dir) => !before.has(dir));
      assert.ok(scratch, "the eval made its scratch folder");
      child.kill("SIGINT");
      assert.equal(await exit, 130, stderr);
      assert.ok(!existsSync(scratch), `${scratch} is left behind`);
    } finally {
      removeTree(dir);
    }
  });
});
