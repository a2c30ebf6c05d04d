// Table layouts of the index. They are part of the index fingerprint (schemaDescriptor), so a
// change to any of them rebuilds older indexes by itself.
import { Field, FixedSizeList, Float32, Float64, Int32, Schema, Utf8 } from "apache-arrow";

export const CHUNKS_TABLE = "chunks";
export const FILES_TABLE = "files";
export const META_TABLE = "meta";

/** `neuralDims`: a second vector column, `nvector`, for a neural embedder's vectors beside the builtin ones. */
export function chunksSchema(dims: number, neuralDims?: number): Schema {
  return new Schema([
    // The columns rows are found by (deletes by path, lookups by id, symbol and kind)...
    new Field("id", new Utf8(), false),
    new Field("path", new Utf8(), false),
    new Field("symbol", new Utf8(), false),
    new Field("kind", new Utf8(), false),
    // The definitions inside the chunk, found by name too (records.ts, membersField).
    new Field("defines", new Utf8(), false),
    new Field("text", new Utf8(), false),
    // ...and everything a search result needs but the code, packed in one JSON array (see
    // store.ts: searches read this one column instead of ten; the chunk's other fields live only here).
    new Field("ref", new Utf8(), false),
    new Field("fts_text", new Utf8(), false),
    new Field("fts_name", new Utf8(), false),
    new Field("vector", new FixedSizeList(dims, new Field("item", new Float32(), true)), false),
    ...(neuralDims ? [new Field("nvector", new FixedSizeList(neuralDims, new Field("item", new Float32(), true)), false)] : []),
  ]);
}

export const filesSchema = new Schema([
  new Field("path", new Utf8(), false),
  new Field("size", new Float64(), false),
  new Field("mtime_ms", new Float64(), false),
  new Field("hash", new Utf8(), false),
  new Field("status", new Utf8(), false),
  new Field("reason", new Utf8(), false),
  new Field("language", new Utf8(), false),
  new Field("chunk_count", new Int32(), false),
  new Field("indexed_at", new Float64(), false),
]);

export const metaSchema = new Schema([
  new Field("key", new Utf8(), false),
  new Field("value", new Utf8(), false),
]);

/** The layouts as text (names, types, nullability), for the fingerprint. */
export function schemaDescriptor(): string {
  const describe = (schema: Schema): string => schema.fields.map((field) => `${field.name}:${field.type}:${field.nullable}`).join(",");
  return [chunksSchema(1), filesSchema, metaSchema].map(describe).join(";");
}

export type FileStatus = "indexed" | "skipped" | "error";

export interface FileRecord {
  path: string;
  size: number;
  mtimeMs: number;
  /** sha256 of the content; "" when the file was skipped before reading. */
  hash: string;
  status: FileStatus;
  /** Why it was skipped or failed; a fallback note for indexed files; "" otherwise. */
  reason: string;
  language: string;
  chunkCount: number;
  indexedAt: number;
}

export interface ChunkRow {
  id: string;
  path: string;
  language: string;
  symbol: string;
  kind: string;
  scope: string;
  startLine: number;
  endLine: number;
  contentHash: string;
  header: string;
  text: string;
  ftsText: string;
  ftsName: string;
  /** The definitions inside the chunk (membersField); "" when none. */
  defines?: string;
  vector: Float32Array;
  /** The neural embedder's vector, in a generation that has one. */
  nvector?: Float32Array;
}

/** A chunk as searches return it: its row without the vectors and the full-text fields. */
export type StoredChunk = Omit<ChunkRow, "vector" | "nvector" | "ftsText" | "ftsName" | "defines">;

/** A search result before its code is read: everything but the text, and the list's own score. */
export interface ChunkRef extends Omit<StoredChunk, "text"> {
  /** The row's current address; valid until the next write. */
  rowId: bigint;
  /** The list's score: cosine similarity for a vector search, BM25 for a full-text search. */
  score: number;
}
