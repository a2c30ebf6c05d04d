// Reads a folder's files for search hits, never outside the folder.
import { promises as fs, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { relativeInside } from "../../shared/fsPaths";
import { LRUCache } from "lru-cache";
import type { SourceReader } from "../store/store";
import { memoizeBounded } from "../util/memo";

/** Paths kept resolved (about 150 bytes each). */
const RESOLVED_PATHS = 10_000;
/** Bytes of files kept between searches: hits keep coming from the same files. */
const SOURCE_CACHE_BYTES = 16 * 2 ** 20;
/**
 * A synchronous read slower than this, plus a millisecond per MB (the page cache gives a GB a
 * second or more), came from the disk.
 */
const SLOW_READ_MS = 1.5;
/** After a slow read, reads go side by side this long: the rest of that search's files, and the next search's. */
const SIDE_BY_SIDE_MS = 100;

/**
 * Synchronously while the files come from the page cache: a handful of indexed (size-capped)
 * files take ~0.2 ms that way, a quarter of fs.promises' time. Once a read has had to wait on the
 * disk (a cold page cache), the next ones go through fs.promises, so a search's files are read side
 * by side instead of one disk wait after another, and the event loop is not held meanwhile. The
 * most recently read are kept while their size and modification time stay the same (the store
 * checks each hit's lines against its indexed hash anyway). `slowReadMs` replaces SLOW_READ_MS
 * (tests force the side-by-side reads with -Infinity).
 */
export function sourceReader(root: string, options: { slowReadMs?: number } = {}): SourceReader {
  const base = path.resolve(root);
  const slowReadMs = options.slowReadMs ?? SLOW_READ_MS;
  const cache = new LRUCache<string, { mtimeMs: number; size: number; bytes: Buffer }>({
    maxSize: SOURCE_CACHE_BYTES,
    maxEntrySize: SOURCE_CACHE_BYTES / 4,
    sizeCalculation: (entry) => Math.max(1, entry.bytes.length),
  });
  let sideBySideUntil = 0;
  const kept = (relPath: string, stat: { mtimeMs: number; size: number }): Buffer | undefined => {
    const entry = cache.get(relPath);
    return entry && entry.mtimeMs === stat.mtimeMs && entry.size === stat.size ? entry.bytes : undefined;
  };
  // Hits keep coming from the same files: each path is resolved and checked once (resolving
  // builds its result a segment at a time: 50 of the 720 KB a search at 100k chunks allocated).
  const inside = memoizeBounded((relPath: string): string | null => {
    const file = path.resolve(base, relPath);
    return relativeInside(base, file) === undefined ? null : file;
  }, RESOLVED_PATHS);
  return async (relPath) => {
    const file = inside(relPath);
    if (file === null) return undefined;
    if (performance.now() < sideBySideUntil) {
      const stat = await fs.stat(file);
      const bytes = kept(relPath, stat) ?? (await fs.readFile(file));
      cache.set(relPath, { mtimeMs: stat.mtimeMs, size: stat.size, bytes });
      return bytes;
    }
    const started = performance.now();
    const stat = statSync(file);
    let bytes = kept(relPath, stat);
    if (bytes === undefined) {
      bytes = readFileSync(file);
      cache.set(relPath, { mtimeMs: stat.mtimeMs, size: stat.size, bytes });
    }
    const ended = performance.now();
    if (ended - started > slowReadMs + stat.size / 1e6) sideBySideUntil = ended + SIDE_BY_SIDE_MS;
    return bytes;
  };
}
