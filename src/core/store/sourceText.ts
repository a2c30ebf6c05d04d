// A search hit's code, read from its file in the workspace (see SourceReader).
import { sha256Hex } from "../util/hash";
import type { ChunkRef } from "./schema";

/**
 * Reads a file of the indexed tree (folder-relative path), or undefined when it can't.
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
