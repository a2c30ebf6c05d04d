// One generation of the index on disk: LanceDB tables for chunks (vector + full-text index), files
// and meta, in one folder. The meta table records the fingerprint of what derived the rows (see
// index/fingerprint.ts); opening never deletes or rewrites anything, and creating one is the
// caller's job under the writer lock (see codebase/folderIndex.ts).
import { promises as fs } from "node:fs";
import type { Connection, Table } from "@lancedb/lancedb";
import { LRUCache } from "lru-cache";
import { errorMessage } from "../util/host";
import { indexTerms } from "../util/terms";
import { chunkTable, fileTable } from "./arrowRows";
import { HeldPaths } from "./heldPaths";
import { connectOptions, inList, isRemoteUri, loadLanceDb, sqlString, withReadAhead } from "./lance";
import { chunkOf, membersDefining, packRef, toFileRecord, toRef, toStoredChunk } from "./records";
import { type ChunkRef, CHUNKS_TABLE, chunksSchema, FILES_TABLE, type FileRecord, filesSchema, META_TABLE, metaSchema, type StoredChunk } from "./schema";
import { relocated, type SourceReader, textsFromSource } from "./sourceText";
import { recordedDamage } from "./damage";
import { type FileUpdate, FULL_TEXT_CONFIG, identityOf, identityRows, type IndexCoverage, inStableOrder, isCorruption, readMeta, remoteTables, type StoreIdentity, StoreUnreadableError } from "./storeParts";

export type { ChunkRef, StoredChunk } from "./schema";
export type { SourceReader } from "./sourceText";
export { REF_LAYOUT } from "./records";
export { FULL_TEXT_CONFIG, isCorruption, StoreUnreadableError } from "./storeParts";
export type { FileUpdate, IndexCoverage, NeuralIdentity, StoreIdentity } from "./storeParts";

/**
 * IVF partitions a vector search reads, and at least how many of the codes' nearest rows it
 * re-scores on the full vectors (the 1-bit codes only estimate distances).
 */
const VECTOR_NPROBES = 20;
const VECTOR_REFINE_ROWS = 50;
const VECTOR_INDEX_TYPE = /rq/i;
const VECTOR_BUILD_READ_AHEAD = 32 * 2 ** 20;
/**
 * The partitions' centroids are trained on 64 vectors per partition (LanceDB's default: 256): at
 * 111k rows recall@10 0.987 against 0.986, at 338k rows a build of 3.9 s instead of 7.0 with
 * 23 MiB less (`BENCH_ONLY=ann`, docs/performance.md).
 */
const VECTOR_INDEX_CONFIG = { distanceType: "cosine", sampleRate: 64 } as const;
/** Chunks kept in memory after a search read them (a few MB). */
const ROW_CACHE_SIZE = 2000;
const REF_COLUMNS = ["ref"];
/** The meta row saying the full-text fields hold terms. */
const FIELDS_KEY = "fields";
const FIELDS_HOLD_TERMS = "terms";
const CHUNK_COLUMNS = ["ref", "text"];

export class IndexStore {
  private textIndexKnown: true | undefined;
  private readonly rowCache = new LRUCache<string, StoredChunk>({ max: ROW_CACHE_SIZE });
  private readonly chunkPaths: HeldPaths;
  private readonly filePaths: HeldPaths;

  private constructor(
    readonly dir: string,
    private readonly db: Connection,
    private chunks: Table,
    private files: Table,
    private meta: Table,
    readonly identity: StoreIdentity,
    private completeValue: boolean,
    /** Its full-text fields hold terms (util/terms.ts); an older generation's, still answering while its successor is built, hold text its index stems itself. */
    private readonly fieldsHoldTerms: boolean,
    created?: { chunks: number; files: number },
  ) {
    this.chunkPaths = new HeldPaths(() => this.chunks, created && { version: created.chunks });
    this.filePaths = new HeldPaths(() => this.files, created && { version: created.files });
  }

  /** Whether a full run has once finished into this generation (it then holds the whole folder). */
  get complete(): boolean { return this.completeValue; }

  async markComplete(): Promise<void> {
    await this.setMeta("complete", "true");
    this.completeValue = true;
  }

  /** Another process completed this generation (a fresh read says so): this handle says so too. */
  completedElsewhere(): void {
    this.completeValue = true;
  }

  /** Called under the writer lock before a run's or an update's writes (see HeldPaths.beginHold). */
  beginWrites(): void {
    this.chunkPaths.beginHold();
    this.filePaths.beginHold();
  }

  /** Called with the paths of every batch written or removed (the file records that changed). */
  onWrite: ((paths: readonly string[]) => void) | undefined;

  /** Opens an existing generation (reads only): undefined when the folder holds none, StoreUnreadableError when it can't be read. */
  static async open(dir: string): Promise<IndexStore | undefined> {
    const lance = await loadLanceDb();
    const remote = isRemoteUri(dir);
    if (!remote && !(await fs.stat(dir).catch(() => undefined))?.isDirectory()) return undefined;
    // Strong read consistency: another process (a second window, the CLI) may have written since.
    const db = await lance.connect(dir, connectOptions(dir));
    try {
      // Object stores list prefixes unreliably (S3-compatible servers differ): a remote generation's tables are opened by name.
      const damage = await recordedDamage(dir);
      if (damage) throw new Error(`corrupt: found damaged while it was maintained (${damage})`);
      const names = remote ? await remoteTables(db) : await db.tableNames();
      if (names.length === 0) {
        db.close();
        return undefined;
      }
      if (![CHUNKS_TABLE, FILES_TABLE, META_TABLE].every((name) => names.includes(name))) {
        throw new Error(`tables missing: it has ${names.join(", ")}`);
      }
      const [chunks, files, meta] = await Promise.all([db.openTable(CHUNKS_TABLE), db.openTable(FILES_TABLE), db.openTable(META_TABLE)]);
      const values = await readMeta(meta);
      await chunks.countRows();
      const identity = identityOf(values);
      // An index older than fingerprints counts as complete once it was ever written.
      const complete = values.get("complete") === "true" || (identity.fingerprint === "" && values.has("lastUpdated"));
      return new IndexStore(dir, db, chunks, files, meta, identity, complete, values.get(FIELDS_KEY) === FIELDS_HOLD_TERMS);
    } catch (error) {
      db.close();
      throw new StoreUnreadableError(dir, error, isCorruption(error) || /tables missing/.test(errorMessage(error)));
    }
  }

  /** Creates an empty generation in `dir`, replacing whatever tables are there: the caller holds the writer lock. */
  static async create(dir: string, identity: StoreIdentity): Promise<IndexStore> {
    const lance = await loadLanceDb();
    if (!isRemoteUri(dir)) await fs.mkdir(dir, { recursive: true });
    const db = await lance.connect(dir, connectOptions(dir));
    const overwrite = { mode: "overwrite" as const };
    // Meta last: a generation without its meta rows is one a crash interrupted, and is replaced.
    const chunks = await db.createEmptyTable(CHUNKS_TABLE, chunksSchema(identity.dims, identity.neural?.dims), overwrite);
    const files = await db.createEmptyTable(FILES_TABLE, filesSchema, overwrite);
    const meta = await db.createEmptyTable(META_TABLE, metaSchema, overwrite);
    await meta.add([...identityRows(identity), { key: FIELDS_KEY, value: FIELDS_HOLD_TERMS }]);
    return new IndexStore(dir, db, chunks, files, meta, identity, false, true, { chunks: await chunks.version(), files: await files.version() });
  }

  /** One file's record, if the index has one. */
  async fileRecord(path: string): Promise<FileRecord | undefined> {
    const rows = await this.files.query().where(inList("path", [path])).limit(1).toArray();
    return rows.length > 0 ? toFileRecord(rows[0]) : undefined;
  }

  /** The paths of the files indexed now (status "indexed"), sorted. */
  async indexedPaths(): Promise<string[]> {
    const rows = await this.files.query().where(`status = ${sqlString("indexed")}`).select(["path"]).toArray();
    return rows.map((row) => row.path as string).sort();
  }

  /** Reads stay at the tables' versions now, whatever is written after (a shared index CI rewrites); called again, they move on. Returns "chunks/files". */
  async pinToLatest(): Promise<string> {
    const versions: number[] = []; // one table after the other: a failure leaves nothing running on the store
    for (const table of [this.chunks, this.files]) {
      await table.checkoutLatest();
      versions.push(await table.version());
      await table.checkout(versions.at(-1)!);
    }
    return versions.join("/");
  }

  /** Changes whenever the file records change. */
  async filesVersion(): Promise<number> {
    return this.files.version();
  }

  async fileRecords(): Promise<Map<string, FileRecord>> {
    const rows = await this.files.query().toArray();
    return new Map(rows.map((row) => [row.path as string, toFileRecord(row)]));
  }

  /**
   * Applies a batch. Order matters for crash safety: chunks are replaced before the file
   * records that vouch for them, so a run killed in between re-indexes those files and
   * (deleting by path first) never leaves duplicates.
   */
  async write(updates: readonly FileUpdate[], removals: readonly string[] = []): Promise<void> {
    const replaced = updates.filter((u) => u.chunks !== undefined).map((u) => u.record.path);
    await this.chunkPaths.delete([...replaced, ...removals]);
    const rows = updates.flatMap((u) => u.chunks ?? []);
    if (rows.length > 0) {
      const { version } = await this.chunks.add(chunkTable(rows, this.identity.dims, (row) => JSON.stringify(packRef(row)), this.identity.neural?.dims));
      this.chunkPaths.added(version, rows.map((row) => row.path));
    }
    await this.filePaths.delete([...updates.map((u) => u.record.path), ...removals]);
    if (updates.length > 0) {
      const { version } = await this.files.add(fileTable(updates.map((u) => u.record)));
      this.filePaths.added(version, updates.map((u) => u.record.path));
    }
    this.onWrite?.([...updates.map((u) => u.record.path), ...removals]);
  }

  /** (Re)builds the full-text indexes (code and name fields) and the symbol lookup index. */
  async buildTextIndex(): Promise<void> {
    const lance = await loadLanceDb();
    if ((await this.chunks.countRows()) === 0) return;
    // An Index config is consumed by createIndex: one each.
    const fts = () => lance.Index.fts({ ...FULL_TEXT_CONFIG });
    const builds: Array<() => Promise<void>> = [
      () => this.chunks.createIndex("fts_text", { config: fts(), replace: true }),
      () => this.chunks.createIndex("fts_name", { config: fts(), replace: true }),
      () => this.chunks.createIndex("symbol", { config: lance.Index.btree(), replace: true }),
    ];
    // On object storage one after another: a store without conditional writes (some S3-compatible
    // servers) lets one commit silently replace another instead of failing it.
    if (isRemoteUri(this.dir)) {
      for (const build of builds) await build();
      return;
    }
    // Side by side (each build is mostly one thread); one that lost a commit race runs again alone.
    const outcomes = await Promise.allSettled(builds.map((build) => build()));
    for (const [i, outcome] of outcomes.entries()) if (outcome.status === "rejected") await builds[i]();
  }

  async hasTextIndex(): Promise<boolean> {
    // Once there, the indexes stay (builds replace them): asked on every search, so remembered.
    if (this.textIndexKnown) return true;
    const indices = await this.chunks.listIndices();
    this.textIndexKnown = ["fts_text", "fts_name"].every((column) => indices.some((index) => index.columns.includes(column))) || undefined;
    return this.textIndexKnown === true;
  }

  /**
   * Builds (or rebuilds) the ANN index on the vectors: IVF with RaBitQ (1-bit) codes, searched in
   * 20 partitions and refined on the full vectors. At 100k rows it builds in about a second (HNSW_SQ
   * took 14 s) with recall@10 of 0.97–0.99 against a flat search (HNSW_SQ at ef 100: 0.71), at
   * ~3 ms a search (`BENCH_ONLY=ann npm run bench`). Searches keep working meanwhile (flat until it
   * lands), and rows added later are searched flat next to it until compaction folds them in.
   */
  async buildVectorIndex(): Promise<void> {
    const lance = await loadLanceDb();
    // The build scans every vector: with Lance's default read-ahead that held ~400 MiB at 338k rows, with 32 MiB ~170, as fast.
    await withReadAhead(VECTOR_BUILD_READ_AHEAD, async () => {
      await this.chunks.createIndex("vector", { config: lance.Index.ivfRq(VECTOR_INDEX_CONFIG), replace: true });
      if (this.identity.neural) await this.chunks.createIndex("nvector", { config: lance.Index.ivfRq(VECTOR_INDEX_CONFIG), replace: true });
    });
  }

  /** Whether the vector index is of the kind `buildVectorIndex` makes now (an index made by an older Groundwork is rebuilt). */
  async vectorIndexCurrent(): Promise<boolean> {
    const index = (await this.chunks.listIndices()).find((i) => i.columns.includes("vector"));
    return index !== undefined && VECTOR_INDEX_TYPE.test(index.indexType);
  }

  /** Fragments of the chunks table: many small ones (one per write batch) slow every search. */
  async fragmentCount(): Promise<number> {
    return (await this.chunks.stats()).fragmentStats.numFragments;
  }

  /**
   * Merges the chunks table's fragments, folds new rows into the existing indexes and deletes
   * superseded versions. Seconds to tens of seconds at 100k rows: background work only.
   */
  async compact(): Promise<void> {
    // An index on object storage keeps an hour of versions: readers elsewhere stay on the version they read (pinToLatest).
    const cleanupOlderThan = new Date(Date.now() - (isRemoteUri(this.dir) ? 3_600_000 : 0));
    await this.chunks.optimize({ cleanupOlderThan });
    await this.files.optimize({ cleanupOlderThan });
    this.textIndexKnown = undefined;
  }

  /** Rows covered and not covered by the vector index; undefined when there is none. */
  vectorIndexCoverage(): Promise<IndexCoverage | undefined> {
    return this.coverage("vector");
  }

  /** Rows covered and not covered by the full-text index of the code field; undefined when there is none. */
  textIndexCoverage(): Promise<IndexCoverage | undefined> {
    return this.coverage("fts_text");
  }

  private async coverage(column: string): Promise<IndexCoverage | undefined> {
    if ((await this.chunks.countRows()) === 0 && column !== "vector") return { indexed: 0, unindexed: 0 };
    const indices = await this.chunks.listIndices();
    const name = indices.find((index) => index.columns.includes(column))?.name;
    const stats = name ? await this.chunks.indexStats(name) : undefined;
    return stats ? { indexed: stats.numIndexedRows, unindexed: stats.numUnindexedRows } : undefined;
  }

  // Searches return light references (id, path, row address, score): reading the code of 50
  // candidates per list costs more than the search itself, and only the fused head is read, by
  // `chunksAt`.

  /** Nearest chunks by cosine similarity (score = 1 - distance), by the builtin vectors or (`nvector`) the neural ones. */
  async vectorSearch(vector: Float32Array, limit: number, column: "vector" | "nvector" = "vector"): Promise<ChunkRef[]> {
    // Ignored when the search is flat (no index yet, or too few rows for one).
    const query = this.chunks.vectorSearch(vector).column(column).distanceType("cosine").nprobes(VECTOR_NPROBES).refineFactor(Math.max(1, Math.ceil(VECTOR_REFINE_ROWS / limit)));
    const rows = await query.select(REF_COLUMNS).withRowId().limit(limit).toArray();
    return inStableOrder(rows.map((row) => toRef(row, 1 - (row._distance as number))));
  }

  /** BM25 over the code field and the (boosted) name field. `query` must be plain words. */
  async textSearch(query: string, limit: number, nameBoost = 2): Promise<ChunkRef[]> {
    // Fields that hold terms (util/terms.ts) are searched with the query's terms; an older
    // generation's index makes its own of the words (stemming terms again would miss).
    const terms = this.fieldsHoldTerms ? indexTerms(query) : query.trim();
    if (!terms || !(await this.hasTextIndex())) return [];
    const lance = await loadLanceDb();
    const match = new lance.MultiMatchQuery(terms, ["fts_text", "fts_name"], { boosts: [1, nameBoost] });
    const rows = await this.chunks.query().fullTextSearch(match).select(REF_COLUMNS).withRowId().limit(limit).toArray();
    return inStableOrder(rows.map((row) => toRef(row, row._score as number)));
  }

  /**
   * The chunks behind references, in their order. The code comes from the row cache, else from the
   * source file when its lines still hash as indexed, else from the row; a row that moved is looked
   * up by id, one whose chunk was deleted is dropped. Code not read from its file is checked
   * against it: where the file changed since, the chunk's lines are where that code is now.
   */
  async chunksAt(refs: readonly ChunkRef[], source?: SourceReader): Promise<StoredChunk[]> {
    // Collected here, not read back from the cache at the end: filling the cache may evict what it held.
    const found = new Map<string, StoredChunk>();
    const keep = (chunk: StoredChunk): void => {
      found.set(chunk.id, chunk);
      this.remember(chunk);
    };
    let missing = refs.filter((ref) => {
      const cached = this.rowCache.get(ref.id);
      if (cached) found.set(ref.id, cached);
      return !cached;
    });
    const texts = source && missing.length > 0 ? await textsFromSource(missing, source) : new Map<string, string>();
    if (texts.size > 0) {
      missing = missing.filter((ref) => {
        const text = texts.get(ref.id);
        if (text !== undefined) keep(chunkOf(ref, text));
        return text === undefined;
      });
    }
    if (missing.length > 0) {
      const rows = await this.chunks.takeRowIds(missing.map((ref) => ref.rowId)).select(CHUNK_COLUMNS).toArray().catch(() => []);
      rows.forEach((row) => keep(toStoredChunk(row)));
      const moved = missing.filter((ref) => !found.has(ref.id)).map((ref) => ref.id);
      // Rows that moved (a compaction since the search) are found again by id: rare, and slower.
      if (moved.length > 0) (await this.chunks.query().where(inList("id", moved)).select(CHUNK_COLUMNS).toArray()).forEach((row) => keep(toStoredChunk(row)));
    }
    const unchecked = source ? await relocated(refs.flatMap((ref) => (texts.has(ref.id) ? [] : found.get(ref.id) ?? [])), source) : [];
    for (const chunk of unchecked) found.set(chunk.id, chunk);
    return refs.flatMap((ref) => found.get(ref.id) ?? []);
  }

  /** Chunk ids name their content (path, range, hash), so a cached row never goes stale. */
  private remember(chunk: StoredChunk): void {
    this.rowCache.set(chunk.id, chunk);
  }

  /**
   * Chunks defining any of these symbols (the symbol table of graph expansion); `members`: also the
   * definitions inside chunks kept whole (a small class's methods), each as a chunk of its own lines
   * (a generation older than the `defines` column has none); with `source`, where their code is now.
   */
  async chunksDefining(symbols: readonly string[], limit: number, source?: SourceReader, members = false): Promise<StoredChunk[]> {
    if (symbols.length === 0) return [];
    const named = "kind NOT IN ('statements', 'lines', 'section')";
    const chunks = (await this.chunks.query().where(`${inList("symbol", symbols)} AND ${named}`).select(CHUNK_COLUMNS).limit(limit).toArray()).map(toStoredChunk);
    if (members) chunks.push(...(await membersDefining(this.chunks, symbols, limit, named)));
    return source ? relocated(chunks, source) : chunks;
  }

  /** Changes whenever the chunks change: the key that invalidates query caches. */
  async dataVersion(): Promise<number> {
    return this.chunks.version();
  }

  async chunksOf(path: string): Promise<StoredChunk[]> {
    const rows = await this.chunks.query().where(inList("path", [path])).select(CHUNK_COLUMNS).toArray();
    return rows.map(toStoredChunk).sort((a, b) => a.startLine - b.startLine);
  }

  /** Every chunk id, sorted: two indexes of the same tree have the same ids. */
  async chunkIds(): Promise<string[]> {
    const rows = await this.chunks.query().select(["id"]).toArray();
    return rows.map((row) => row.id as string).sort();
  }

  /** Chunks whose code holds `word` (`LIKE`: case-sensitive, `_` any character, so callers check), with `source` where it is now: a scan, for names full text leaves out (Go's `Then`). */
  async chunksHolding(word: string, limit: number, source?: SourceReader): Promise<StoredChunk[]> {
    const chunks = (await this.chunks.query().where(`text LIKE ${sqlString(`%${word.replace(/[%\\]/g, "")}%`)}`).select(CHUNK_COLUMNS).limit(limit).toArray()).map(toStoredChunk);
    return source ? relocated(chunks, source) : chunks;
  }

  async countFiles(status: FileRecord["status"]): Promise<number> { return this.files.countRows(`status = ${sqlString(status)}`); }

  async countChunks(): Promise<number> { return this.chunks.countRows(); }

  async getMeta(key: string): Promise<string | undefined> { return (await readMeta(this.meta)).get(key); }

  async setMeta(key: string, value: string): Promise<void> {
    await this.meta.delete(inList("key", [key]));
    await this.meta.add([{ key, value }]);
  }

  /** Closes the tables (once: later calls do nothing). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const table of [this.chunks, this.files, this.meta]) table.close();
    this.db.close();
  }

  private closed = false;
}
