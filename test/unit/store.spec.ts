import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { BuiltinEmbedder } from "../../src/core/embed/builtin";
import type { Chunk } from "../../src/core/chunk/types";
import { toRow } from "../../src/core/index/rows";
import type { ChunkRow, FileRecord } from "../../src/core/store/schema";
import type { FileUpdate, SourceReader } from "../../src/core/store/store";
import { IndexStore, StoreUnreadableError } from "../../src/core/store/store";
import { withReadAhead } from "../../src/core/store/lance";
import { sha256Hex } from "../../src/core/util/hash";
import { sourceReader } from "../../src/core/codebase/sourceReader";
import { maintainStore } from "../../src/core/codebase/generations";
import { silentLogger } from "../../src/core/util/host";
import { removeTree, tempDir } from "../helpers/workspace";

const embedder = new BuiltinEmbedder({ dims: 64 });
const identity = { fingerprint: "test", query: "test", embedder: embedder.fingerprint, dims: embedder.dims, createdAt: 1 };
const dirs: string[] = [];
after(() => dirs.forEach(removeTree));

function newDbPath(): string {
  const dir = tempDir("gw-store-");
  dirs.push(dir);
  return path.join(dir, "index");
}

function chunk(filePath: string, symbol: string, startLine: number, text: string): ChunkRow {
  const c: Chunk = {
    path: filePath, language: "python", symbol, kind: "function", scope: "", startLine, endLine: startLine + 1,
    text, header: `${filePath} > def ${symbol}()`, signature: `def ${symbol}()`, contentHash: sha256Hex(text),
  };
  return toRow(c, embedder.embedSync(text, symbol));
}

function record(filePath: string, chunkCount: number): FileRecord {
  return { path: filePath, size: 1234, mtimeMs: 1_700_000_000_123.5, hash: sha256Hex(filePath), status: "indexed", reason: "", language: "python", chunkCount, indexedAt: 1_700_000_000_999 };
}

/** A file of one chunk, `def <symbol>(): pass`, as a write's update. */
function oneChunkFile(filePath: string, symbol: string): FileUpdate {
  return { record: record(filePath, 1), chunks: [chunk(filePath, symbol, 1, `def ${symbol}(): pass`)] };
}

describe("index store (real LanceDB on disk)", () => {
  it("creates a new index, stores chunks and finds them by vector and by text", async () => {
    const dbPath = newDbPath();
    assert.equal(await IndexStore.open(dbPath), undefined, "no index there yet");
    const store = await IndexStore.create(dbPath, identity);
    await store.write([
      { record: record("a.py", 2), chunks: [chunk("a.py", "parse_url", 1, "def parse_url(u): return urlsplit(u)"), chunk("a.py", "render", 4, "def render(page): return html(page)")] },
      { record: record("b.py", 1), chunks: [chunk("b.py", "connect_database", 1, "def connect_database(dsn): return pool(dsn)")] },
    ]);
    await store.buildTextIndex();
    assert.equal(await store.countChunks(), 3);
    assert.equal(await store.countFiles("indexed"), 2);
    assert.equal(await store.countFiles("skipped"), 0);
    assert.deepEqual((await store.fileRecords()).get("a.py"), record("a.py", 2), "every field of a file record reads back as written");
    const refs = await store.vectorSearch(embedder.embedSync("parse url"), 2);
    assert.ok(refs[0].score > refs[1].score, "cosine similarity, best first");
    const byVector = await store.chunksAt(refs);
    assert.equal(byVector[0].symbol, "parse_url");
    const byText = await store.chunksAt(await store.textSearch("database", 5));
    assert.deepEqual(byText.map((hit) => hit.symbol), ["connect_database"]);
    assert.match(byText[0].text, /def connect_database/);
    store.close();
  });

  it("answers a vector search deeper than the ANN index's search breadth", async () => {
    const store = await IndexStore.create(newDbPath(), identity);
    const chunks = Array.from({ length: 300 }, (_, i) => chunk("many.py", `handler_${i}`, i * 3 + 1, `def handler_${i}(event): return route_${i % 17}(event)`));
    await store.write([{ record: record("many.py", chunks.length), chunks }]);
    await store.buildVectorIndex();
    assert.ok(await store.vectorIndexCoverage());
    // Deeper than the partitions it probes hold on average, and (with HNSW) than its breadth: a deeper search used to fail with "ef must be >= k".
    const refs = await store.vectorSearch(embedder.embedSync("route event"), 250);
    assert.equal(refs.length, 250);
    assert.equal(new Set(refs.map((ref) => ref.id)).size, 250);
    store.close();
  });

  it("rebuilds a vector index of an older kind (HNSW) as the current one when maintained, and searches it", async () => {
    const dbPath = newDbPath();
    const store = await IndexStore.create(dbPath, identity);
    // The builtin embedder ignores digits: names made of letters.
    const name = (i: number): string => `${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}quill`;
    const chunks = Array.from({ length: 400 }, (_, i) => chunk(`m${i % 20}.py`, name(i), i * 3 + 1, `def ${name(i)}(event): return route_${name(i % 17)}(event)`));
    await store.write(Array.from({ length: 20 }, (_, f) => ({ record: record(`m${f}.py`, 20), chunks: chunks.filter((c) => c.path === `m${f}.py`) })));
    // An index as an older Groundwork built it.
    const lance = await import("@lancedb/lancedb");
    const table = await (await lance.connect(dbPath)).openTable("chunks");
    await table.createIndex("vector", { config: lance.Index.hnswSq({ distanceType: "cosine" }) });
    table.close();
    const reopened = (await IndexStore.open(dbPath))!;
    store.close();
    assert.ok(await reopened.vectorIndexCoverage(), "it has a vector index");
    assert.equal(await reopened.vectorIndexCurrent(), false, "of an older kind");
    await maintainStore(reopened, { vectorIndex: true, vectorIndexMinRows: 100, logger: silentLogger });
    assert.equal(await reopened.vectorIndexCurrent(), true);
    assert.deepEqual(await reopened.vectorIndexCoverage(), { indexed: 400, unindexed: 0 });
    const refs = await reopened.vectorSearch(embedder.embedSync(`def ${name(7)}(event): return route_${name(7)}(event)`, name(7)), 5);
    assert.equal(refs[0].symbol, name(7));
    reopened.close();
  });

  it("searches an older generation's full-text fields (raw text its index stems) with the query's words, not its terms", async () => {
    const dbPath = newDbPath();
    const store = await IndexStore.create(dbPath, identity);
    await store.write([oneChunkFile("a.py", "parsing_universal_urls"), oneChunkFile("b.py", "render")]);
    store.close();
    // As an older Groundwork wrote it: no meta row for terms, the code and words as text, indexed with stemming.
    const lance = await import("@lancedb/lancedb");
    const db = await lance.connect(dbPath);
    const [chunks, meta] = [await db.openTable("chunks"), await db.openTable("meta")];
    await meta.delete("key = 'fields'");
    await chunks.update({ where: "path = 'a.py'", values: { fts_text: "def parsing_universal_urls(): pass\nparsing universal urls", fts_name: "parsing_universal_urls a" } });
    await chunks.update({ where: "path = 'b.py'", values: { fts_text: "def render(): pass", fts_name: "render b" } });
    const stemming = { withPosition: false, lowercase: true, stem: true, removeStopWords: true, language: "English" } as const;
    for (const column of ["fts_text", "fts_name"]) await chunks.createIndex(column, { config: lance.Index.fts({ ...stemming }) });
    db.close();
    const older = (await IndexStore.open(dbPath))!;
    // Stemming "parsing" twice ("pars", then "par") and "universal" ("univers", then "univer") would find nothing.
    for (const query of ["parsing", "universal", "Parsing universal"]) assert.deepEqual((await older.textSearch(query, 5)).map((ref) => ref.path), ["a.py"], query);
    older.close();
    const current = await IndexStore.create(newDbPath(), identity);
    await current.write([oneChunkFile("a.py", "parsing_universal_urls"), oneChunkFile("b.py", "render")]);
    await current.buildTextIndex();
    for (const query of ["parsing", "universal", "parses"]) assert.deepEqual((await current.textSearch(query, 5)).map((ref) => ref.path), ["a.py"], query);
    current.close();
  });

  it("drops a search reference whose row changed since the search instead of misreading it", async () => {
    const store = await IndexStore.create(newDbPath(), identity);
    await store.write([{ record: record("a.py", 1), chunks: [chunk("a.py", "alpha", 1, "def alpha(): pass"), chunk("a.py", "beta", 3, "def beta(): pass")] }]);
    const refs = await store.vectorSearch(embedder.embedSync("alpha"), 2);
    assert.equal(refs.length, 2);
    await store.write([{ record: record("a.py", 2), chunks: [chunk("a.py", "gamma", 1, "def gamma(): pass")] }]);
    const read = await store.chunksAt(refs);
    assert.ok(read.every((c) => c.symbol !== "gamma"), "a stale address never yields another chunk");
    store.close();
  });

  it("reads a hit's code from its source file while its lines hash as indexed, else from the store", async () => {
    const store = await IndexStore.create(newDbPath(), identity);
    const alpha = "def alpha():\n    return 1";
    await store.write([{ record: record("a.py", 1), chunks: [chunk("a.py", "alpha", 2, alpha)] }]);
    const refs = await store.vectorSearch(embedder.embedSync("alpha"), 1);
    assert.equal(refs[0].symbol, "alpha");
    assert.equal(refs[0].startLine, 2);
    // Multi-byte characters before the hit's lines: they are found in the file's bytes, not its characters.
    const files: Record<string, string> = { "a.py": `# café → naïve ✓\r\n${alpha.replace("\n", "\r\n")}\r\n` };
    const reads: string[] = [];
    const source = async (p: string): Promise<Buffer | undefined> => {
      reads.push(p);
      return files[p] === undefined ? undefined : Buffer.from(files[p], "utf8");
    };
    // The store's rows are replaced: only the (unchanged) source file can still give alpha's code.
    await store.write([{ record: record("a.py", 2), chunks: [chunk("a.py", "gamma", 1, "def gamma(): pass")] }]);
    const fromSource = await store.chunksAt(refs, source);
    assert.deepEqual(reads, ["a.py"]);
    assert.equal(fromSource[0]?.text, alpha, "CRLF lines give the text the chunker cut");
    const other = await IndexStore.create(newDbPath(), identity);
    await other.write([{ record: record("b.py", 1), chunks: [chunk("b.py", "beta", 1, "def beta():\n    return 2")] }]);
    files["b.py"] = "def beta():\n    return 3\n";
    const [beta] = await other.chunksAt(await other.vectorSearch(embedder.embedSync("beta"), 1), source);
    assert.equal(beta.text, "def beta():\n    return 2", "an edited file's lines don't pass for the indexed code");
    other.close();
    store.close();
  });

  it("moves a hit to where its code is now in a file changed since it was indexed, from its cache and from its rows", async () => {
    const delta = "def delta():\n    return 4";
    const files: Record<string, string> = { "c.py": `import os\n\n${delta}\n` };
    const source = async (p: string): Promise<Buffer | undefined> => (files[p] === undefined ? undefined : Buffer.from(files[p], "utf8"));
    const lines = async (store: IndexStore): Promise<string> => {
      const [hit] = await store.chunksAt(await store.vectorSearch(embedder.embedSync("delta"), 1), source);
      return `${hit.startLine}-${hit.endLine} ${hit.text === delta ? "indexed code" : hit.text}`;
    };
    const store = await IndexStore.create(newDbPath(), identity);
    await store.write([{ record: record("c.py", 1), chunks: [chunk("c.py", "delta", 3, delta)] }]);
    assert.equal(await lines(store), "3-4 indexed code");
    // Five lines added above it (the index has not caught up): the cached chunk moves with its code.
    files["c.py"] = `import os\nimport sys\n\n\n# helpers\n\n\n${delta}\n`;
    assert.equal(await lines(store), "8-9 indexed code");
    // Twice in the file: the nearest to where it was indexed.
    files["c.py"] = `${delta}\n${"\n".repeat(20)}${delta}\n`;
    assert.equal(await lines(store), "1-2 indexed code");
    // Its code changed: it stays where it was indexed (the next update indexes the file again).
    files["c.py"] = "import os\n\ndef delta():\n    return 5\n";
    assert.equal(await lines(store), "3-4 indexed code");
    store.close();
    // Read from the rows (a fresh handle has no cache), CRLF line endings.
    const again = await IndexStore.open(store.dir);
    files["c.py"] = `# moved\r\n${delta.replace("\n", "\r\n")}\r\n`;
    assert.equal(await lines(again!), "2-3 indexed code");
    again!.close();
  });

  it("looks for a moved hit once per file content, and leaves code too short to tell apart where it was indexed", async () => {
    const delta = "def delta():\n    return 4";
    // As the workspace's source reader does: one buffer per file content.
    const buffers = new Map<string, Buffer>();
    const reads: string[] = [];
    const source = async (p: string): Promise<Buffer | undefined> => (reads.push(p), buffers.get(p));
    const store = await IndexStore.create(newDbPath(), identity);
    await store.write([{ record: record("c.py", 1), chunks: [chunk("c.py", "delta", 3, delta), chunk("c.py", "c.py", 6, "}")] }]);
    const refs = [...(await store.vectorSearch(embedder.embedSync("delta"), 5))];
    const cited = async (): Promise<string> => (await store.chunksAt(refs, source)).map((hit) => `${hit.symbol} ${hit.startLine}-${hit.endLine}`).sort().join(", ");
    buffers.set("c.py", Buffer.from(`import os\n\n${delta}\n\n\n}\n`));
    assert.equal(await cited(), "c.py 6-7, delta 3-4");
    buffers.set("c.py", Buffer.from(`}\nimport os\nimport sys\n\n${delta}\n`));
    assert.equal(await cited(), "c.py 6-7, delta 5-6", "a lone brace is not moved to another one");
    assert.equal(await cited(), "c.py 6-7, delta 5-6", "asked again: the same answer");
    buffers.set("c.py", Buffer.from(`${delta}\n`));
    assert.equal(await cited(), "c.py 6-7, delta 1-2", "a new content: looked for again");
    assert.ok(reads.length >= 4);
    store.close();
  });

  it("returns every chunk asked for, even when reading them evicts others from its cache", async () => {
    const store = await IndexStore.create(newDbPath(), identity);
    // More chunks than the row cache holds (2,000): reading the new ones pushes the cached ones out mid-call.
    const chunks = Array.from({ length: 2300 }, (_, i) => chunk(`m${i % 23}.py`, `handler_${i}`, i * 3 + 1, `def handler_${i}(event): return ${i}`));
    const byFile = new Map<string, ChunkRow[]>();
    for (const c of chunks) byFile.set(c.path, [...(byFile.get(c.path) ?? []), c]);
    await store.write([...byFile].map(([file, rows]) => ({ record: record(file, rows.length), chunks: rows })));
    await store.buildTextIndex();
    const refs = await store.vectorSearch(embedder.embedSync("handler event"), 2300);
    assert.equal(refs.length, 2300);
    const first = refs.slice(0, 50);
    assert.equal((await store.chunksAt(first)).length, 50, "now cached");
    const all = await store.chunksAt([...first, ...refs.slice(50)]);
    assert.equal(all.length, 2300, "no chunk dropped");
    assert.deepEqual(all.map((c) => c.id), refs.map((r) => r.id));
    store.close();
  });

  it("lists equal scores in one order, by path and line, however often asked", async () => {
    const store = await IndexStore.create(newDbPath(), identity);
    const same = "def flush(self):\n    self.stream.flush()";
    const files = ["src/k3.py", "lib/k1.py", "src/k2.py", "lib/k4.py"];
    await store.write(files.map((file) => ({ record: record(file, 1), chunks: [chunk(file, "flush", 1, same)] })));
    await store.buildTextIndex();
    for (let i = 0; i < 5; i++) {
      const refs = await store.textSearch("flush stream", 10);
      assert.deepEqual(refs.map((r) => r.path), ["lib/k1.py", "lib/k4.py", "src/k2.py", "src/k3.py"]);
      assert.equal(new Set(refs.map((r) => r.score)).size, 1, "a real tie");
    }
    store.close();
  });

  it("replaces a file's chunks instead of duplicating them, and removes files", async () => {
    const store = await IndexStore.create(newDbPath(), identity);
    await store.write([oneChunkFile("a.py", "one")]);
    await store.write([{ record: record("a.py", 2), chunks: [chunk("a.py", "two", 1, "def two(): pass"), chunk("a.py", "three", 3, "def three(): pass")] }]);
    assert.deepEqual((await store.chunksOf("a.py")).map((c) => c.symbol), ["two", "three"]);
    assert.equal((await store.fileRecords()).size, 1);
    await store.write([oneChunkFile("it's.py", "quoted")], ["a.py"]);
    assert.deepEqual([...(await store.fileRecords()).keys()], ["it's.py"]);
    assert.equal(await store.countChunks(), 1);
    store.close();
  });

  it("replaces rows that another writer, a maintenance run or a crashed run left, though it skips deletes of paths it never wrote", async () => {
    const dbPath = newDbPath();
    const store = await IndexStore.create(dbPath, identity);
    const created = await store.dataVersion();
    await store.write([oneChunkFile("a.py", "one")]);
    assert.equal(await store.dataVersion(), created + 1, "new files cost one commit (the rows), no delete");
    // Another process's store on the same generation writes b.py (chunks, no file record: as a crash leaves it).
    const other = (await IndexStore.open(dbPath))!;
    await other.write([oneChunkFile("b.py", "theirs")]);
    await other.write([], ["b.py"]);
    await other.write([oneChunkFile("c.py", "theirs")]);
    other.close();
    await store.write([oneChunkFile("c.py", "mine")]);
    assert.deepEqual((await store.chunksOf("c.py")).map((c) => c.symbol), ["mine"], "the other writer's rows are replaced");
    assert.equal((await store.fileRecords()).size, 2);
    // Its own maintenance in between (compaction, index builds) and a rewrite of a file written before.
    await store.buildTextIndex();
    await store.compact();
    await store.write([oneChunkFile("a.py", "again")]);
    assert.deepEqual((await store.chunksOf("a.py")).map((c) => c.symbol), ["again"]);
    store.close();
    // Reopened, as a resumed run: chunks written without their file record are replaced, not doubled.
    const resumed = (await IndexStore.open(dbPath))!;
    await resumed.write([{ record: record("c.py", 2), chunks: [chunk("c.py", "new", 1, "def new(): pass"), chunk("c.py", "newer", 3, "def newer(): pass")] }], ["a.py"]);
    assert.deepEqual((await resumed.chunksOf("c.py")).map((c) => c.symbol), ["new", "newer"]);
    assert.equal(await resumed.countChunks(), 2);
    assert.deepEqual([...(await resumed.fileRecords()).keys()], ["c.py"]);
    resumed.close();
  });

  it("reads which files a reopened index holds once for a large write, and deletes only theirs", async () => {
    const dbPath = newDbPath();
    const first = await IndexStore.create(dbPath, identity);
    await first.write([oneChunkFile("f0.py", "old")]);
    first.close();
    const store = (await IndexStore.open(dbPath))!;
    const before = await store.dataVersion();
    const files = Array.from({ length: 120 }, (_, i) => `f${i}.py`);
    await store.write(files.map((file, i) => oneChunkFile(file, `new${i}`)));
    assert.equal(await store.dataVersion(), before + 2, "one delete (of the one file it held) and one add");
    assert.deepEqual((await store.chunksOf("f0.py")).map((c) => c.symbol), ["new0"]);
    assert.equal(await store.countChunks(), 120);
    assert.equal((await store.fileRecords()).size, 120);
    const after = await store.dataVersion();
    await store.write([oneChunkFile("g.py", "g")]);
    assert.equal(await store.dataVersion(), after + 1, "known since: a new file costs no delete");
    // Another process writes h.py; this store's next large write reads the paths again and replaces it.
    const other = (await IndexStore.open(dbPath))!;
    await other.write([oneChunkFile("h.py", "theirs")]);
    other.close();
    await store.write([...files, "h.py"].map((file, i) => oneChunkFile(file, `v2_${i}`)));
    assert.deepEqual((await store.chunksOf("h.py")).map((c) => c.symbol), ["v2_120"]);
    assert.equal(await store.countChunks(), 122);
    store.close();
  });

  it("forgets which files it held between holds of the writer lock: a folder made again counts its versions from the start", async () => {
    const dbPath = newDbPath();
    const mine = await IndexStore.create(dbPath, identity);
    mine.beginWrites();
    await mine.write([oneChunkFile("a.py", "a")]);
    // Meanwhile another process deletes the folder and builds it again: its tables reach the same versions.
    removeTree(dbPath);
    const other = await IndexStore.create(dbPath, identity);
    await other.write([oneChunkFile("b.py", "theirs")]);
    other.close();
    mine.beginWrites();
    await mine.write([oneChunkFile("b.py", "mine")]);
    assert.deepEqual((await mine.chunksOf("b.py")).map((c) => c.symbol), ["mine"]);
    assert.deepEqual([...(await mine.fileRecords()).keys()], ["b.py"]);
    mine.close();
  });

  it("keeps chunks when only a file's record is updated", async () => {
    const store = await IndexStore.create(newDbPath(), identity);
    await store.write([oneChunkFile("a.py", "one")]);
    await store.write([{ record: { ...record("a.py", 1), mtimeMs: 99 } }]);
    assert.equal(await store.countChunks(), 1);
    assert.equal((await store.fileRecords()).get("a.py")?.mtimeMs, 99);
    store.close();
  });

  it("reopens an existing index as it was, with its identity; complete only once marked", async () => {
    const dbPath = newDbPath();
    const first = await IndexStore.create(dbPath, identity);
    await first.write([oneChunkFile("a.py", "one")]);
    first.close();
    const second = (await IndexStore.open(dbPath))!;
    assert.deepEqual(second.identity, identity);
    assert.equal(second.complete, false);
    assert.equal(await second.countChunks(), 1);
    await second.markComplete();
    second.close();
    const third = (await IndexStore.open(dbPath))!;
    assert.equal(third.complete, true);
    third.close();
  });

  it("reports a damaged index as unreadable and corrupt, and leaves it as it is", async () => {
    const dbPath = newDbPath();
    const store = await IndexStore.create(dbPath, identity);
    await store.write([oneChunkFile("a.py", "one")]);
    store.close();
    const versions = path.join(dbPath, "chunks.lance", "_versions");
    for (const name of readdirSync(versions)) writeFileSync(path.join(versions, name), "garbage");
    const before = readdirSync(dbPath).sort();
    await assert.rejects(IndexStore.open(dbPath), (error: unknown) => error instanceof StoreUnreadableError && error.corrupt && /could not be read/.test(error.message));
    assert.deepEqual(readdirSync(dbPath).sort(), before, "opening deletes nothing");
  });
});

describe("source reader (hit code from the workspace files)", () => {
  const textOf = (read: SourceReader) => async (relPath: string): Promise<string | undefined> => (await read(relPath))?.toString("utf8");

  it("keeps a file between searches but reads it again once it changes, and stays inside the root", async () => {
    const root = tempDir("gw-source-");
    dirs.push(root);
    const file = path.join(root, "a.py");
    writeFileSync(file, "def a():\n    return 1\n");
    const read = textOf(sourceReader(root));
    assert.equal(await read("a.py"), "def a():\n    return 1\n");
    writeFileSync(file, "def a():\n    return 22\n");
    assert.equal(await read("a.py"), "def a():\n    return 22\n");
    assert.equal(await read("../outside.py"), undefined);
    await assert.rejects(read("missing.py"));
  });

  it("reads side by side after a read from the disk, with the same checks", async () => {
    const root = tempDir("gw-src-");
    dirs.push(root);
    const files = ["a.py", "b.py", "c.py"];
    files.forEach((name, i) => writeFileSync(path.join(root, name), `def f${i}():\n    return ${i}\n`));
    // Every read counts as slow: after the first, reads go through fs.promises.
    const read = textOf(sourceReader(root, { slowReadMs: -Infinity }));
    assert.deepEqual(await Promise.all(files.map((name) => read(name))), files.map((_, i) => `def f${i}():\n    return ${i}\n`));
    writeFileSync(path.join(root, "b.py"), "def f1():\n    return 11\n");
    assert.equal(await read("b.py"), "def f1():\n    return 11\n");
    assert.equal(await read("../outside.py"), undefined);
    await assert.rejects(read("missing.py"));
  });
});

describe("scan read-ahead (withReadAhead)", () => {
  it("sets Lance's read-ahead for the scans it wraps, overlapping ones included, and leaves a user's own value alone", async () => {
    const name = "LANCE_DEFAULT_IO_BUFFER_SIZE";
    const saved = process.env[name];
    try {
      delete process.env[name];
      let release!: () => void;
      const first = withReadAhead(1024, () => new Promise<void>((resolve) => (release = resolve)));
      assert.equal(process.env[name], "1024");
      await withReadAhead(1024, async () => assert.equal(process.env[name], "1024"));
      assert.equal(process.env[name], "1024", "still set while the first scope runs");
      release();
      await first;
      assert.equal(process.env[name], undefined, "Lance's default again afterwards");
      process.env[name] = "4096";
      await withReadAhead(1024, async () => assert.equal(process.env[name], "4096"));
      assert.equal(process.env[name], "4096");
    } finally {
      if (saved === undefined) delete process.env[name];
      else process.env[name] = saved;
    }
  });
});
