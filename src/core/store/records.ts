// How the index's rows map to objects: the packed `ref` column that searches read, chunks and file
// records.
import type { ChunkRef, ChunkRow, FileRecord, StoredChunk } from "./schema";

/** The `ref` column: everything a search result needs but the code, in one JSON array (its layout is part of the fingerprint). */
export const REF_LAYOUT = "id,path,language,symbol,kind,scope,startLine,endLine,contentHash,header";
export type PackedRef = [string, string, string, string, string, string, number, number, string, string];

export function packRef(chunk: ChunkRow): PackedRef {
  return [chunk.id, chunk.path, chunk.language, chunk.symbol, chunk.kind, chunk.scope, chunk.startLine, chunk.endLine, chunk.contentHash, chunk.header];
}

/** A chunk's fields from its `ref` column, without the code. */
function unpackRef(ref: string): Omit<StoredChunk, "text"> {
  const [id, path, language, symbol, kind, scope, startLine, endLine, contentHash, header] = JSON.parse(ref) as PackedRef;
  return { id, path, language, symbol, kind, scope, startLine, endLine, contentHash, header };
}

export function toRef(row: Record<string, unknown>, score: number): ChunkRef {
  return { ...unpackRef(row.ref as string), rowId: BigInt(row._rowid as bigint | number), score };
}

export function chunkOf(ref: ChunkRef, text: string): StoredChunk {
  return {
    id: ref.id, path: ref.path, language: ref.language, symbol: ref.symbol, kind: ref.kind, scope: ref.scope, startLine: ref.startLine,
    endLine: ref.endLine, contentHash: ref.contentHash, header: ref.header, text,
  };
}

/** A row read with its `ref` and `text` columns. */
export function toStoredChunk(row: Record<string, unknown>): StoredChunk {
  return { ...unpackRef(row.ref as string), text: row.text as string };
}

export function toFileRecord(row: Record<string, unknown>): FileRecord {
  return {
    path: row.path as string, size: row.size as number, mtimeMs: row.mtime_ms as number, hash: row.hash as string,
    status: row.status as FileRecord["status"], reason: row.reason as string, language: row.language as string,
    chunkCount: row.chunk_count as number, indexedAt: row.indexed_at as number,
  };
}
