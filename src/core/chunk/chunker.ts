// The chunker's entry point: picks tree-sitter, Markdown or line windows for a file, guarantees
// that every non-blank line lands in a chunk, and builds each chunk's header and hash.
import { Parser } from "web-tree-sitter";
import { sha256Hex } from "../util/hash";
import { splitLines } from "../util/text";
import { type GrammarLocation, loadLanguage } from "./grammars";
import { languageForFile, languageSpec } from "./languages";
import { lineWindows, markdownPieces } from "./textChunker";
import { TreeChunker } from "./treeChunker";
import { type Chunk, type ChunkerLimits, DEFAULT_LIMITS, hasOwnName, type Piece } from "./types";

export interface ChunkerOptions {
  limits?: Partial<ChunkerLimits>;
  grammars?: GrammarLocation;
  /** Parsing a file longer than this falls back to line windows. */
  parseTimeoutMs?: number;
}

export interface ChunkResult {
  language: string;
  chunks: Chunk[];
  /** Set when the file was chunked by a fallback, saying why. */
  note?: string;
}

export class Chunker {
  private readonly limits: ChunkerLimits;
  private readonly parsers = new Map<string, Parser>();

  constructor(private readonly options: ChunkerOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
  }

  async chunkFile(filePath: string, text: string): Promise<ChunkResult> {
    const language = languageForFile(filePath, text);
    const lines = splitLines(text);
    const fileLabel = filePath.slice(filePath.lastIndexOf("/") + 1);
    let pieces: Piece[];
    let note: string | undefined;
    if (language === "markdown") {
      pieces = markdownPieces(lines, this.limits, fileLabel);
    } else if (languageSpec(language)) {
      const parsed = await this.treePieces(language, text, lines, fileLabel);
      pieces = parsed.pieces;
      note = parsed.note;
    } else {
      pieces = lineWindows(lines, 0, lines.length - 1, this.limits, { symbol: fileLabel, kind: "lines", scope: "", signature: "" });
    }
    pieces.push(...uncoveredPieces(lines, pieces, this.limits, fileLabel));
    pieces.sort((a, b) => a.start - b.start || a.end - b.end);
    return { language, chunks: pieces.map((piece) => toChunk(filePath, language, lines, piece)), note };
  }

  /** Frees the parsers' wasm memory. */
  dispose(): void {
    for (const parser of this.parsers.values()) parser.delete();
    this.parsers.clear();
  }

  private async treePieces(language: string, text: string, lines: string[], fileLabel: string): Promise<{ pieces: Piece[]; note?: string }> {
    const spec = languageSpec(language)!;
    let parser = this.parsers.get(language);
    if (!parser) {
      const grammar = await loadLanguage(spec, this.options.grammars);
      parser = new Parser();
      parser.setLanguage(grammar);
      this.parsers.set(language, parser);
    }
    const deadline = Date.now() + (this.options.parseTimeoutMs ?? 10_000);
    const tree = parser.parse(text, null, {
      progressCallback: (() => Date.now() > deadline) as unknown as () => void,
    });
    const label = { symbol: fileLabel, kind: "lines" as const, scope: "", signature: "" };
    if (!tree) {
      parser.reset();
      return { pieces: lineWindows(lines, 0, lines.length - 1, this.limits, label), note: "parse timed out: chunked by line windows" };
    }
    try {
      return { pieces: new TreeChunker(spec, lines, this.limits).chunk(tree.rootNode, fileLabel) };
    } finally {
      tree.delete();
    }
  }
}

/** Line windows over any non-blank lines that no piece covers: no code is ever dropped. */
function uncoveredPieces(lines: readonly string[], pieces: readonly Piece[], limits: ChunkerLimits, fileLabel: string): Piece[] {
  const covered = new Uint8Array(lines.length);
  for (const piece of pieces) covered.fill(1, piece.start, piece.end + 1);
  const extra: Piece[] = [];
  let row = 0;
  while (row < lines.length) {
    if (covered[row] || !lines[row].trim()) {
      row++;
      continue;
    }
    let end = row;
    while (end + 1 < lines.length && !covered[end + 1]) end++;
    extra.push(...lineWindows(lines, row, end, limits, { symbol: fileLabel, kind: "lines", scope: "", signature: "" }));
    row = end + 1;
  }
  return extra;
}

function toChunk(filePath: string, language: string, lines: readonly string[], piece: Piece): Chunk {
  const text = lines.slice(piece.start, piece.end + 1).join("\n");
  const parts = [filePath];
  if (piece.scope) parts.push(piece.scope);
  parts.push(piece.signature || piece.symbol);
  return {
    path: filePath,
    language,
    symbol: piece.symbol,
    kind: piece.kind,
    scope: piece.scope,
    startLine: piece.start + 1,
    endLine: piece.end + 1,
    text,
    header: parts.join(" > "),
    signature: hasOwnName(piece.kind) ? piece.signature || piece.symbol : "",
    contentHash: sha256Hex(text),
    ...(piece.members?.length ? { members: piece.members.map((m) => ({ name: m.name, kind: m.kind, startLine: m.start + 1, endLine: m.end + 1 })) } : {}),
  };
}
