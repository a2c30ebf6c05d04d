// Hybrid retrieval: vector search and BM25 (code field + boosted name field) run together and
// are fused (normalized scores by default, reciprocal rank as an option); graph expansion adds the definitions the top hits use; a cap per
// file keeps results diverse; an optional reranker reorders the head. Hot queries are cached
// until the index changes.
import type { Embedder } from "../embed/embedder";
import type { ChunkRef, IndexStore, SourceReader, StoredChunk } from "../store/store";
import { QueryCache } from "./cache";
import { expansionCandidates } from "./expansion";
import { capPerFile, type FusionMethod, reciprocalRankFusion, type RankedList, scoreFusion, type Source } from "./fusion";
import { textQuery } from "./query";
import type { Reranker } from "./reranker";
import { rescoreByTermMatch, type TermMatch } from "./termMatch";

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
   * termMatch.ts) and the weights of those two features against the fused score (scaled to [0, 1]).
   * 0 turns it off.
   */
  termMatchDepth?: number;
  termMatchWeights?: { coverage: number; name: number };
}

export interface SearchHit extends StoredChunk {
  /** 1-based rank in each list that found the chunk: why it was chosen. */
  ranks: Partial<Record<Source, number>>;
  /** How well the chunk matches the query's words, for hits that had the second look. */
  match?: TermMatch;
  /** For expansion hits: the citation of the hit that referenced this definition. */
  expandedFrom?: string;
}

export const DEFAULT_SEARCH: Required<Omit<SearchOptions, "weights">> & { weights: Record<Source, number> } = {
  limit: 10,
  mode: "hybrid",
  expand: false,
  expandFrom: 3,
  expandLimit: 5,
  candidates: 30,
  fusion: "score",
  rrfK: 60,
  maxPerFile: 5,
  nameBoost: 2,
  weights: { vector: 1, text: 1, expansion: 0.5 },
  rerank: false,
  // Fitted on the stdlib eval (a plateau for coverage 1.5-1.75, name 0.4-0.5); the held-out figures
  // are in README, "Retrieval quality".
  termMatchDepth: 25,
  termMatchWeights: { coverage: 1.5, name: 0.4 },
};

/** A hit as the CLI's --json and the extension's command API report it. */
export interface ResultLine {
  /** Workspace-relative, forward slashes. */
  path: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  symbol: string;
  kind: string;
  score: number;
}

export function toResultLine(hit: SearchHit): ResultLine {
  return { path: hit.path, startLine: hit.startLine, endLine: hit.endLine, symbol: hit.symbol, kind: hit.kind, score: Number(hit.score.toFixed(6)) };
}

export function citation(hit: Pick<StoredChunk, "path" | "startLine" | "endLine">): string {
  return `${hit.path}:${hit.startLine}-${hit.endLine}`;
}

export interface RetrieverOptions {
  defaults?: SearchOptions;
  reranker?: Reranker;
  cacheSize?: number;
  /** Where hits' code is read when the file is unchanged since indexing (faster than the store). */
  source?: SourceReader;
}

export class HybridRetriever {
  private readonly cache: QueryCache<SearchHit[]>;

  constructor(
    private readonly store: IndexStore,
    private readonly embedder: Embedder,
    private readonly options: RetrieverOptions = {},
  ) {
    this.cache = new QueryCache(options.cacheSize ?? 256);
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    const settings: typeof DEFAULT_SEARCH = {
      ...DEFAULT_SEARCH,
      ...this.options.defaults,
      ...options,
      weights: { ...DEFAULT_SEARCH.weights, ...this.options.defaults?.weights, ...options.weights },
    };
    const version = await this.store.dataVersion();
    const key = JSON.stringify([query, settings]);
    const cached = this.cache.get(key, version);
    if (cached) return cached;
    const hits = await this.searchUncached(query, settings);
    this.cache.set(key, version, hits);
    return hits;
  }

  /** Cache statistics, for status and tests. */
  get cacheStats(): { hits: number; misses: number } {
    return this.cache.stats;
  }

  private async searchUncached(query: string, settings: typeof DEFAULT_SEARCH): Promise<SearchHit[]> {
    const words = textQuery(query);
    const [byVector, byText] = await Promise.all([
      settings.mode === "text" ? [] : this.embedder.embedQuery(query).then((vector) => this.store.vectorSearch(vector, settings.candidates)),
      settings.mode === "vector" || !words ? [] : this.store.textSearch(words, settings.candidates, settings.nameBoost),
    ]);
    const lists: RankedList<ChunkRef>[] = [
      { source: "vector", items: byVector, weight: settings.weights.vector, score: (ref) => ref.score },
      { source: "text", items: byText, weight: settings.weights.text, score: (ref) => ref.score },
    ];
    const key = (ref: ChunkRef): string => ref.id;
    const fused = settings.fusion === "rrf" ? reciprocalRankFusion(lists, key, settings.rrfK) : scoreFusion(lists, key);
    // The best fused score possible, so that the term-match features weigh the same for either fusion.
    const weightSum = lists.reduce((sum, list) => sum + (list.items.length > 0 ? (list.weight ?? 1) : 0), 0) || 1;
    const best = settings.fusion === "rrf" ? weightSum / (settings.rrfK + 1) : weightSum;
    const head = capPerFile(fused.map(({ item, score, ranks }) => ({ ...item, score: score / best, ranks })), settings.maxPerFile);
    const reranking = settings.rerank && this.options.reranker !== undefined;
    // Only the head is read from disk: the rerank candidates, or the hits shown.
    const chosen = head.slice(0, reranking ? settings.candidates : Math.max(settings.limit, settings.termMatchDepth));
    const chunks = await this.store.chunksAt(chosen, this.options.source);
    const ranksOf = new Map(chosen.map((ref) => [ref.id, ref.ranks]));
    let hits: SearchHit[] = chunks.map((chunk) => ({ ...chunk, ranks: ranksOf.get(chunk.id) ?? {} }));
    if (settings.termMatchDepth > 0 && (settings.termMatchWeights.coverage > 0 || settings.termMatchWeights.name > 0)) {
      hits = rescoreByTermMatch(hits, query, settings.termMatchDepth, settings.termMatchWeights);
    }
    if (reranking) hits = await this.options.reranker!.rerank(query, hits);
    hits = hits.slice(0, settings.limit);
    if (settings.expand && hits.length > 0) hits.push(...(await this.expansion(hits, settings)));
    return hits;
  }

  /**
   * The definitions the top hits reference, as lower-ranked context after the hits themselves:
   * they answer "what does this code call?", not the query, so they never push a hit out.
   */
  private async expansion(hits: readonly SearchHit[], settings: typeof DEFAULT_SEARCH): Promise<SearchHit[]> {
    const shown = new Set(hits.map((hit) => hit.id));
    const candidates = await expansionCandidates(this.store, hits.slice(0, settings.expandFrom), settings.expandLimit + shown.size);
    const last = hits[hits.length - 1].score;
    return candidates
      .filter(({ chunk }) => !shown.has(chunk.id))
      .slice(0, settings.expandLimit)
      .map(({ chunk, from }, i) => ({ ...chunk, score: (last * settings.weights.expansion) / (i + 1), ranks: { expansion: i + 1 }, expandedFrom: citation(from) }));
  }
}

