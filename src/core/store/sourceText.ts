// A search hit's code, read from its file in the workspace (see SourceReader).
import { sha256Hex } from "../util/hash";
import type { ChunkRef, StoredChunk } from "./schema";

/**
 * Reads a file of the indexed tree (folder-relative path), or undefined when it can't. A buffer it
 * returns is never changed afterwards (results are remembered by buffer: see `relocated`).
 * Search results take their code from the file when it still hashes as indexed: reading ten
 * rows' text out of LanceDB costs more than both searches. Bytes, not text: only a hit's lines are
 * decoded, and a file's bytes stay outside the JavaScript heap (a search reads some 0.5–1 MB of
 * files; as strings they made the garbage collector's young-generation pauses 4–6 ms long).
 */
export type SourceReader = (path: string) => Promise<Buffer | undefined>;

/** The code of each reference whose lines in its source file still hash as indexed. */
export async function textsFromSource(refs: readonly ChunkRef[], source: SourceReader): Promise<Map<string, string>> {
  const paths = [...new Set(refs.map((ref) => ref.path))];
  const files = new Map(await Promise.all(paths.map(async (p) => [p, await source(p).catch(() => undefined)] as const)));
  const texts = new Map<string, string>();
  for (const ref of refs) {
    const file = files.get(ref.path);
    const text = file === undefined ? undefined : linesOf(file, ref.startLine, ref.endLine);
    if (text !== undefined && sha256Hex(text) === ref.contentHash) texts.set(ref.id, text);
  }
  return texts;
}

/**
 * Chunks read from the index (cache or rows) checked against their files: a chunk whose lines no
 * longer read as indexed (the file changed, and the index has not caught up yet) is moved to where
 * the same lines are now, the nearest to where they were, so that its citation points at its code.
 * One whose code is no longer in the file, or too short to tell apart (`}`, `pass`), keeps its
 * indexed lines.
 */
export async function relocated(chunks: readonly StoredChunk[], source: SourceReader): Promise<StoredChunk[]> {
  const paths = [...new Set(chunks.map((chunk) => chunk.path))];
  const files = new Map(await Promise.all(paths.map(async (p) => [p, await source(p).catch(() => undefined)] as const)));
  const lines = new Map<string, string[]>();
  return chunks.map((chunk) => {
    const file = files.get(chunk.path);
    if (file === undefined) return chunk;
    let starts = located.get(file);
    if (!starts) located.set(file, (starts = new Map()));
    let start = starts.get(chunk.id);
    if (start === undefined) {
      if (linesOf(file, chunk.startLine, chunk.endLine) === chunk.text) start = chunk.startLine - 1;
      else if (chunk.text.replace(/\s+/g, "").length < MIN_RELOCATED_CHARS) start = NOT_FOUND;
      else {
        if (!lines.has(chunk.path)) lines.set(chunk.path, file.toString("utf8").split(/\r?\n/));
        start = nearestLines(lines.get(chunk.path)!, chunk.text.split("\n"), chunk.startLine - 1) ?? NOT_FOUND;
      }
      starts.set(chunk.id, start);
    }
    return start === NOT_FOUND || start === chunk.startLine - 1 ? chunk : { ...chunk, startLine: start + 1, endLine: start + 1 + chunk.endLine - chunk.startLine };
  });
}

/** Code shorter than this (not counting white space) is not looked for elsewhere in its file: it would be found in unrelated places. */
const MIN_RELOCATED_CHARS = 12;
const NOT_FOUND = -1;

/**
 * Where each chunk's code starts (0-based, NOT_FOUND), by the file's bytes as read: the source
 * reader hands out the same buffer while a file is unchanged (and never changes one it handed
 * out), so a hit that keeps coming back is looked for once.
 */
const located = new WeakMap<Buffer, Map<string, number>>();

/** The 0-based line where `wanted` occurs in `lines`, the occurrence nearest to `near`; undefined when it does not. */
function nearestLines(lines: readonly string[], wanted: readonly string[], near: number): number | undefined {
  let best: number | undefined;
  for (let i = 0; i + wanted.length <= lines.length; i++) {
    if (lines[i] !== wanted[0] || (best !== undefined && Math.abs(i - near) >= Math.abs(best - near))) continue;
    let j = 1;
    while (j < wanted.length && lines[i + j] === wanted[j]) j++;
    if (j === wanted.length) best = i;
  }
  return best;
}

const NEWLINE = 0x0a;

/**
 * Lines `start`..`end` (1-based, inclusive) joined by "\n", as the chunker cut them; undefined past
 * the end. A newline byte is never part of another UTF-8 character, so the lines are found in the
 * bytes and only they are decoded, to the same text the whole file's decoding would have there.
 */
function linesOf(file: Buffer, start: number, end: number): string | undefined {
  let from = 0;
  for (let line = 1; line < start; line++) {
    from = file.indexOf(NEWLINE, from) + 1;
    if (from === 0) return undefined;
  }
  let to = from;
  for (let line = start; line <= end; line++) {
    const newline = file.indexOf(NEWLINE, to);
    if (newline === -1) {
      if (line < end) return undefined;
      to = file.length;
      break;
    }
    to = line < end ? newline + 1 : newline;
  }
  return file.toString("utf8", from, to).replace(/\r\n/g, "\n").replace(/\r$/, "");
}
