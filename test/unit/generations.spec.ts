// The index lives in generations named by its fingerprint: a change builds a new one beside the
// old, which answers until the new one is complete; opening never deletes anything.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { BuiltinEmbedder } from "../../src/core/embed/builtin";
import { toRow } from "../../src/core/index/rows";
import { DAMAGE_MARKER, isIndexDamage, SUSPECT_MARKER } from "../../src/core/store/damage";
import { IndexStore } from "../../src/core/store/store";
import { errorMessage, type Logger } from "../../src/core/util/host";
import { sha256Hex } from "../../src/core/util/hash";
import { generations, TestIndex } from "../helpers/index";
import { copyTree, POLYGLOT, removeTree, tempDir } from "../helpers/workspace";

/** Queries and the file each must find first, whatever generation answers. */
const KNOWN: Array<[string, string]> = [
  ["bounded queue offer item", "lib/Queue.java"],
  ["retry policy backoff delay", "lib/retry.py"],
  ["buffer append reserve", "lib/buffer.c"],
];

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (message: string) => lines.push(`${level}: ${message}`);
  return { lines, trace: push("trace"), debug: push("debug"), info: push("info"), warn: push("warn"), error: push("error") };
}

describe("index generations", () => {
  let root: string;
  let dbs: string;

  before(() => {
    root = tempDir("gw-gen-");
    dbs = tempDir("gw-gen-db-");
    copyTree(POLYGLOT, root);
  });

  after(() => {
    removeTree(root);
    removeTree(dbs);
  });

  it("builds a new generation when the fingerprint changes; the old one answers until the new one is complete", async () => {
    const dbPath = path.join(dbs, "switch");
    const first = await TestIndex.open({ root, dbPath, embedder: new BuiltinEmbedder({ dims: 64 }) });
    await first.run();
    await first.maintenanceIdle();
    first.close();
    assert.equal(generations(dbPath).length, 1);

    const logger = recordingLogger();
    const second = await TestIndex.open({ root, dbPath, embedder: new BuiltinEmbedder({ dims: 96 }), logger });
    try {
      // Opened only: the old generation answers, by keywords (its vectors are another embedder's).
      assert.equal((await second.status()).generation?.searches, "keywords only");
      for (const [query, file] of KNOWN) assert.equal((await second.search(query, { limit: 3 }))[0]?.path, file, query);
      assert.deepEqual(await second.search("bounded queue", { mode: "vector" }), []);

      // A rebuild cut short: the new generation holds some files, the old answers for the rest.
      const abort = new AbortController();
      const cut = await second.run({ signal: abort.signal, onProgress: (p) => p.filesDone >= 4 && abort.abort() });
      assert.equal(cut.cancelled, true);
      assert.match(logger.lines.join("\n"), /Rebuilding the index of .* \(the embedder changed\); the current index answers until the new one is complete/);
      assert.equal(generations(dbPath).length, 2);
      const rebuilding = (await second.status()).rebuilding;
      assert.ok(rebuilding && rebuilding.filesDone >= 4 && rebuilding.filesDone < 20, JSON.stringify(rebuilding));
      for (const [query, file] of KNOWN) {
        const hits = await second.search(query, { limit: 10 });
        assert.equal(hits[0]?.path, file, query);
        const places = hits.map((h) => `${h.path}:${h.startLine}`);
        assert.equal(new Set(places).size, places.length, `${query}: a file answered twice`);
      }

      // Complete: the new generation answers alone, with its vectors, and the old one is deleted.
      const done = await second.run();
      assert.equal(done.cancelled, false);
      await second.maintenanceIdle();
      const status = await second.status();
      assert.equal(status.generation?.searches, "hybrid");
      assert.equal(status.rebuilding, undefined);
      assert.equal(generations(dbPath).length, 1);
      assert.equal((await second.search("bounded queue offer item", { mode: "vector", limit: 1 }))[0]?.path, "lib/Queue.java");
      assert.equal((await second.store()).identity.dims, 96);
    } finally {
      second.close();
    }
  });

  it("opening writes nothing: no folder, no tables, no lock for an index that is not there yet", async () => {
    const dbPath = path.join(dbs, "fresh", "index");
    const index = await TestIndex.open({ root, dbPath });
    try {
      assert.deepEqual(await index.search("bounded queue"), []);
      assert.equal((await index.status()).chunks, 0);
      assert.ok(!existsSync(dbPath), "nothing created by opening and searching");
      await index.run();
      assert.equal(generations(dbPath).length, 1, "the first run creates it (under the lock)");
    } finally {
      index.close();
    }
  });

  it("keeps using a generation as long as its fingerprint holds: reopening writes into it", async () => {
    const dbPath = path.join(dbs, "same");
    const first = await TestIndex.open({ root, dbPath });
    await first.run();
    first.close();
    const again = await TestIndex.open({ root, dbPath });
    try {
      const result = await again.run();
      assert.equal(result.filesIndexed, 0);
      assert.equal(result.filesUnchanged, 14);
      assert.equal(generations(dbPath).length, 1);
    } finally {
      again.close();
    }
  });

  it("never deletes on open: a damaged generation is left as it is, and the next run rebuilds it under the lock", async () => {
    const dbPath = path.join(dbs, "damaged");
    const first = await TestIndex.open({ root, dbPath });
    await first.run();
    await first.maintenanceIdle();
    first.close();
    const [generation] = generations(dbPath);
    const versions = path.join(dbPath, generation, "chunks.lance", "_versions");
    for (const name of readdirSync(versions)) writeFileSync(path.join(versions, name), "garbage");
    const before = readdirSync(path.join(dbPath, generation), { recursive: true }).sort();

    const logger = recordingLogger();
    const reopened = await TestIndex.open({ root, dbPath, logger });
    try {
      assert.match(logger.lines.join("\n"), /warn: The index at .* could not be read .* It is left as it is and will be rebuilt by the next index run/);
      assert.deepEqual(readdirSync(path.join(dbPath, generation), { recursive: true }).sort(), before, "nothing deleted or rewritten on open");
      assert.deepEqual(await reopened.search("bounded queue"), []);
      const result = await reopened.run();
      assert.equal(result.filesIndexed, 14);
      assert.match(logger.lines.join("\n"), /warn: Rebuilding the index generation at .*: .*sufficient data/);
      assert.equal((await reopened.search("bounded queue offer item", { limit: 1 }))[0]?.path, "lib/Queue.java");
    } finally {
      reopened.close();
    }
  });

  it("a data file damaged after indexing: a search says so in words, and the next run reads the index, finds the damage and builds it again", async () => {
    const dbPath = path.join(dbs, "damaged-data");
    const logger = recordingLogger();
    const index = await TestIndex.open({ root, dbPath, logger });
    try {
      await index.run();
      await index.maintenanceIdle();
      const [generation] = generations(dbPath);
      const data = path.join(dbPath, generation, "chunks.lance", "data");
      for (const name of readdirSync(data)) writeFileSync(path.join(data, name), "garbage");
      await assert.rejects(index.search("bounded queue offer item"), (error: Error) =>
        error.name === "IndexDamagedError" && /could not be read: its files look damaged \(.*failed to fill whole buffer.*\)\. The next index run checks them/.test(error.message));
      const suspect = path.join(dbPath, generation, SUSPECT_MARKER);
      for (let i = 0; i < 50 && !existsSync(suspect); i++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.ok(existsSync(suspect), "the search left a note for the next run");
      const rebuilt = await index.run();
      assert.equal(rebuilt.filesIndexed, 14);
      assert.match(logger.lines.join("\n"), /warn: Rebuilding the index generation at .*failed to fill whole buffer/);
      assert.doesNotMatch(logger.lines.join("\n"), /chunker changed/);
      assert.equal((await index.search("bounded queue offer item", { limit: 1 }))[0]?.path, "lib/Queue.java");
      // A note with nothing behind it (what a reader met was a version deleted under it): checked, kept, the note gone.
      writeFileSync(path.join(dbPath, generations(dbPath)[0], SUSPECT_MARKER), "a reader's error\n");
      assert.equal((await index.run()).filesIndexed, 0);
      assert.ok(!existsSync(path.join(dbPath, generations(dbPath)[0], SUSPECT_MARKER)));
      // Met by a run's own writes (under the writer lock): marked, and the next run builds it again.
      const again = path.join(dbPath, generations(dbPath)[0], "chunks.lance", "data");
      for (const name of readdirSync(again)) writeFileSync(path.join(again, name), "garbage");
      const edited = path.join(root, "lib", "Queue.java");
      const queue = readFileSync(edited, "utf8");
      writeFileSync(edited, `${queue}\n// edited\n`);
      try {
        await assert.rejects(index.run(), /is damaged \(.*\); the next index run builds it again/);
      } finally {
        writeFileSync(edited, queue);
      }
      assert.ok(existsSync(path.join(dbPath, generations(dbPath)[0], DAMAGE_MARKER)));
      assert.equal((await index.run()).filesIndexed, 14);
      // Found damaged by another process (marked): readers here leave it; the next run builds it again.
      writeFileSync(path.join(dbPath, generations(dbPath)[0], DAMAGE_MARKER), "failed to fill whole buffer\n");
    } finally {
      index.close();
    }
    const reopened = await TestIndex.open({ root, dbPath, logger });
    try {
      assert.match(logger.lines.join("\n"), /could not be read \(corrupt: found damaged while it was maintained/);
      assert.equal((await reopened.run()).filesIndexed, 14);
      assert.equal((await reopened.search("bounded queue offer item", { limit: 1 }))[0]?.path, "lib/Queue.java");
    } finally {
      reopened.close();
    }
  });

  it("counts as damage only what LanceDB says of its files, and drops the Rust source line from messages", () => {
    assert.equal(isIndexDamage(new Error("Failed to get next batch from stream: lance error: LanceError(IO): failed to fill whole buffer, /rustc/abc/library/core/src/ops/function.rs:250:5")), true);
    assert.equal(isIndexDamage(new Error("request to the embedding server failed: unexpected EOF")), false, "another party's words");
    assert.equal(isIndexDamage(new Error("lance error: Invalid user input: bad filter")), false);
    assert.equal(errorMessage(new Error("lance error: not found: x, /usr/local/cargo/registry/src/lance-table-8.0.0/src/io/commit.rs:646:26 more")), "lance error: not found: x more");
    for (const message of ["Invalid input, rust/lance/src/dataset.rs:505:29", "see https://x.org/a.rs:1:2", "cannot read crates/core/src/lib.rs:10:4 (EACCES)"]) {
      assert.equal(errorMessage(new Error(message)), message);
    }
  });

  it("an index from before generations answers by keywords until the new one is complete, then goes", async () => {
    const dbPath = path.join(dbs, "legacy");
    const embedder = new BuiltinEmbedder({ dims: 32 });
    // Tables at the index folder's root, with no fingerprint: what the previous version wrote.
    const legacy = await IndexStore.create(dbPath, { fingerprint: "", query: "", embedder: "", dims: 32, createdAt: 0 });
    const text = "def legacy_marker_function():\n    return 'old index'";
    const chunk = { path: "lib/old.py", language: "python", symbol: "legacy_marker_function", kind: "function" as const, scope: "", startLine: 1, endLine: 2, text, header: "lib/old.py > legacy_marker_function", signature: "def legacy_marker_function():", contentHash: sha256Hex(text) };
    await legacy.write([{ record: { path: "lib/old.py", size: 1, mtimeMs: 1, hash: "x", status: "indexed", reason: "", language: "python", chunkCount: 1, indexedAt: 0 }, chunks: [toRow(chunk, embedder.embedSync(text))] }]);
    await legacy.buildTextIndex();
    await legacy.setMeta("lastUpdated", new Date().toISOString());
    legacy.close();

    const index = await TestIndex.open({ root, dbPath });
    try {
      assert.equal((await index.status()).generation?.searches, "keywords only");
      assert.equal((await index.search("legacy marker function", { limit: 1 }))[0]?.path, "lib/old.py");
      await index.run();
      await index.maintenanceIdle();
      assert.deepEqual(readdirSync(dbPath).filter((name) => name.endsWith(".lance")), [], "the old tables are deleted once the new generation is complete");
      assert.equal(generations(dbPath).length, 1);
      assert.ok(!(await index.search("legacy marker function", { limit: 3 })).some((h) => h.path === "lib/old.py"));
    } finally {
      index.close();
    }
  });
});
