// Turns chunks into store rows: a deterministic id, the text the embedder sees, and the
// identifier-split text the full-text index sees.
import type { Chunk } from "../chunk/types";
import type { ChunkRow } from "../store/schema";
import { sha256Hex } from "../util/hash";
import { splitIdentifiersText } from "../util/text";

export function chunkId(chunk: Pick<Chunk, "path" | "startLine" | "endLine" | "contentHash">): string {
  return sha256Hex(`${chunk.path}\n${chunk.startLine}\n${chunk.endLine}\n${chunk.contentHash}`).slice(0, 32);
}

/** What the embedder sees: the header (path, scope, signature) and the code. */
export function embeddingText(chunk: Chunk): string {
  return `${chunk.header}\n${chunk.text}`;
}

/** What the full-text index sees: header, symbol and code, plus every identifier split into words. */
export function fullText(chunk: Chunk): string {
  const header = `${chunk.header}\n${chunk.symbol}`;
  return `${header}\n${chunk.text}\n${splitIdentifiersText(header)}\n${splitIdentifiersText(chunk.text)}`;
}

export function toRow(chunk: Chunk, vector: Float32Array): ChunkRow {
  return {
    id: chunkId(chunk),
    path: chunk.path,
    language: chunk.language,
    symbol: chunk.symbol,
    kind: chunk.kind,
    scope: chunk.scope,
    startLine: chunk.startLine,
    endLine: chunk.endLine,
    contentHash: chunk.contentHash,
    header: chunk.header,
    text: chunk.text,
    ftsText: fullText(chunk),
    vector,
  };
}
