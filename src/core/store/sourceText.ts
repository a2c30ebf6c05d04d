// A search hit's code, read from its file in the workspace (see SourceReader).
import { sha256Hex } from "../util/hash";
import type { ChunkRef } from "./schema";

/**
 * Reads a file of the indexed tree (folder-relative path), or undefined when it can't.
 * Search results take their code from the file when it still hashes as indexed: reading ten
 * rows' text out of LanceDB costs more than both searches.
 */
export type SourceReader = (path: string) => Promise<string | undefined>;

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

/** Lines `start`..`end` (1-based, inclusive) joined by "\n", as the chunker cut them; undefined past the end. */
function linesOf(file: string, start: number, end: number): string | undefined {
  let from = 0;
  for (let line = 1; line < start; line++) {
    from = file.indexOf("\n", from) + 1;
    if (from === 0) return undefined;
  }
  let to = from;
  for (let line = start; line <= end; line++) {
    const newline = file.indexOf("\n", to);
    if (newline === -1) {
      if (line < end) return undefined;
      to = file.length;
      break;
    }
    to = line < end ? newline + 1 : newline;
  }
  return file.slice(from, to).replace(/\r\n/g, "\n").replace(/\r$/, "");
}
