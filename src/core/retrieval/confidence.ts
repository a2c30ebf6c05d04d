// A hit's relevance: the chance, in [0, 1], that it is what the question asked for, from its score,
// its score over the best hit's and the share of the question's words it holds (the second look's
// coverage). A logistic curve fitted on the fitting evals (bench/calibrate.ts: Python's stdlib
// doc->function eval and the histories of flask, axios and cobra, with questions from the other
// corpora as questions the index has no answer to), checked on corpora it never saw; the
// reliability tables are in docs/retrieval-tuning.md. The context pack and the Sources list keep
// the hits at or above a threshold (groundwork.search.minRelevance).

/**
 * The curve's weights: bias, score, score over the best hit's, coverage. Fitted by bench/calibrate.ts
 * with score and ratio (coverage, already part of the score, lowered the held-out fit: log loss
 * 0.2239 against 0.2217).
 */
export const CONFIDENCE = { bias: -3.8625, score: 3.3747, ratio: 0.3835, coverage: 0 };

/**
 * The default threshold. On the held-out corpora it keeps 68% of the top-10 hits and 89% of the
 * right ones, and sends nothing for 45% of questions the index has no answer to (0.15: 43%, 75%,
 * 76%); docs/retrieval-tuning.md has the whole table.
 */
export const MIN_RELEVANCE = 0.1;

/** The features of a hit the relevance is computed from. */
export interface RelevanceFeatures {
  score: number;
  /** The hit's score over the best hit's of the same search (1 for the best). */
  ratio: number;
  /** The share of the question's words it holds (0 when it had no second look). */
  coverage: number;
}

export function relevance(features: RelevanceFeatures, weights: typeof CONFIDENCE = CONFIDENCE): number {
  const z = weights.bias + weights.score * features.score + weights.ratio * features.ratio + weights.coverage * features.coverage;
  return 1 / (1 + Math.exp(-z));
}
