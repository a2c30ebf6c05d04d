// The default embedder: offline, deterministic, no download. Code-aware hashed features (split
// identifiers, stems, subword pairs, character trigrams) folded into a fixed-size signed vector
// with square-root term weights, the title (symbol, scope, signature) weighted above the code,
// L2-normalized. The weights were chosen on Python's standard library and are reported on
// JavaScript sources it never saw (see README, "Retrieval quality").
import { fnv1a, sha256Hex } from "../util/hash";
import { featureTablesDigest, identifierFieldTermsOnce, identifiers, splitIdentifier, stem, STOP_WORDS } from "../util/text";
import { hashRange, identifierEnd, IdentifierTable, nextIdentifier } from "./identifierTable";
import { relatedWords } from "../util/words";
import { type EmbedInput, type Embedder, l2Normalize } from "./embedder";

export interface BuiltinEmbedderOptions {
  dims?: number;
  /** Identifiers whose features are kept between texts (default 200,000); the cache is emptied when full. */
  cachedIdentifiers?: number;
}

const TITLE_WEIGHT = 3;
const WORD_WEIGHT = 1.0;
const WHOLE_IDENTIFIER_WEIGHT = 0.3;
const BIGRAM_WEIGHT = 0.3;
const TRIGRAM_WEIGHT = 1.0;
const RELATED_WEIGHT = 1.0;
const SIGN_SEED = 0x9e3779b9;

/**
 * Text the fingerprint embeds: identifiers of every shape (camel, snake, acronyms, run-together,
 * abbreviations, numbers), prose and stems, so a change to any feature family changes the vectors.
 */
const FINGERPRINT_PROBE = [
  "def parse_url(raw_url, max_retries=3): return urlsplit(raw_url).netloc",
  "class HTTPServer2 extends BaseServer { handleRequest(req, res) { res.writeHead(404); } }",
  "func (c *Client) rmdirAll(ctx context.Context, namelist []string) error { return os.RemoveAll(cwd) }",
  "Returns the logarithm of the largest value; raises ValueError when the sequence is empty.",
  "isfuture deepcopy getattr kwargs nlargest parsing parsed components retries $jq_selector __init__",
].join("\n");

export class BuiltinEmbedder implements Embedder {
  readonly id = "builtin";
  readonly dims: number;
  private readonly features: FeatureTable;
  private fingerprintValue: string | undefined;

  constructor(options: BuiltinEmbedderOptions = {}) {
    this.dims = options.dims ?? 512;
    if (!Number.isInteger(this.dims) || this.dims < 16) {
      throw new Error(`Builtin embedder dims must be an integer >= 16, got ${options.dims}`);
    }
    this.features = new FeatureTable(this.dims, options.cachedIdentifiers ?? MAX_CACHED_IDENTIFIERS);
  }

  /** Derived, not declared: the weights, the feature tables, and the vectors of a probe text. */
  get fingerprint(): string {
    if (this.fingerprintValue === undefined) {
      const probe = [this.embedSync(FINGERPRINT_PROBE, "parseURL HTTPServer"), this.embedSync(FINGERPRINT_PROBE)];
      this.fingerprintValue = sha256Hex(JSON.stringify({
        scheme: this.id,
        dims: this.dims,
        weights: [TITLE_WEIGHT, WORD_WEIGHT, WHOLE_IDENTIFIER_WEIGHT, BIGRAM_WEIGHT, TRIGRAM_WEIGHT, RELATED_WEIGHT, SIGN_SEED],
        tables: featureTablesDigest(),
        // Rounded: the fingerprint must not depend on the last bits of floating-point arithmetic.
        probe: probe.map((vector) => Array.from(vector, (x) => Math.round(x * 1e6))),
      })).slice(0, 32);
    }
    return this.fingerprintValue;
  }

  async embedDocuments(docs: readonly EmbedInput[]): Promise<Float32Array[]> {
    return docs.map((doc) => this.embedSync(doc.text, doc.title));
  }

  async embedQuery(text: string): Promise<Float32Array> {
    return this.embedSync(text);
  }

  embedSync(text: string, title = ""): Float32Array {
    return this.embedParts(title, "", text);
  }

  /**
   * Embeds a chunk as `embedSync(\`${prefix}\n${code}\`, title)` does, and gives each of the
   * code's identifiers' `identifierFieldTerms` (what `codeFieldTerms(code)` gives where
   * `identifiersAreRuns(code)`, for the full-text index) from the same scan: the indexing
   * workers' embed and fields stages in one pass.
   */
  embedCode(prefix: string, code: string, title: string): { vector: Float32Array; words: string } {
    const words: string[] = [];
    const vector = this.embedParts(title, prefix, code, words);
    return { vector, words: words.join(" ") };
  }

  private embedParts(title: string, prefix: string, text: string, words?: string[]): Float32Array {
    const features = this.features;
    features.bound();
    features.add(features.count("", title), TITLE_WEIGHT);
    // A newline ends an identifier: the prefix's and the text's identifiers are those of the two joined.
    features.add(features.count(prefix, text, words), 1);
    return l2Normalize(features.drain(new Float32Array(this.dims)));
  }
}

/** Exported for tests: the weighted features of a text. */
export function featureWeights(text: string, scale = 1): Map<string, number> {
  const weights = new Map<string, number>();
  for (const id of identifiers(text)) {
    for (const [feature, weight] of identifierFeatures(id)) weights.set(feature, (weights.get(feature) ?? 0) + weight * scale);
  }
  return weights;
}

/**
 * Identifiers repeat across code (`self`, `name`, `value`…), so each one's features are worked out
 * once: split, stemmed, trigrams, related words, hashed to a bucket and a sign, numbered. A chunk's
 * features then add up by number. The cache is dropped when it grows past a bound.
 */
class FeatureTable {
  private readonly numbers = new Map<string, number>();
  private buckets = new Int32Array(1024);
  private signs = new Int8Array(1024);
  private readonly byIdentifier = new IdentifierTable<IdentifierEntry>();
  private readonly byWord = new Map<string, WordFeatures>();
  /** The text's weight of each feature, by number, and the numbers that have one, in order. */
  private sums = new Float64Array(1024);
  private readonly touched: number[] = [];
  /** Tells one count's identifiers apart: an entry counted under an older one starts again at zero. */
  private counting = 0;

  constructor(
    private readonly dims: number,
    private readonly maxIdentifiers: number,
  ) {}

  /**
   * The distinct identifiers of `prefix` and `text` (read as one), in order of first appearance,
   * each with its count; with `words`, each of the text's identifiers pushes its full-text terms
   * there, one per appearance (`identifierFieldTerms`). The entries are valid until the next count.
   */
  count(prefix: string, text: string, words?: string[]): IdentifierEntry[] {
    const counting = ++this.counting;
    const distinct: IdentifierEntry[] = [];
    if (prefix) this.tally(prefix, counting, distinct);
    this.tally(text, counting, distinct, words);
    return distinct;
  }

  private tally(text: string, counting: number, distinct: IdentifierEntry[], words?: string[]): void {
    for (let start = nextIdentifier(text, 0); start >= 0;) {
      const end = identifierEnd(text, start);
      const hash = hashRange(text, start, end);
      const entry = this.byIdentifier.find(text, start, end, hash) ?? this.learn(text.slice(start, end), hash);
      if (entry.counting !== counting) {
        entry.counting = counting;
        entry.count = 0;
        distinct.push(entry);
      }
      entry.count++;
      if (words) {
        entry.words ??= identifierFieldTermsOnce(entry.id);
        if (entry.words) words.push(entry.words);
      }
      start = nextIdentifier(text, end);
    }
  }

  /** Code repeats its identifiers: each distinct one adds its features once, times its count. */
  add(entries: readonly IdentifierEntry[], scale: number): void {
    const sums = this.sums;
    for (const entry of entries) {
      const times = scale * entry.count;
      const features = entry.features;
      const weights = entry.weights;
      for (let i = 0; i < features.length; i++) {
        const feature = features[i];
        if (sums[feature] === 0) this.touched.push(feature);
        sums[feature] += weights[i] * times;
      }
    }
  }

  /** Folds the accumulated features into `vector` (square-root weights, signed) and resets them. */
  drain(vector: Float32Array): Float32Array {
    for (const feature of this.touched) {
      vector[this.buckets[feature]] += this.signs[feature] * Math.sqrt(this.sums[feature]);
      this.sums[feature] = 0;
    }
    this.touched.length = 0;
    return vector;
  }

  /** Drops the cache when it has grown too big; only between texts, where no numbers are in use. */
  bound(): void {
    if (this.byIdentifier.size < this.maxIdentifiers) return;
    this.byIdentifier.clear();
    this.byWord.clear();
    this.numbers.clear();
  }

  private learn(id: string, hash: number): IdentifierEntry {
    const features: number[] = [];
    const weights: number[] = [];
    const add = (feature: number, weight: number): void => {
      features.push(feature);
      weights.push(weight);
    };
    const words = identifierWords(id);
    if (words.length > 1) add(this.number("i" + words.join("_")), WHOLE_IDENTIFIER_WEIGHT);
    let previous = "";
    for (const word of words) {
      const entry = this.byWord.get(word) ?? this.learnWord(word);
      add(entry.stemFeature, WORD_WEIGHT);
      if (previous) add(this.number("b" + previous + " " + entry.stem), BIGRAM_WEIGHT);
      previous = entry.stem;
      for (let i = 0; i < entry.rest.length; i++) add(entry.rest[i], entry.restWeights[i]);
    }
    const entry = new IdentifierEntry(id, hash, Int32Array.from(features), Float64Array.from(weights));
    this.byIdentifier.add(entry);
    return entry;
  }

  /** A word's own features, numbered: shared by every identifier that has the word. */
  private learnWord(word: string): WordFeatures {
    const own = ownFeatures(word);
    const entry = {
      stem: own.stem,
      stemFeature: this.number("w" + own.stem),
      rest: own.rest.map(([feature]) => this.number(feature)),
      restWeights: own.rest.map(([, weight]) => weight),
    };
    this.byWord.set(word, entry);
    return entry;
  }

  private number(feature: string): number {
    let n = this.numbers.get(feature);
    if (n === undefined) {
      n = this.numbers.size;
      this.numbers.set(feature, n);
      if (n >= this.buckets.length) {
        this.buckets = grown(this.buckets, new Int32Array(this.buckets.length * 2));
        this.signs = grown(this.signs, new Int8Array(this.signs.length * 2));
        this.sums = grown(this.sums, new Float64Array(this.sums.length * 2));
      }
      this.buckets[n] = fnv1a(feature) % this.dims;
      this.signs[n] = fnv1a(feature, SIGN_SEED) & 1 ? 1 : -1;
    }
    return n;
  }
}

const MAX_CACHED_IDENTIFIERS = 200_000;

/** One identifier's numbered features, and where a count has got to with it. */
class IdentifierEntry {
  count = 0;
  counting = 0;
  /** Its terms in the full-text code field (`identifierFieldTerms`), once asked for. */
  words: string | undefined = undefined;

  constructor(
    readonly id: string,
    readonly hash: number,
    readonly features: Int32Array,
    readonly weights: Float64Array,
  ) {}
}

interface WordFeatures {
  stem: string;
  stemFeature: number;
  /** Trigram and related-word features, in ownFeatures' order. */
  rest: number[];
  restWeights: number[];
}

function grown<T extends Int32Array | Int8Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

// Feature strings carry a one-character prefix naming their family, so families never collide.
// Every feature of an identifier comes from the identifier alone (bigrams never cross two); the
// FeatureTable composes the same features from the same parts, by number.
function identifierFeatures(id: string): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  const words = identifierWords(id);
  if (words.length > 1) out.push(["i" + words.join("_"), WHOLE_IDENTIFIER_WEIGHT]);
  let previous = "";
  for (const word of words) {
    const own = ownFeatures(word);
    out.push(["w" + own.stem, WORD_WEIGHT]);
    if (previous) out.push(["b" + previous + " " + own.stem, BIGRAM_WEIGHT]);
    previous = own.stem;
    out.push(...own.rest);
  }
  return out;
}

/** The words of an identifier that carry features: split, longer than a letter, not stop words. */
function identifierWords(id: string): string[] {
  return /^[0-9]/.test(id) ? [] : splitIdentifier(id).filter((w) => w.length > 1 && !STOP_WORDS.has(w));
}

/** A word's stem, and its features besides the stem: its trigrams and the stems of the words it stands for. */
function ownFeatures(word: string): { stem: string; rest: Array<[string, number]> } {
  const rest: Array<[string, number]> = [];
  const padded = `^${word}$`;
  for (let i = 0; i + 3 <= padded.length; i++) rest.push(["t" + padded.slice(i, i + 3), TRIGRAM_WEIGHT]);
  for (const related of relatedWords(word)) if (!STOP_WORDS.has(related)) rest.push(["w" + stem(related), RELATED_WEIGHT]);
  return { stem: stem(word), rest };
}
