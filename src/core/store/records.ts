// How the index's rows map to objects: the packed `ref` column that searches read, chunks and file
// records.
import type { Table } from "@lancedb/lancedb";
import type { ChunkMember } from "../chunk/types";
import { errorMessage } from "../util/host";
import { sha256Hex } from "../util/hash";
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

/**
 * The `defines` column: a chunk's members as ` name@start-end@kind ` entries, so that a filter
 * (`defines LIKE '% name@%'`) finds the chunk by a member's name. Names with a space or `@` are left out.
 */
export function membersField(members: readonly ChunkMember[] | undefined): string {
  const entries = (members ?? []).filter((m) => !/[\s@]/.test(m.name)).map((m) => `${m.name}@${m.startLine}-${m.endLine}@${m.kind}`);
  return entries.length > 0 ? ` ${entries.join(" ")} ` : "";
}

/** The members named `symbols` of chunks kept whole that `where` admits (a generation older than the `defines` column has none). */
export async function membersDefining(chunks: Table, symbols: readonly string[], limit: number, where: string): Promise<StoredChunk[]> {
  try {
    const rows = await chunks.query().where(`(${definesAny(symbols)}) AND ${where}`).select(["ref", "text", "defines"]).limit(limit).toArray();
    return rows.flatMap((row) => membersNamed(row, symbols));
  } catch (error) {
    if (/No field named defines\b/.test(errorMessage(error))) return [];
    throw error;
  }
}

/** The filter that finds chunks with a member of one of these names (a LIKE's `_` matches more: membersNamed checks). */
function definesAny(symbols: readonly string[]): string {
  return symbols.map((symbol) => `defines LIKE '% ${symbol.replace(/'/g, "''").replace(/[%\\]/g, "")}@%'`).join(" OR ");
}

/** The members of a row (read with `defines`) named `symbols`, each as a chunk of its own lines, in its container's scope. */
function membersNamed(row: Record<string, unknown>, symbols: readonly string[]): StoredChunk[] {
  const container = toStoredChunk(row);
  const lines = container.text.split("\n");
  const found: StoredChunk[] = [];
  for (const entry of String(row.defines ?? "").trim().split(" ")) {
    const match = /^(.+)@(\d+)-(\d+)@(\w+)$/.exec(entry);
    if (!match || !symbols.includes(match[1])) continue;
    const [startLine, endLine] = [Number(match[2]), Number(match[3])];
    const text = lines.slice(startLine - container.startLine, endLine - container.startLine + 1).join("\n");
    if (!text) continue;
    const scope = container.scope ? `${container.scope}.${container.symbol}` : container.symbol;
    found.push({ ...container, id: `${container.id}:${startLine}`, symbol: match[1], kind: match[4], scope, startLine, endLine, text, contentHash: sha256Hex(text), header: `${container.path} > ${scope} > ${match[1]}` });
  }
  return found;
}

export function toFileRecord(row: Record<string, unknown>): FileRecord {
  return {
    path: row.path as string, size: row.size as number, mtimeMs: row.mtime_ms as number, hash: row.hash as string,
    status: row.status as FileRecord["status"], reason: row.reason as string, language: row.language as string,
    chunkCount: row.chunk_count as number, indexedAt: row.indexed_at as number,
  };
}
