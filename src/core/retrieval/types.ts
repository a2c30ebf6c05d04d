// What a search takes and gives. A hit's `score` has one meaning everywhere (see SearchHit.score);
// the evidence behind it is kept apart, by name, in `scores`.
import type { StoredChunk } from "../store/store";
import type { FusionMethod, Source } from "./fusion";
import type { FileRole } from "./roles";

export type SearchMode = "hybrid" | "vector" | "text";

export interface SearchOptions {
  limit?: number;
  mode?: SearchMode;
  /** Add the definitions that the top hits reference (graph expansion). */
  expand?: boolean;
  /** How many top hits seed the expansion. */
  expandFrom?: number;
  /** How many definitions expansion adds after the hits. */
  expandLimit?: number;
  /** Candidates fetched from each list before fusion. */
  candidates?: number;
  /** How the vector and text lists are fused. */
  fusion?: FusionMethod;
  /** Reciprocal-rank-fusion constant. */
  rrfK?: number;
  maxPerFile?: number;
  /** Weight of the name field against the code field in BM25. */
  nameBoost?: number;
  weights?: Partial<Record<Source, number>>;
  /** Rerank the fused head with the configured reranker, if any. */
  rerank?: boolean;
  /**
   * How many fused hits get a second look by term match (query coverage and name match, see
   * termMatch.ts) and the weights of those two features against the fused score (which is in
   * [0, 1]). 0 turns it off.
   */
  termMatchDepth?: number;
  termMatchWeights?: { coverage: number; name: number };
  /** Weight of a reranker's relevance in the final score, when reranking. */
  rerankWeight?: number;
  /**
   * Rank code above tests, examples, docs, generated files and changelogs (roles.ts), unless the
   * query asks for those.
   */
  rolePrior?: boolean;
  /** Search the neural embedder's vectors where a generation has them (default true). */
  neural?: boolean;
  /** Search the builtin vectors (default true); off with `neural` on: the neural vectors alone. */
  builtinVectors?: boolean;
  /** How long a query may wait for the neural embedder before searching without it (default 2500 ms). */
  neuralTimeoutMs?: number;
}

/** The evidence behind a hit, each part under its own name and with one meaning. */
export interface ScoreParts {
  /** The fused score of the vector and keyword lists, scaled to [0, 1] (1: the best possible fusion). */
  fusion: number;
  /** Cosine similarity of the query's and the chunk's vectors, when the vector list found the chunk. */
  vector?: number;
  /** The same by the neural embedder's vectors, when its list found the chunk. */
  neural?: number;
  /** BM25 score in the keyword list (unbounded; comparable only within one query), when it found the chunk. */
  text?: number;
  /** Second look: the share of the query's words (weighted by rarity) that the chunk holds, in [0, 1]. */
  coverage?: number;
  /** Second look: the share of the chunk name's words that the query has, in [0, 1]. */
  name?: number;
  /** A reranker's relevance, in [0, 1]. */
  rerank?: number;
  /** The share of its evidence the hit keeps for its file's role (roles.ts), when below 1. */
  prior?: number;
  /** For expansion hits: the share of the last direct hit's score this definition gets (weight / rank). */
  expansion?: number;
}

export interface SearchHit extends StoredChunk {
  /**
   * The hit's relevance in [0, 1]: the weighted mean of its evidence — fusion (weight 1), the
   * second look's coverage and name match (termMatchWeights; 0 for hits past the second look's
   * depth) and a reranker's relevance (rerankWeight) when one ran, times the file role's prior
   * (`scores.prior`). One search ranks every folder's
   * candidates in one fusion, so scores compare across folders. Expansion hits come after the
   * direct hits and score the last direct hit's score times `scores.expansion`.
   */
  score: number;
  /**
   * The chance, in [0, 1], that the hit is what the question asked for: from its score and its
   * score over the best hit's, calibrated on the evals (confidence.ts). The context pack keeps
   * the hits above a threshold.
   */
  relevance: number;
  scores: ScoreParts;
  /** 1-based rank in each list that found the chunk: why it was chosen. */
  ranks: Partial<Record<Source, number>>;
  /** For expansion hits: the citation of the hit that referenced this definition. */
  expandedFrom?: string;
  /** The file's role (roles.ts), told by its path inside its folder: a workspace folder's name is not a directory of it. */
  role?: FileRole;
  /** Set when the search could not use the neural embedder (down, slow, no key): what it answered with instead. */
  fallback?: string;
}

/** A hit as the CLI's --json and the extension's command API report it. */
export interface ResultLine {
  /** Codebase path: workspace-relative, forward slashes (folder-prefixed in a multi-root workspace). */
  path: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  symbol: string;
  kind: string;
  /** SearchHit.score. */
  score: number;
}

export function toResultLine(hit: SearchHit): ResultLine {
  return { path: hit.path, startLine: hit.startLine, endLine: hit.endLine, symbol: hit.symbol, kind: hit.kind, score: Number(hit.score.toFixed(6)) };
}
