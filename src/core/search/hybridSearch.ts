// Vector and full-text search run together and fused by reciprocal rank, with a cap on hits
// per file so one file can't crowd out the rest.
import type { Embedder } from "../embed/embedder";
import type { IndexStore, StoredChunk } from "../store/store";
import { identifiers, splitIdentifier } from "../util/text";

export interface SearchOptions {
  limit?: number;
  /** Candidates fetched from each side before fusion. */
  candidates?: number;
  /** Reciprocal-rank-fusion constant. */
  rrfK?: number;
  maxPerFile?: number;
}

export interface SearchHit extends StoredChunk {
  /** 1-based rank in the vector results, if there. */
  vectorRank?: number;
  /** 1-based rank in the full-text results, if there. */
  textRank?: number;
}

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

/** The query as the full-text index should see it: words only, identifiers also split. */
export function textQuery(query: string): string {
  const words = new Set<string>();
  for (const id of identifiers(query)) {
    words.add(id.toLowerCase());
    for (const word of splitIdentifier(id)) words.add(word);
  }
  return [...words].join(" ");
}

export async function hybridSearch(store: IndexStore, embedder: Embedder, query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
  const limit = options.limit ?? 10;
  const candidates = Math.max(options.candidates ?? 50, limit);
  const rrfK = options.rrfK ?? 60;
  const maxPerFile = options.maxPerFile ?? 3;
  const [byVector, byText] = await Promise.all([
    embedder.embedQuery(query).then((vector) => store.vectorSearch(vector, candidates)),
    store.textSearch(textQuery(query), candidates),
  ]);
  const fused = new Map<string, SearchHit>();
  const add = (hits: StoredChunk[], rankField: "vectorRank" | "textRank"): void => {
    hits.forEach((hit, index) => {
      const entry = fused.get(hit.id) ?? { ...hit, score: 0 };
      entry.score += 1 / (rrfK + index + 1);
      entry[rankField] = index + 1;
      fused.set(hit.id, entry);
    });
  };
  add(byVector, "vectorRank");
  add(byText, "textRank");
  const ranked = [...fused.values()].sort((a, b) => b.score - a.score);
  const perFile = new Map<string, number>();
  const results: SearchHit[] = [];
  for (const hit of ranked) {
    const count = perFile.get(hit.path) ?? 0;
    if (count >= maxPerFile) continue;
    perFile.set(hit.path, count + 1);
    results.push(hit);
    if (results.length >= limit) break;
  }
  return results;
}
