// Turns chunks into store rows: a deterministic id, the text the embedder sees, and the terms the
// full-text index holds (the code's and its identifiers split into words, stemmed: util/terms.ts).
import type { Chunk } from "../chunk/types";
import type { BuiltinEmbedder } from "../embed/builtin";
import type { EmbedInput } from "../embed/embedder";
import { membersField } from "../store/records";
import type { ChunkRow } from "../store/schema";
import { sha256Hex } from "../util/hash";
import { codeFieldTerms, identifiersAreRuns } from "../util/text";

export function chunkId(chunk: Pick<Chunk, "path" | "startLine" | "endLine" | "contentHash">): string {
  return sha256Hex(`${chunk.path}\n${chunk.startLine}\n${chunk.endLine}\n${chunk.contentHash}`).slice(0, 32);
}

/** What the embedder sees: the title (symbol, scope, signature) and the code. */
export function embeddingInput(chunk: Chunk): EmbedInput {
  return { title: embeddingTitle(chunk), text: `${chunk.path}\n${chunk.text}` };
}

function embeddingTitle(chunk: Chunk): string {
  return `${chunk.symbol} ${chunk.scope} ${chunk.signature}`.trim();
}

/**
 * What a neural vector is kept by (VectorCache): the chunk's title and code, without its path, so
 * a renamed or copied file finds the vectors of its content.
 */
export function neuralContent(chunk: Chunk): string {
  return `${chunk.symbol} ${chunk.scope} ${chunk.signature}\n${chunk.text}`;
}

/** The code field of the full-text index: the code's terms and its identifiers' split into words (`codeFieldTerms`). */
export function fullText(chunk: Chunk): string {
  return codeFieldTerms(chunk.text);
}

/** The full-text fields, as the worker computes them: the code field and the name field. */
export function textFields(chunk: Chunk): [string, string] {
  return [fullText(chunk), nameText(chunk)];
}

/**
 * The builtin embedder's vector of `embeddingInput(chunk)` and the chunk's `textFields`, from one
 * scan of its code (the embedder and the full-text field read the same identifiers).
 */
export function embedWithFields(embedder: BuiltinEmbedder, chunk: Chunk): { vector: Float32Array; fields: [string, string] } {
  const { vector, words } = embedder.embedCode(chunk.path, chunk.text, embeddingTitle(chunk));
  return { vector, fields: [identifiersAreRuns(chunk.text) ? words : fullText(chunk), nameText(chunk)] };
}

/**
 * The name field of the full-text index, searched with a boost: the terms of the symbol, its
 * scope, the signature and the path's words, identifiers also split.
 */
export function nameText(chunk: Chunk): string {
  const pathWords = chunk.path.replace(/\.[^./]+$/, "").split(/[/._-]+/).filter(Boolean).join(" ");
  const names = `${chunk.symbol} ${chunk.scope} ${chunk.signature}`;
  return codeFieldTerms(`${names} ${pathWords}`);
}


/** `texts`: `textFields(chunk)` when already computed (in the worker). */
export function toRow(chunk: Chunk, vector: Float32Array, texts?: [string, string]): ChunkRow {
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
    ftsText: texts?.[0] ?? fullText(chunk),
    ftsName: texts?.[1] ?? nameText(chunk),
    defines: membersField(chunk.members),
    vector,
  };
}
