// Near-duplicate detection for training examples: MinHash signatures of token 5-grams, banded for
// lookup (LSH), confirmed by the signatures' agreement. Two answers that differ only in whitespace
// or a few tokens are one example.
import { fnv1a } from "../util/hash";

const HASHES = 64;
const BANDS = 16;
const ROWS = HASHES / BANDS;
/** Signatures agreeing on at least this share count as near-duplicates (about that Jaccard similarity). */
const THRESHOLD = 0.85;

function shingles(text: string): Set<number> {
  const tokens = text.match(/[A-Za-z_$][\w$]*|\d+|\S/g) ?? [];
  const out = new Set<number>();
  if (tokens.length < 5) out.add(fnv1a(tokens.join(" ")));
  for (let i = 0; i + 5 <= tokens.length; i++) out.add(fnv1a(tokens.slice(i, i + 5).join(" ")));
  return out;
}

function signature(text: string): Uint32Array {
  const sig = new Uint32Array(HASHES).fill(0xffffffff);
  for (const shingle of shingles(text)) {
    for (let i = 0; i < HASHES; i++) {
      // A cheap family of hash functions: multiply-xorshift with per-function constants.
      let h = Math.imul(shingle ^ Math.imul(i + 1, 0x9e3779b1), 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35) >>> 0;
      if (h < sig[i]) sig[i] = h;
    }
  }
  return sig;
}

export class MinHashIndex {
  private readonly buckets = new Map<string, Uint32Array[]>();

  /** Signatures sharing a band with this one. */
  candidates(sig: Uint32Array): Uint32Array[] {
    const found = new Set<Uint32Array>();
    for (let b = 0; b < BANDS; b++) for (const other of this.buckets.get(bandKey(sig, b)) ?? []) found.add(other);
    return [...found];
  }

  add(sig: Uint32Array): void {
    for (let b = 0; b < BANDS; b++) {
      const key = bandKey(sig, b);
      const list = this.buckets.get(key) ?? [];
      list.push(sig);
      this.buckets.set(key, list);
    }
  }
}

function bandKey(sig: Uint32Array, band: number): string {
  return `${band}:${Array.from(sig.subarray(band * ROWS, (band + 1) * ROWS)).join(",")}`;
}

/** Whether the text is a near-duplicate of one seen before; if not, it is remembered. */
export function isNearDuplicate(index: MinHashIndex, text: string): boolean {
  const sig = signature(text);
  for (const other of index.candidates(sig)) {
    let same = 0;
    for (let i = 0; i < HASHES; i++) if (sig[i] === other[i]) same++;
    if (same / HASHES >= THRESHOLD) return true;
  }
  index.add(sig);
  return false;
}
