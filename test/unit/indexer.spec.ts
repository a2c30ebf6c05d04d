import assert from "node:assert/strict";
import { renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { Chunker } from "../../src/core/chunk/chunker";
import { BuiltinEmbedder } from "../../src/core/embed/builtin";
import type { EmbedInput, Embedder } from "../../src/core/embed/embedder";
import { Indexer } from "../../src/core/index/indexer";
import { InProcessStages } from "../../src/core/index/stages";
import { IndexStore } from "../../src/core/store/store";
import { TestIndex } from "../helpers/index";
import { copyTree, POLYGLOT, removeTree, tempDir, writeTree } from "../helpers/workspace";

/** The builtin embedder, counting the texts it is asked to embed. */
class CountingEmbedder implements Embedder {
  readonly inner = new BuiltinEmbedder();
  readonly id = this.inner.id;
  readonly dims = this.inner.dims;
  readonly fingerprint = this.inner.fingerprint;
  embedded: string[] = [];
  async embedDocuments(docs: readonly EmbedInput[]): Promise<Float32Array[]> {
    this.embedded.push(...docs.map((doc) => doc.text));
    return this.inner.embedDocuments(docs);
  }
  embedQuery(text: string): Promise<Float32Array> {
    return this.inner.embedQuery(text);
  }
}

async function snapshot(index: TestIndex): Promise<string[]> {
  return (await index.store()).chunkIds();
}

describe("indexer (real files, grammars and LanceDB)", () => {
  let root: string;
  let dbDir: string;
  let embedder: CountingEmbedder;
  let index: TestIndex;

  before(async () => {
    root = tempDir("gw-ws-");
    dbDir = tempDir("gw-db-");
    copyTree(POLYGLOT, root);
    writeTree(root, { ".env": "TOKEN=secret\n", "node_modules/x/index.js": "module.exports = 1;\n", "blob.dat": "\0\0\0" });
    embedder = new CountingEmbedder();
    index = await TestIndex.open({ root, dbPath: path.join(dbDir, "index"), embedder });
  });

  after(() => {
    index.close();
    removeTree(root);
    removeTree(dbDir);
  });

  it("indexes the workspace, recording every skipped file with its reason", async () => {
    const progress: number[] = [];
    const result = await index.run({ onProgress: (p) => p.phase === "indexing" && progress.push(p.filesDone) });
    assert.equal(result.filesIndexed, 14);
    assert.equal(result.totalChunks, embedder.embedded.length);
    assert.deepEqual(progress, [...progress].sort((a, b) => a - b), "progress only moves forward");
    const status = await index.status();
    assert.equal(status.filesIndexed, 14);
    const reasons = Object.fromEntries(status.skipped.map((r) => [r.path, r.reason]));
    assert.match(reasons[".env"], /secrets/);
    assert.match(reasons["node_modules/"], /default excludes/);
    assert.match(reasons["blob.dat"], /binary/);
    const hits = await index.search("bounded queue offer item", { limit: 3 });
    assert.equal(hits[0].path, "lib/Queue.java");
  });

  it("does not re-parse or re-embed unchanged files, even when touched", async () => {
    embedder.embedded = [];
    const again = await index.run();
    assert.equal(again.filesIndexed, 0);
    assert.equal(again.filesUnchanged, 14);
    const future = new Date(Date.now() + 60_000);
    utimesSync(path.join(root, "lib/retry.py"), future, future);
    const touched = await index.run();
    assert.equal(touched.filesIndexed, 0);
    assert.equal(embedder.embedded.length, 0);
  });

  it("re-embeds only the chunks of a changed file", async () => {
    embedder.embedded = [];
    writeFileSync(path.join(root, "lib/retry.py"), "def jitter(delay):\n    return delay * 1.5\n");
    const result = await index.run();
    assert.equal(result.filesIndexed, 1);
    assert.equal(embedder.embedded.length, 1);
    assert.match(embedder.embedded[0], /def jitter/);
    const chunks = await (await index.store()).chunksOf("lib/retry.py");
    assert.deepEqual(chunks.map((c) => c.symbol), ["jitter"]);
  });

  it("removes deleted files and follows renames", async () => {
    const before = await (await index.store()).chunksOf("lib/server.go");
    renameSync(path.join(root, "lib/server.go"), path.join(root, "lib/http_server.go"));
    rmSync(path.join(root, "docs/notes.txt"));
    const result = await index.run();
    assert.equal(result.filesRemoved, 2);
    assert.equal((await (await index.store()).chunksOf("lib/server.go")).length, 0);
    assert.equal((await (await index.store()).chunksOf("docs/notes.txt")).length, 0);
    const after = await (await index.store()).chunksOf("lib/http_server.go");
    assert.deepEqual(after.map((c) => c.text), before.map((c) => c.text));
    assert.ok(!(await (await index.store()).fileRecords()).has("lib/server.go"));
  });

  it("updates single paths from a file watcher: created, changed, deleted, newly ignored", async () => {
    writeTree(root, { "lib/fresh.py": "def brand_new_helper():\n    return 42\n" });
    writeFileSync(path.join(root, "src/cache.js"), "function replaced() { return 1; }\n");
    rmSync(path.join(root, "lib/Router.php"));
    writeTree(root, { "debug.log": "noise\n", ".groundworkignore": "*.log\n" });
    const result = await index.update(["lib/fresh.py", "src/cache.js", "lib/Router.php", "debug.log", ".groundworkignore"]);
    assert.equal(result.filesIndexed, 3);
    assert.equal(result.filesRemoved, 1);
    assert.equal((await index.search("brand new helper", { limit: 1 }))[0].path, "lib/fresh.py");
    assert.deepEqual((await (await index.store()).chunksOf("src/cache.js")).map((c) => c.symbol), ["replaced"]);
    assert.match((await (await index.store()).fileRecords()).get("debug.log")?.reason ?? "", /\.groundworkignore/);
  });

  it("handles whole folders from a file watcher: deleted, created, and files inside ignored folders", async () => {
    writeTree(root, { "pkg/a.py": "def alpha_one():\n    pass\n", "pkg/sub/b.py": "def beta_two():\n    pass\n" });
    const created = await index.update(["pkg"]);
    assert.equal(created.filesIndexed, 2);
    assert.equal((await index.search("beta two", { limit: 1 }))[0].path, "pkg/sub/b.py");
    rmSync(path.join(root, "pkg"), { recursive: true });
    const deleted = await index.update(["pkg"]);
    assert.equal(deleted.filesRemoved, 2);
    assert.ok(![...(await (await index.store()).fileRecords()).keys()].some((p) => p.startsWith("pkg/")));
    writeTree(root, { "node_modules/x/more.js": "module.exports = 2;\n" });
    await index.update(["node_modules/x/more.js"]);
    const records = [...(await (await index.store()).fileRecords()).keys()];
    assert.ok(records.includes("node_modules/") && !records.some((p) => p.startsWith("node_modules/x")));
  });

  it("matches a clean build of the same tree after all those changes", async () => {
    const cleanDb = tempDir("gw-clean-");
    const clean = await TestIndex.open({ root, dbPath: path.join(cleanDb, "index") });
    await clean.run();
    assert.deepEqual(await snapshot(index), await snapshot(clean));
    clean.close();
    removeTree(cleanDb);
  });

  it("stops when cancelled, keeps what it wrote, and finishes on the next run", async () => {
    const dbPath = path.join(tempDir("gw-cancel-"), "index");
    const partial = await TestIndex.open({ root, dbPath, embedder: new BuiltinEmbedder() });
    const abort = new AbortController();
    const result = await partial.run({ signal: abort.signal, onProgress: (p) => p.filesDone >= 3 && abort.abort() });
    assert.equal(result.cancelled, true);
    assert.ok(result.filesIndexed < 14);
    const resumed = await partial.run();
    assert.equal(resumed.cancelled, false);
    assert.equal(resumed.filesIndexed + resumed.filesUnchanged, (await partial.status()).filesIndexed);
    assert.deepEqual(await snapshot(partial), await snapshot(index));
    partial.close();
    removeTree(path.dirname(dbPath));
  });

  it("writes in small batches with the same result", async () => {
    const dbPath = path.join(tempDir("gw-batch-"), "index");
    const batched = await TestIndex.open({ root, dbPath, batchChunks: 2 });
    await batched.run();
    assert.deepEqual(await snapshot(batched), await snapshot(index));
    batched.close();
    removeTree(path.dirname(dbPath));
  });
});

describe("full-text index on a large index", () => {
  it("finds an updated file at once, flat, without rebuilding the index; compaction folds it in", async () => {
    const root = tempDir("gw-fts-");
    copyTree(POLYGLOT, root);
    // A threshold of 0 makes this small index behave like one above the synchronous-rebuild size.
    const index = await TestIndex.open({ root, dbPath: path.join(root, ".gw"), syncTextIndexMaxRows: 0, vectorIndexMinRows: Infinity });
    try {
      await index.run();
      const before = (await (await index.store()).textIndexCoverage())!;
      assert.equal(before.unindexed, 0, "the first run builds the index");
      writeFileSync(path.join(root, "lib", "nebula.py"), "def nebula_quasar_drift(speed):\n    return speed * 2\n");
      await index.update(["lib/nebula.py"]);
      const after = (await (await index.store()).textIndexCoverage())!;
      assert.ok(after.unindexed > 0, "not rebuilt after a small update");
      assert.equal(after.indexed, before.indexed);
      const hits = await index.search("nebula quasar drift", { mode: "text" });
      assert.equal(hits[0]?.path, "lib/nebula.py");
      await (await index.store()).compact();
      assert.equal((await (await index.store()).textIndexCoverage())!.unindexed, 0);
      assert.equal((await index.search("nebula quasar drift", { mode: "text" }))[0]?.path, "lib/nebula.py");
    } finally {
      index.close();
      removeTree(root);
    }
  });
});

describe("an index inside its workspace", () => {
  it("never indexes its own files", async () => {
    const root = tempDir("gw-self-");
    copyTree(POLYGLOT, root);
    const index = await TestIndex.open({ root, dbPath: path.join(root, "idx") });
    try {
      await index.run();
      await index.run();
      const records = await (await index.store()).fileRecords();
      assert.ok(records.size > 10);
      assert.deepEqual([...records.keys()].filter((p) => p.startsWith("idx/") && p !== "idx/"), [], "nothing inside the index folder");
      assert.equal(records.get("idx/")?.status ?? "skipped", "skipped");
    } finally {
      index.close();
      removeTree(root);
    }
  });
});

describe("the indexer's stages after a run", () => {
  it("are released once a full run's files are done, before the full-text index is built; not after an update", async () => {
    const root = tempDir("gw-ws-");
    const dbPath = path.join(tempDir("gw-db-"), "index");
    copyTree(POLYGLOT, root);
    const embedder = new BuiltinEmbedder();
    const store = await IndexStore.create(dbPath, { fingerprint: "test", query: "test", embedder: embedder.fingerprint, dims: embedder.dims, createdAt: 1 });
    try {
      const order: string[] = [];
      const stages = Object.assign(new InProcessStages(new Chunker()), { release: () => void order.push("release") });
      const buildTextIndex = store.buildTextIndex.bind(store);
      store.buildTextIndex = () => (order.push("text index"), buildTextIndex());
      const indexer = new Indexer({ root, store, embedder, stages });
      assert.ok((await indexer.run()).filesIndexed > 0);
      assert.deepEqual(order, ["release", "text index"]);
      writeFileSync(path.join(root, "lib/retry.py"), "def jitter(delay):\n    return delay * 1.5\n");
      assert.equal((await indexer.update(["lib/retry.py"])).filesIndexed, 1);
      assert.deepEqual(order, ["release", "text index", "text index"], "a file saved keeps the workers it will use again");
    } finally {
      store.close();
      removeTree(root);
      removeTree(path.dirname(dbPath));
    }
  });
});
