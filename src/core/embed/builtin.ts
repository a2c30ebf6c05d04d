// The default embedder: offline, deterministic, no download. Code-aware hashed features (split
// identifiers, stems, subword pairs, character trigrams) folded into a fixed-size signed vector
// with square-root term weights, the title (symbol, scope, signature) weighted above the code,
// L2-normalized. The weights were chosen on Python's standard library and are reported on
// JavaScript sources it never saw (see README, "Retrieval quality").
import { fnv1a } from "../util/hash";
import { identifiers, splitIdentifier, stem, STOP_WORDS } from "../util/text";
import { relatedWords } from "../util/words";
import { type EmbedInput, type Embedder, l2Normalize } from "./embedder";

export interface BuiltinEmbedderOptions {
  dims?: number;
}

const TITLE_WEIGHT = 3;
const WORD_WEIGHT = 1.0;
const WHOLE_IDENTIFIER_WEIGHT = 0.3;
const BIGRAM_WEIGHT = 0.3;
const TRIGRAM_WEIGHT = 1.0;
const RELATED_WEIGHT = 1.0;
const SIGN_SEED = 0x9e3779b9;

export class BuiltinEmbedder implements Embedder {
  readonly id = "builtin-hash-v3";
  readonly dims: number;

  constructor(options: BuiltinEmbedderOptions = {}) {
    this.dims = options.dims ?? 512;
    if (!Number.isInteger(this.dims) || this.dims < 16) {
      throw new Error(`Builtin embedder dims must be an integer >= 16, got ${options.dims}`);
    }
  }

  async embedDocuments(docs: readonly EmbedInput[]): Promise<Float32Array[]> {
    return docs.map((doc) => this.embedSync(doc.text, doc.title));
  }

  async embedQuery(text: string): Promise<Float32Array> {
    return this.embedSync(text);
  }

  embedSync(text: string, title = ""): Float32Array {
    const weights = new Map<string, number>();
    addFeatures(title, TITLE_WEIGHT, weights);
    addFeatures(text, 1, weights);
    const vector = new Float32Array(this.dims);
    for (const [feature, weight] of weights) {
      const bucket = fnv1a(feature) % this.dims;
      const sign = fnv1a(feature, SIGN_SEED) & 1 ? 1 : -1;
      vector[bucket] += sign * Math.sqrt(weight);
    }
    return l2Normalize(vector);
  }
}

/** Exported for tests: the weighted features of a text. */
export function featureWeights(text: string, scale = 1): Map<string, number> {
  const weights = new Map<string, number>();
  addFeatures(text, scale, weights);
  return weights;
}

// Feature strings carry a one-character prefix naming their family, so families never collide.
function addFeatures(text: string, scale: number, weights: Map<string, number>): void {
  const add = (feature: string, weight: number): void => {
    weights.set(feature, (weights.get(feature) ?? 0) + weight * scale);
  };
  for (const id of identifiers(text)) {
    if (/^[0-9]/.test(id)) continue;
    const words = splitIdentifier(id).filter((w) => w.length > 1 && !STOP_WORDS.has(w));
    if (words.length === 0) continue;
    if (words.length > 1) add("i" + words.join("_"), WHOLE_IDENTIFIER_WEIGHT);
    let previous = "";
    for (const word of words) {
      const stemmed = stem(word);
      add("w" + stemmed, WORD_WEIGHT);
      if (previous) add("b" + previous + " " + stemmed, BIGRAM_WEIGHT);
      previous = stemmed;
      const padded = `^${word}$`;
      for (let i = 0; i + 3 <= padded.length; i++) add("t" + padded.slice(i, i + 3), TRIGRAM_WEIGHT);
      for (const related of relatedWords(word)) if (!STOP_WORDS.has(related)) add("w" + stem(related), RELATED_WEIGHT);
    }
  }
}
