// The index lives in generations named by its fingerprint: a change builds a new one beside the
// old, which answers until the new one is complete; opening never deletes anything.
import assert from "node:assert/strict";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { BuiltinEmbedder } from "../../src/core/embed/builtin";
import { toRow } from "../../src/core/index/rows";
import { IndexStore } from "../../src/core/store/store";
import type { Logger } from "../../src/core/util/host";
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
