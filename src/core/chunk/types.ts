// What the chunker produces: one retrievable unit of a file.

export type ChunkKind =
  | "function" | "method" | "constructor" | "class" | "interface" | "type" | "enum" | "struct"
  | "trait" | "impl" | "module" | "namespace" | "macro" | "variable"
  | "statements" | "section" | "lines";

/** Statement groups and line windows carry a label (the file's name), not a name of their own. */
export function hasOwnName(kind: string): boolean {
  return kind !== "statements" && kind !== "lines";
}

export interface Chunk {
  /** Workspace-relative path, forward slashes. */
  path: string;
  language: string;
  /** The symbol's name; for statement groups and line windows, a short label. */
  symbol: string;
  kind: ChunkKind;
  /** Enclosing scopes, outermost first, joined with "." (e.g. "Outer.Inner"); "" at top level. */
  scope: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  text: string;
  /** path + enclosing scope + signature (or name); shown with the chunk and indexed with it. */
  header: string;
  /** The definition's first line as written (`def parse(url):`), or its name when it has none; "" for statement groups and line windows. */
  signature: string;
  /** sha256 of the text. */
  contentHash: string;
  /** Definitions inside the chunk other than its own (a small class's methods), where they are: found by their names too. */
  members?: ChunkMember[];
}

/** A definition inside a chunk: its name, kind and lines (1-based, inclusive, in the file). */
export interface ChunkMember {
  name: string;
  kind: ChunkKind;
  startLine: number;
  endLine: number;
}

/** A piece of a file before it becomes a chunk: rows and what it is. */
export interface Piece {
  /** 0-based rows, inclusive. */
  start: number;
  end: number;
  symbol: string;
  kind: ChunkKind;
  scope: string;
  signature: string;
  /** Definitions inside a piece kept whole (0-based rows). */
  members?: Array<{ name: string; kind: ChunkKind; start: number; end: number }>;
}

export interface ChunkerLimits {
  /** A chunk longer than this is split (lines). */
  maxLines: number;
  /** A chunk larger than this is split (characters). */
  maxChars: number;
  /** Line-window size for text without structure. */
  windowLines: number;
}

export const DEFAULT_LIMITS: ChunkerLimits = { maxLines: 120, maxChars: 6000, windowLines: 60 };
