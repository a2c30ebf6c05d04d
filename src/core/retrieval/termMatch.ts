// The second look at the fused head: how much of the query a chunk's code and name account for.
// Vector and BM25 scores reward a few strong words; a chunk that contains most of the question's
// words, or whose name is made of them, is usually the one asked about. Both features are in
// [0, 1] and cost nothing but the head's text, which is read for the answer anyway.
//
// A query word weighs by how rare it is in code (the identifier-word counts of npm sources that
// the segmenter uses, so "logarithm" outweighs "value"), and a word that only abbreviates or is
// part of the other (`log` for "logarithm", `nlargest` for "largest") counts half.
import { hasOwnName } from "../chunk/types";
import { identifiers, splitIdentifier, stem, STOP_WORDS } from "../util/text";
import { memoizeBounded } from "../util/memo";
import { relatedWords, vocabularyCounts } from "../util/words";

export interface TermMatch {
  /** Share of the query's words (by rarity) found in the chunk's code, scope or name. */
  coverage: number;
  /** Share of the chunk name's words that the query has. */
  name: number;
}

/** What the second look reads of a chunk. */
export interface MatchedChunk {
  text: string;
  symbol: string;
  scope?: string;
  kind?: string;
}

const NO_TERMS: ReadonlySet<string> = new Set();

/** What a word that only abbreviates or contains a query word counts for, against an exact one. */
const PARTIAL = 0.5;
/** Shorter words are prefixes of too much (`re`, `to`). */
const MIN_PARTIAL_LENGTH = 3;
/** Shorter words are found inside too much (`set` in `offset`). */
const MIN_CONTAINED_LENGTH = 4;

/** The words of a text as matching compares them: split identifiers, what they stand for, stemmed. */
export function matchTerms(text: string): Set<string> {
  const terms = new Set<string>();
  for (const id of identifiers(text)) for (const term of identifierTerms(id)) terms.add(term);
  return terms;
}

/**
 * `scope` (the enclosing class or module) counts as code: a method's class names what it works on.
 * A statement group's or line window's label (its file's name) is not a name: it matches nothing.
 */
export function termMatch(query: ReadonlySet<string>, chunk: MatchedChunk): TermMatch {
  if (query.size === 0) return { coverage: 0, name: 0 };
  const code = chunkTerms(chunk.scope ? `${chunk.text}\n${chunk.scope}` : chunk.text);
  const name = chunk.kind === undefined || hasOwnName(chunk.kind) ? chunkTerms(chunk.symbol) : NO_TERMS;
  let covered = 0;
  let total = 0;
  for (const term of query) {
    const weight = termWeight(term);
    total += weight;
    if (code.has(term) || name.has(term)) covered += weight;
    else if (hasPartial(term, code)) covered += PARTIAL * weight;
  }
  let named = 0;
  for (const term of name) {
    if (query.has(term)) named++;
    else if (hasPartial(term, query)) named += PARTIAL;
  }
  return { coverage: covered / total, name: name.size > 0 ? named / name.size : 0 };
}

/**
 * How much a (stemmed) query word tells: the square of its log inverse frequency among identifier
 * words. A word the counts never saw is the rarest.
 */
export function termWeight(term: string): number {
  const counts = stemCounts();
  return Math.log(counts.total / (counts.byStem.get(term) ?? 1)) ** 2;
}

/** Whether a set holds a word that abbreviates `term` or contains it, or that `term` abbreviates. */
function hasPartial(term: string, terms: ReadonlySet<string>): boolean {
  if (term.length < MIN_PARTIAL_LENGTH) return false;
  for (const other of terms) if (isPartial(term, other)) return true;
  return false;
}

/** `log` and `logarithm`, `largest` and `nlargest`: the shorter starts, or is inside, the longer. */
export function isPartial(a: string, b: string): boolean {
  // Not a destructured pair: an array per call, and this runs for every pair of words in the head.
  const short = a.length <= b.length ? a : b;
  const long = short === a ? b : a;
  if (short.length < MIN_PARTIAL_LENGTH || short === long) return false;
  return long.startsWith(short) || (short.length >= MIN_CONTAINED_LENGTH && long.includes(short));
}

let counted: { byStem: Map<string, number>; total: number } | undefined;

function stemCounts(): { byStem: Map<string, number>; total: number } {
  if (!counted) {
    const byStem = new Map<string, number>();
    let total = 0;
    for (const [word, count] of vocabularyCounts()) {
      const key = stem(word);
      byStem.set(key, (byStem.get(key) ?? 0) + count);
      total += count;
    }
    counted = { byStem, total };
  }
  return counted;
}

/** A chunk's terms, kept for the chunks that keep coming back to the head (at most 6,000 characters each by default). */
const chunkTerms = memoizeBounded(matchTerms, 1_000);

/** An identifier's terms, worked out once: identifiers repeat across code. */
const identifierTerms = memoizeBounded((id: string): readonly string[] => {
  const out = new Set<string>();
  for (const word of splitIdentifier(id)) {
    for (const w of [word, ...relatedWords(word)]) if (w.length > 1 && !STOP_WORDS.has(w)) out.add(stem(w));
  }
  return [...out];
}, 100_000);
