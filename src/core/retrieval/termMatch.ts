// The second look at the fused head: how much of the query a chunk's code and name account for.
// Vector and BM25 scores reward a few strong words; a chunk that contains most of the question's
// words, or whose name is made of them, is usually the one asked about. Both features are in
// [0, 1] and cost nothing but the head's text, which is read for the answer anyway.
import { identifiers, splitIdentifier, stem, STOP_WORDS } from "../util/text";
import { memoizeBounded } from "../util/memo";
import { relatedWords } from "../util/words";

export interface TermMatch {
  /** Share of the query's words found in the chunk's code, scope or name. */
  coverage: number;
  /** Share of the chunk name's words that the query has. */
  name: number;
}

/** The words of a text as matching compares them: split identifiers, what they stand for, stemmed. */
export function matchTerms(text: string): Set<string> {
  const terms = new Set<string>();
  for (const id of identifiers(text)) for (const term of identifierTerms(id)) terms.add(term);
  return terms;
}

/** `scope` (the enclosing class or module) counts as code: a method's class names what it works on. */
export function termMatch(query: ReadonlySet<string>, chunk: { text: string; symbol: string; scope?: string }): TermMatch {
  if (query.size === 0) return { coverage: 0, name: 0 };
  const code = matchTerms(chunk.scope ? `${chunk.text}\n${chunk.scope}` : chunk.text);
  const name = matchTerms(chunk.symbol);
  let covered = 0;
  for (const term of query) if (code.has(term) || name.has(term)) covered++;
  let named = 0;
  for (const term of name) if (query.has(term)) named++;
  return { coverage: covered / query.size, name: name.size > 0 ? named / name.size : 0 };
}

/**
 * Re-scores the first `depth` hits: score + weights · (coverage, name). Scores must be on a [0, 1]
 * scale; the hits after `depth` keep their order after the head.
 */
export function rescoreByTermMatch<T extends { text: string; symbol: string; scope?: string; score: number }>(
  hits: readonly T[],
  query: string,
  depth: number,
  weights: { coverage: number; name: number },
): Array<T & { match?: TermMatch }> {
  const terms = matchTerms(query);
  const head = hits.slice(0, depth).map((hit) => {
    const match = termMatch(terms, hit);
    return { ...hit, match, score: hit.score + weights.coverage * match.coverage + weights.name * match.name };
  });
  return [...head.sort((a, b) => b.score - a.score), ...hits.slice(depth)];
}

/** An identifier's terms, worked out once: identifiers repeat across code. */
const identifierTerms = memoizeBounded((id: string): readonly string[] => {
  const out = new Set<string>();
  for (const word of splitIdentifier(id)) {
    for (const w of [word, ...relatedWords(word)]) if (w.length > 1 && !STOP_WORDS.has(w)) out.add(stem(w));
  }
  return [...out];
}, 100_000);
