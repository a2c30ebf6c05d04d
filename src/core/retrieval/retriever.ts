// Hybrid retrieval over one or more index segments (the folders of a multi-root workspace, or a
// shared index and its local overlay): each segment's vector search and BM25 (code field + boosted
// name field) run side by side, their lists are merged across segments, then fused once (normalized
// scores by default, reciprocal rank as an option), so one ranking covers every folder. A cap per
// file keeps results diverse; the head gets a second look by term match; an optional reranker
// reorders it; graph expansion adds the definitions the top hits use. Hot queries are cached until
// any segment changes.
import { LRUCache } from "lru-cache";
import { formatCitation } from "../../shared/citation";
import type { Embedder } from "../embed/embedder";
import { errorMessage, withTimeout } from "../util/host";
import type { ChunkRef, IndexStore, SourceReader, StoredChunk } from "../store/store";
import { readError } from "../store/damage";
import { expansionCandidates } from "./expansion";
import { capPerFile, type Fused, type RankedList, reciprocalRankFusion, scoreFusion, type Source } from "./fusion";
import { lexicalQuery } from "./query";
import type { Reranker } from "./reranker";
import { relevance } from "./confidence";
import { chunkRole, type FileRole, fileRole, rolePrior, rolesAskedFor } from "./roles";
import { matchTerms, termMatch } from "./termMatch";
import type { ScoreParts, SearchHit, SearchOptions } from "./types";

export type { ResultLine, ScoreParts, SearchHit, SearchMode, SearchOptions } from "./types";
export { toResultLine } from "./types";

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
  // The neural list's weight is a first guess, not fitted: no neural model could be run where
  // Groundwork is developed (see docs/retrieval-tuning.md); `eval --history` measures it on yours.
  weights: { vector: 1, neural: 1, text: 1, expansion: 0.5 },
  rerank: false,
  // Fitted on the stdlib eval (a plateau for coverage 1.5-1.75, name 0.4-0.5); the held-out figures
  // are in README, "Retrieval quality".
  termMatchDepth: 25,
  termMatchWeights: { coverage: 1.5, name: 0.4 },
  rerankWeight: 3,
  // Code above tests, docs and changelogs (roles.ts): on three repositories' histories, file MRR@10
  // rose from 0.35-0.54 to 0.54-0.72, the doc->function evals unchanged.
  rolePrior: true,
  neural: true,
  builtinVectors: true,
  neuralTimeoutMs: 2500,
};

type Settings = typeof DEFAULT_SEARCH;

/** `path:start-end` of a hit or chunk. */
export function citation(hit: Pick<StoredChunk, "path" | "startLine" | "endLine">): string {
  return formatCitation(hit);
}

/** One index that a search reads: a folder's, or a shared index's or its overlay's. */
export interface SearchSegment {
  /** What the segment's paths get in front of them in the codebase's namespace ("" or "folder name/"). */
  readonly prefix: string;
  readonly store: IndexStore;
  /** Reads the segment's files, so hits' code comes from them while they hash as indexed. */
  readonly source?: SourceReader;
  /** Embeds queries for the segment's vectors; undefined when they can't answer (keyword search only). */
  readonly embedder?: Embedder;
  /** Embeds queries for the segment's neural vectors (`nvector`), when it has them. */
  readonly neural?: Embedder;
  /** Why the segment has neural vectors that nothing here can query. */
  readonly neuralMissing?: string;
  /** Set for a segment whose failure must not fail the search (a shared index): what to call it when it fails. */
  readonly optional?: string;
  /** An optional segment that failed moments ago: not asked now (each ask would wait out a dead store's retries), as if it failed. */
  readonly skip?: boolean;
  /** Told when a read of an optional segment fails. */
  readonly failed?: (error: unknown) => void;
  /** Folder-relative paths this segment must not answer for (a local overlay holds newer versions). */
  readonly hides?: (path: string) => boolean;
}

export interface RetrieverOptions {
  defaults?: SearchOptions;
  /** Told when an optional segment (a shared index) fails; the search goes on without it. */
  onSegmentError?: (segment: SearchSegment, error: unknown) => void;
  reranker?: Reranker;
  cacheSize?: number;
}

/** A candidate from one segment's list. */
interface Candidate {
  ref: ChunkRef;
  segment: number;
  /** Unique across segments. */
  key: string;
  /** In the codebase's namespace. */
  path: string;
}

export class HybridRetriever {
  private readonly cache: LRUCache<string, { version: string; hits: SearchHit[] }>;

  constructor(
    private readonly segments: () => readonly SearchSegment[],
    private readonly options: RetrieverOptions = {},
  ) {
    this.cache = new LRUCache({ max: Math.max(1, options.cacheSize ?? 256) });
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    // An option given as undefined means the default, as if it were left out.
    const settings: Settings = {
      ...DEFAULT_SEARCH,
      ...defined(this.options.defaults ?? {}),
      ...defined(options),
      weights: { ...DEFAULT_SEARCH.weights, ...defined(this.options.defaults?.weights ?? {}), ...defined(options.weights ?? {}) },
    };
    const segments = this.segments();
    if (segments.length === 0) return [];
    const dataVersion = (s: SearchSegment): Promise<number | string> => (s.skip ? Promise.resolve("skipped") : s.optional ? s.store.dataVersion().catch(() => "unreadable") : s.store.dataVersion());
    const version = (await Promise.all(segments.map(async (s) => `${s.prefix}\u0000${s.store.dir}\u0000${await dataVersion(s)}\u0000${s.embedder ? 1 : 0}${s.neural ? 1 : 0}`))).join("\u0001");
    const key = JSON.stringify([query, settings]);
    const cached = this.cache.get(key);
    if (cached?.version === version) {
      this.stats.hits++;
      return cached.hits;
    }
    this.stats.misses++;
    const hits = await this.searchUncached(query, settings, segments);
    // A search that had to do without the neural embedder is not kept: the next one tries it again.
    if (this.options.cacheSize !== 0 && !hits[0]?.fallback) this.cache.set(key, { version, hits });
    return hits;
  }

  /** Cache statistics, for status and tests. */
  readonly stats = { hits: 0, misses: 0 };

  private async searchUncached(query: string, settings: Settings, segments: readonly SearchSegment[]): Promise<SearchHit[]> {
    // The lexical searches (full text, builtin vectors, term match) leave out the request's own words; a neural model reads the question whole.
    const { text: lexical, words } = lexicalQuery(query);
    const queryVectors = new Map<Embedder, Promise<Float32Array>>();
    const embed = (embedder: Embedder): Promise<Float32Array> => {
      if (!queryVectors.has(embedder)) queryVectors.set(embedder, embedder.embedQuery(lexical));
      return queryVectors.get(embedder)!;
    };
    const fallbacks = new Set<string>();
    const unreadable = new Set<string>();
    const neuralVectors = new Map<Embedder, Promise<Float32Array>>();
    const neuralQuery = async (segment: SearchSegment): Promise<ChunkRef[]> => {
      if (!segment.neural) {
        if (segment.neuralMissing) fallbacks.add(segment.neuralMissing);
        return [];
      }
      try {
        const neural = segment.neural;
        if (!neuralVectors.has(neural)) neuralVectors.set(neural, withTimeout((signal) => neural.embedQuery(query, signal), settings.neuralTimeoutMs));
        return await segment.store.vectorSearch(await neuralVectors.get(neural)!, settings.candidates, "nvector");
      } catch (error) {
        fallbacks.add(`${segment.neural.id}: ${errorMessage(error)}`);
        return [];
      }
    };
    const vectors = settings.mode !== "text";
    const found = await Promise.all(segments.map(async (segment, i) => {
      if (segment.skip && segment.optional) {
        unreadable.add(segment.optional);
        return { byVector: [], byNeural: [], byText: [] };
      }
      // Settled, all three: a search that fails leaves nothing running on the store (which may be closed next).
      const settled = await Promise.allSettled([
        !vectors || !settings.builtinVectors || !segment.embedder ? [] : embed(segment.embedder).then((vector) => segment.store.vectorSearch(vector, settings.candidates)),
        !vectors || !settings.neural || !segment.embedder ? [] : neuralQuery(segment),
        settings.mode === "vector" || !words ? [] : segment.store.textSearch(words, settings.candidates, settings.nameBoost),
      ]);
      const failure = settled.find((result): result is PromiseRejectedResult => result.status === "rejected");
      if (failure && !segment.optional) throw readError(segment.store.dir, failure.reason);
      if (failure) {
        unreadable.add(segment.optional!);
        segment.failed?.(failure.reason);
        this.options.onSegmentError?.(segment, failure.reason);
      }
      const [byVector, byNeural, byText] = settled.map((result) => (result.status === "fulfilled" && !failure ? result.value : []));
      const tag = (refs: readonly ChunkRef[]): Candidate[] => refs
        .filter((ref) => !segment.hides?.(ref.path))
        .map((ref) => ({ ref, segment: i, key: `${i}:${ref.id}`, path: segment.prefix + ref.path }));
      return { byVector: tag(byVector), byNeural: tag(byNeural), byText: tag(byText) };
    }));
    const merge = (lists: Candidate[][]): Candidate[] => (lists.length === 1 ? lists[0] : lists.flat().sort((a, b) => b.ref.score - a.ref.score).slice(0, settings.candidates));
    const lists: RankedList<Candidate>[] = [
      { source: "vector", items: merge(found.map((f) => f.byVector)), weight: settings.weights.vector, score: (c) => c.ref.score },
      { source: "neural", items: merge(found.map((f) => f.byNeural)), weight: settings.weights.neural, score: (c) => c.ref.score },
      { source: "text", items: merge(found.map((f) => f.byText)), weight: settings.weights.text, score: (c) => c.ref.score },
    ];
    const fused = settings.fusion === "rrf" ? reciprocalRankFusion(lists, (c) => c.key, settings.rrfK) : scoreFusion(lists, (c) => c.key);
    // The best fused score possible, so that fusion is in [0, 1] and the term-match features weigh the same for either fusion.
    const weightSum = lists.reduce((sum, list) => sum + (list.items.length > 0 ? (list.weight ?? 1) : 0), 0) || 1;
    const best = settings.fusion === "rrf" ? weightSum / (settings.rrfK + 1) : weightSum;
    // The role prior picks the head too, so that code the prose outranked in fusion gets its second look.
    const asked = settings.rolePrior ? rolesAskedFor(query) : undefined;
    // A file's role by its path inside its folder: in a multi-root workspace "website/src/cart.ts" is code, not a web page.
    const priorOf = (role: FileRole): number => (asked ? rolePrior(role, asked) : 1);
    const ordered = asked ? fused.map((f) => ({ f, key: f.score * priorOf(chunkRole(f.item.ref)) })).sort((a, b) => b.key - a.key).map(({ f }) => f) : fused;
    const head = capPerFile(ordered.map((f) => ({ ...f, path: f.item.path, fusion: f.score / best })), settings.maxPerFile);
    let reranking = settings.rerank && this.options.reranker !== undefined;
    // Only the head is read from disk: the rerank candidates, or the hits shown.
    const chosen = head.slice(0, reranking ? settings.candidates : Math.max(settings.limit, settings.termMatchDepth));
    let hits = await this.read(chosen, segments);
    if (settings.termMatchDepth > 0 && (settings.termMatchWeights.coverage > 0 || settings.termMatchWeights.name > 0)) {
      const terms = matchTerms(lexical);
      for (const hit of hits.slice(0, settings.termMatchDepth)) Object.assign(hit.scores, termMatch(terms, hit));
    }
    let rerankFailed: string | undefined;
    if (reranking) {
      try {
        const relevance = await this.options.reranker!.relevance(query, hits.map((hit) => `${hit.header}\n${hit.text}`));
        hits.forEach((hit, i) => {
          if (relevance[i] !== undefined) hit.scores.rerank = relevance[i];
        });
      } catch (error) {
        // A reranker that fails leaves the search as it would be without one, and says so.
        reranking = false;
        rerankFailed = errorMessage(error);
      }
    }
    // Ordered by the weighted sum of the evidence, which the score is a fixed fraction of: sorting
    // the sum itself keeps near-ties exactly as they were before it was scaled to [0, 1].
    if (asked) {
      for (const hit of hits) {
        const prior = priorOf(hit.role ?? fileRole(hit.path));
        if (prior < 1) hit.scores.prior = prior;
      }
    }
    const sums = new Map(hits.map((hit) => [hit, evidenceSum(hit.scores, settings, reranking) * (hit.scores.prior ?? 1)]));
    for (const hit of hits) hit.score = sums.get(hit)! / evidenceWeight(settings, reranking);
    // The second look (and a reranker) reorder what they saw; the rest keep their fused order after it.
    const depth = reranking ? hits.length : settings.termMatchDepth;
    hits = [...hits.slice(0, depth).sort((a, b) => sums.get(b)! - sums.get(a)!), ...hits.slice(depth)].slice(0, settings.limit);
    if (settings.expand && hits.length > 0) hits.push(...(await this.expansion(hits, settings, segments)));
    const top = hits[0]?.score ?? 0;
    for (const hit of hits) hit.relevance = relevance({ score: hit.score, ratio: top > 0 ? hit.score / top : 0, coverage: hit.scores.coverage ?? 0 });
    const notes = [
      ...(fallbacks.size > 0 ? [`searched without the embedding model (${[...fallbacks].join("; ")}): builtin vectors and full text only`] : []),
      ...(unreadable.size > 0 ? [`${[...unreadable].join(", ")} could not be read: local results only`] : []),
      ...(rerankFailed !== undefined ? [`not reranked (the reranker failed: ${rerankFailed})`] : []),
    ];
    if (notes.length > 0) for (const hit of hits) hit.fallback = notes.join("; ");
    return hits;
  }

  /** The chosen candidates' chunks, in order, as hits in the codebase's namespace. */
  private async read(chosen: ReadonlyArray<Fused<Candidate> & { fusion: number }>, segments: readonly SearchSegment[]): Promise<SearchHit[]> {
    const bySegment = segments.map((segment, i) => chosen.filter((c) => c.item.segment === i));
    const chunks = new Map<string, StoredChunk>();
    await Promise.all(bySegment.map(async (picked, i) => {
      if (picked.length === 0) return;
      const read = await fromSegment(segments[i], () => segments[i].store.chunksAt(picked.map((c) => c.item.ref), segments[i].source), [], this.options.onSegmentError);
      for (const chunk of read) chunks.set(`${i}:${chunk.id}`, chunk);
    }));
    return chosen.flatMap((c) => {
      const chunk = chunks.get(c.item.key);
      if (!chunk) return [];
      const prefix = segments[c.item.segment].prefix;
      const scores: ScoreParts = { fusion: c.fusion, vector: c.scores.vector, neural: c.scores.neural, text: c.scores.text };
      return [{ ...chunk, id: prefix + chunk.id, path: prefix + chunk.path, role: chunkRole(chunk), score: 0, relevance: 0, scores, ranks: c.ranks }];
    });
  }

  /**
   * The definitions the top hits reference, as lower-ranked context after the hits themselves:
   * they answer "what does this code call?", not the query, so they never push a hit out.
   */
  private async expansion(hits: readonly SearchHit[], settings: Settings, segments: readonly SearchSegment[]): Promise<SearchHit[]> {
    const shown = new Set(hits.map((hit) => hit.id));
    const lookup = async (names: readonly string[], limit: number): Promise<Array<StoredChunk & { role: FileRole }>> => {
      const found = await Promise.all(segments.map(async (segment) => {
        const chunks = await fromSegment(segment, () => segment.store.chunksDefining(names, limit, segment.source), [], this.options.onSegmentError);
        return chunks.filter((chunk) => !segment.hides?.(chunk.path)).map((chunk) => ({ ...chunk, id: segment.prefix + chunk.id, path: segment.prefix + chunk.path, role: chunkRole(chunk) }));
      }));
      return found.flat();
    };
    // Seeded by code, tests and examples: prose mentions names without using them.
    const seeds = hits.filter((hit) => !PROSE_ROLES.has(hit.role ?? fileRole(hit.path))).slice(0, settings.expandFrom);
    if (seeds.length === 0) return [];
    const candidates = await expansionCandidates(lookup, seeds, settings.expandLimit + shown.size);
    const last = hits[hits.length - 1].score;
    return candidates
      .filter(({ chunk }) => !shown.has(chunk.id))
      .slice(0, settings.expandLimit)
      .map(({ chunk, from }, i) => {
        const share = settings.weights.expansion / (i + 1);
        return { ...chunk, score: last * share, relevance: 0, scores: { fusion: 0, expansion: share }, ranks: { expansion: i + 1 }, expandedFrom: citation(from) };
      });
  }
}

const PROSE_ROLES = new Set(["docs", "changelog"]);

/**
 * One read of one segment. An optional one (a shared index) that fails gives `fallback`, and
 * `onError` is told, as a search goes on without it: definitions, mentions and `@` completion work
 * from the local index while the shared store is down.
 */
export async function fromSegment<T>(segment: SearchSegment, read: () => Promise<T>, fallback: T, onError?: (segment: SearchSegment, error: unknown) => void): Promise<T> {
  if (segment.skip && segment.optional) return fallback;
  try {
    return await read();
  } catch (error) {
    if (!segment.optional) throw readError(segment.store.dir, error);
    segment.failed?.(error);
    onError?.(segment, error);
    return fallback;
  }
}

function defined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

type ScoreSettings = Pick<Settings, "termMatchDepth" | "termMatchWeights" | "rerankWeight">;

/** The weights of the evidence: fusion 1, the second look's two features, a reranker's relevance. */
function evidenceWeights(settings: ScoreSettings, reranked: boolean): { coverage: number; name: number; rerank: number } {
  const secondLook = settings.termMatchDepth > 0;
  return {
    coverage: secondLook ? settings.termMatchWeights.coverage : 0,
    name: secondLook ? settings.termMatchWeights.name : 0,
    rerank: reranked ? settings.rerankWeight : 0,
  };
}

function evidenceSum(parts: ScoreParts, settings: ScoreSettings, reranked: boolean): number {
  const w = evidenceWeights(settings, reranked);
  return parts.fusion + w.coverage * (parts.coverage ?? 0) + w.name * (parts.name ?? 0) + w.rerank * (parts.rerank ?? 0);
}

function evidenceWeight(settings: ScoreSettings, reranked: boolean): number {
  const w = evidenceWeights(settings, reranked);
  return 1 + w.coverage + w.name + w.rerank;
}

/** SearchHit.score: the weighted mean of the hit's evidence (see its documentation). */
export function finalScore(parts: ScoreParts, settings: ScoreSettings, reranked: boolean): number {
  return (evidenceSum(parts, settings, reranked) * (parts.prior ?? 1)) / evidenceWeight(settings, reranked);
}
