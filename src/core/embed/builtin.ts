// The default embedder: offline, deterministic, no download. Code-aware hashed features
// (split identifiers, stems, subword bigrams, character trigrams) folded into a fixed-size
// signed vector, sublinear term weights, L2-normalized.
import { fnv1a } from "../util/hash";
import { identifiers, splitIdentifier, stem, STOP_WORDS } from "../util/text";
import { type Embedder, l2Normalize } from "./embedder";

export interface BuiltinEmbedderOptions {
  dims?: number;
}

const WORD_WEIGHT = 1.0;
const WHOLE_IDENTIFIER_WEIGHT = 0.6;
const BIGRAM_WEIGHT = 0.5;
const TRIGRAM_WEIGHT = 0.2;
const SIGN_SEED = 0x9e3779b9;

export class BuiltinEmbedder implements Embedder {
  readonly id = "builtin-hash-v1";
  readonly dims: number;

  constructor(options: BuiltinEmbedderOptions = {}) {
    this.dims = options.dims ?? 512;
    if (!Number.isInteger(this.dims) || this.dims < 16) {
      throw new Error(`Builtin embedder dims must be an integer >= 16, got ${options.dims}`);
    }
  }

  async embedDocuments(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((text) => this.embedSync(text));
  }

  async embedQuery(text: string): Promise<Float32Array> {
    return this.embedSync(text);
  }

  embedSync(text: string): Float32Array {
    const counts = featureCounts(text);
    const vector = new Float32Array(this.dims);
    for (const [feature, count] of counts) {
      const weight = featureWeight(feature) * (1 + Math.log(count));
      const bucket = fnv1a(feature) % this.dims;
      const sign = fnv1a(feature, SIGN_SEED) & 1 ? 1 : -1;
      vector[bucket] += sign * weight;
    }
    return l2Normalize(vector);
  }
}

// Feature strings carry a one-character prefix naming their family, so families never collide.
function featureWeight(feature: string): number {
  switch (feature[0]) {
    case "w":
      return WORD_WEIGHT;
    case "i":
      return WHOLE_IDENTIFIER_WEIGHT;
    case "b":
      return BIGRAM_WEIGHT;
    default:
      return TRIGRAM_WEIGHT;
  }
}

/** Exported for tests: the feature multiset of a text. */
export function featureCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (feature: string): void => {
    counts.set(feature, (counts.get(feature) ?? 0) + 1);
  };
  for (const id of identifiers(text)) {
    if (/^[0-9]/.test(id)) continue;
    const words = splitIdentifier(id).filter((w) => w.length > 1 && !STOP_WORDS.has(w));
    if (words.length === 0) continue;
    if (words.length > 1) add("i" + words.join("_"));
    let previous = "";
    for (const word of words) {
      const stemmed = stem(word);
      add("w" + stemmed);
      if (previous) add("b" + previous + " " + stemmed);
      previous = stemmed;
      const padded = `^${word}$`;
      for (let i = 0; i + 3 <= padded.length; i++) add("t" + padded.slice(i, i + 3));
    }
  }
  return counts;
}
