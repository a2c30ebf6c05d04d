// Vectors kept by content, for one embedder: re-indexing, renames, branch switches and reverts find
// the vector of content embedded before instead of paying for it again. Two append-only files per
// embedder fingerprint: `<fp>.keys` (16 bytes of each content key's hash) and `<fp>.vec` (the
// float32 vectors, in the same order). A torn append (a crash mid-write) leaves the shorter of the
// two as the truth; the writer trims the rest before appending. Writes happen under the index's
// writer lock; readers only read. Past `maxBytes` the older half is dropped. Another process (the
// extension's indexing process) writes the same files: what this one knows of them is read again
// whenever the files are not as it left them.
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";

const KEY_BYTES = 16;

export interface VectorCacheOptions {
  /** The folder holding the cache files (shared by the index's generations). */
  dir: string;
  /** The embedder's fingerprint: each embedder has its own files. */
  embedder: string;
  dims: number;
  /** Vector bytes kept at most (default 512 MiB); past it the older half goes. */
  maxBytes?: number;
}

/** The cache key of a piece of content (a chunk's title and code, without its path). */
export function contentKey(content: string): string {
  return createHash("sha256").update(content).digest("hex").slice(0, KEY_BYTES * 2);
}

export class VectorCache {
  private readonly keysFile: string;
  private readonly vecFile: string;
  private readonly recordBytes: number;
  private positions: Map<string, number> | undefined;
  private count = 0;
  /** The files as `positions` knows them (inode and size of each): another writer changes this. */
  private seen = "";
  /** Reads and writes one at a time: a put appends and may rewrite the files, which a read must not see half done. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: VectorCacheOptions) {
    const name = options.embedder.slice(0, 16);
    this.keysFile = path.join(options.dir, `${name}.keys`);
    this.vecFile = path.join(options.dir, `${name}.vec`);
    this.recordBytes = options.dims * 4;
  }

  /** Vectors kept. */
  async size(): Promise<number> {
    await this.load();
    return this.count;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** The cached vector of each key, or undefined where there is none. */
  get(keys: readonly string[]): Promise<Array<Float32Array | undefined>> {
    return this.serial(() => this.read(keys));
  }

  /** Keeps these vectors (keys already kept are left as they are). The caller holds the writer lock. */
  put(entries: ReadonlyArray<{ key: string; vector: Float32Array }>): Promise<void> {
    return this.serial(() => this.append(entries));
  }

  private async read(keys: readonly string[]): Promise<Array<Float32Array | undefined>> {
    const positions = await this.load();
    const out = new Array<Float32Array | undefined>(keys.length).fill(undefined);
    const wanted = keys.map((key, i) => ({ i, at: positions.get(key) })).filter((w): w is { i: number; at: number } => w.at !== undefined);
    if (wanted.length === 0) return out;
    const handle = await fs.open(this.vecFile, "r");
    try {
      for (const { i, at } of wanted.sort((a, b) => a.at - b.at)) {
        const buffer = Buffer.alloc(this.recordBytes);
        const { bytesRead } = await handle.read(buffer, 0, this.recordBytes, at * this.recordBytes);
        if (bytesRead === this.recordBytes) out[i] = new Float32Array(buffer.buffer, buffer.byteOffset, this.options.dims).slice();
      }
    } finally {
      await handle.close();
    }
    return out;
  }

  private async append(entries: ReadonlyArray<{ key: string; vector: Float32Array }>): Promise<void> {
    const positions = await this.load();
    const seen = new Set<string>();
    const fresh = entries.filter((entry) => !positions.has(entry.key) && !seen.has(entry.key) && seen.add(entry.key));
    if (fresh.length === 0) return;
    await this.trimTorn();
    const keys = Buffer.alloc(fresh.length * KEY_BYTES);
    const vectors = Buffer.alloc(fresh.length * this.recordBytes);
    fresh.forEach((entry, i) => {
      if (entry.vector.length !== this.options.dims) throw new Error(`A ${entry.vector.length}-dimensional vector for a cache of ${this.options.dims}`);
      keys.write(entry.key, i * KEY_BYTES, KEY_BYTES, "hex");
      Buffer.from(entry.vector.buffer, entry.vector.byteOffset, this.recordBytes).copy(vectors, i * this.recordBytes);
    });
    // Vectors first: a key is only ever written after its vector.
    await fs.appendFile(this.vecFile, vectors);
    await fs.appendFile(this.keysFile, keys);
    fresh.forEach((entry, i) => positions.set(entry.key, this.count + i));
    this.count += fresh.length;
    this.seen = await this.filesState();
    if (this.count * this.recordBytes > (this.options.maxBytes ?? 512 * 1024 * 1024)) await this.dropOlderHalf();
  }

  /** The files' identity and sizes now ("" when there are none). */
  private async filesState(): Promise<string> {
    const [keys, vec] = await Promise.all([fs.stat(this.keysFile).catch(() => undefined), fs.stat(this.vecFile).catch(() => undefined)]);
    return `${keys?.ino ?? "-"}:${keys?.size ?? 0}:${keys?.mtimeMs ?? 0}:${vec?.ino ?? "-"}:${vec?.size ?? 0}:${vec?.mtimeMs ?? 0}`;
  }

  /** The key positions, read again when the files are not as this process last left them. */
  private async load(): Promise<Map<string, number>> {
    const state = await this.filesState();
    if (this.positions && state === this.seen) return this.positions;
    await fs.mkdir(this.options.dir, { recursive: true });
    const [keys, vecStat] = await Promise.all([fs.readFile(this.keysFile).catch(() => Buffer.alloc(0)), fs.stat(this.vecFile).catch(() => undefined)]);
    this.count = Math.min(Math.floor(keys.length / KEY_BYTES), Math.floor((vecStat?.size ?? 0) / this.recordBytes));
    const positions = new Map<string, number>();
    for (let i = 0; i < this.count; i++) positions.set(keys.toString("hex", i * KEY_BYTES, (i + 1) * KEY_BYTES), i);
    this.positions = positions;
    // The state taken before reading: a write by another process meanwhile makes the next look read again.
    this.seen = state;
    return positions;
  }

  /** Cuts both files to the records they share (after a torn append); the caller holds the writer lock. */
  private async trimTorn(): Promise<void> {
    for (const [file, size] of [[this.keysFile, this.count * KEY_BYTES], [this.vecFile, this.count * this.recordBytes]] as const) {
      const stat = await fs.stat(file).catch(() => undefined);
      if (stat && stat.size !== size) await fs.truncate(file, size);
    }
  }

  private async dropOlderHalf(): Promise<void> {
    const keep = Math.floor(this.count / 2);
    const from = this.count - keep;
    const [keys, vectors] = await Promise.all([fs.readFile(this.keysFile), fs.readFile(this.vecFile)]);
    await fs.writeFile(`${this.keysFile}.tmp`, keys.subarray(from * KEY_BYTES, this.count * KEY_BYTES));
    await fs.writeFile(`${this.vecFile}.tmp`, vectors.subarray(from * this.recordBytes, this.count * this.recordBytes));
    // Keys go first: a moment with new keys and old vectors reads as fewer records, never wrong ones.
    await fs.rm(this.keysFile, { force: true });
    await fs.rename(`${this.vecFile}.tmp`, this.vecFile);
    await fs.rename(`${this.keysFile}.tmp`, this.keysFile);
    this.positions = undefined;
    await this.load();
  }
}
