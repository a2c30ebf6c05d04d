// Turns ranked hits into what goes into a prompt, under a token budget: overlapping or adjacent
// ranges of a file are merged, items keep relevance order, and each carries its citation
// (`path:start-end`) and why it was chosen (its rank in each list, or the hit it expands).
import type { Source } from "./fusion";
import { citation } from "./retriever";
import { fileRole, type FileRole } from "./roles";
import type { SearchHit } from "./types";
import { cl100k, type TokenCounter } from "../util/tokens";
import { fenced } from "../util/text";

export interface ContextItem {
  /** `path:start-end`, the form answers cite. */
  citation: string;
  path: string;
  startLine: number;
  endLine: number;
  language: string;
  /** Symbols of the merged chunks, in line order. */
  symbols: string[];
  text: string;
  score: number;
  /** The best relevance among the merged chunks (SearchHit.relevance). */
  relevance: number;
  /** Best rank per list among the merged chunks: why this was chosen. */
  ranks: Partial<Record<Source, number>>;
  /** Share of the query's words the merged chunks hold (the best of them), when they had the second look. */
  coverage?: number;
  /** The file's role when the role prior ranked it below code (a test, docs, a changelog…). */
  loweredAs?: FileRole;
  expandedFrom?: string;
  tokens: number;
  /** Set when the item was cut to fit the budget. */
  truncated: boolean;
}

export interface ContextPack {
  items: ContextItem[];
  tokens: number;
  budget: number;
  /** Hits left out because the budget ran out. */
  omitted: number;
  /** Hits left out because their relevance is below the threshold. */
  belowThreshold: number;
  /** The best relevance among the hits (0 without hits): what "the index has nothing close" is judged by. */
  bestRelevance: number;
}

export interface PackOptions {
  budget: number;
  tokenizer?: TokenCounter;
  /** The smallest useful piece of a truncated item. */
  minItemTokens?: number;
  /**
   * Keep only hits at least this relevant (SearchHit.relevance), and the definitions expansion
   * added for them; none when the best is below it: the index has nothing close.
   */
  minRelevance?: number;
}

/** How an item is written into a prompt; the budget counts exactly this. */
export function formatContextItem(item: Pick<ContextItem, "citation" | "symbols" | "language" | "text">): string {
  return `[${item.citation}] ${item.symbols.join(", ")}\n${fenced(item.text, item.language)}\n`;
}

/** Merges hits of the same file whose line ranges overlap or touch. */
export function mergeHits(hits: readonly SearchHit[]): Omit<ContextItem, "tokens" | "truncated">[] {
  const byPath = new Map<string, SearchHit[]>();
  for (const hit of hits) byPath.set(hit.path, [...(byPath.get(hit.path) ?? []), hit]);
  const merged: Omit<ContextItem, "tokens" | "truncated">[] = [];
  for (const group of byPath.values()) {
    group.sort((a, b) => a.startLine - b.startLine);
    let current: SearchHit[] = [];
    const flush = (): void => {
      if (current.length > 0) merged.push(mergeGroup(current));
      current = [];
    };
    for (const hit of group) {
      const end = Math.max(...current.map((h) => h.endLine), -1);
      if (current.length > 0 && hit.startLine > end + 1) flush();
      current.push(hit);
    }
    flush();
  }
  return merged.sort((a, b) => b.score - a.score);
}

function mergeGroup(hits: SearchHit[]): Omit<ContextItem, "tokens" | "truncated"> {
  const lines = new Map<number, string>();
  for (const hit of hits) hit.text.split("\n").forEach((line, i) => lines.set(hit.startLine + i, line));
  const startLine = Math.min(...hits.map((h) => h.startLine));
  const endLine = Math.max(...hits.map((h) => h.endLine));
  const text = Array.from({ length: endLine - startLine + 1 }, (_, i) => lines.get(startLine + i) ?? "").join("\n");
  const ranks: Partial<Record<Source, number>> = {};
  for (const hit of hits) {
    for (const [source, rank] of Object.entries(hit.ranks) as Array<[Source, number]>) ranks[source] = Math.min(ranks[source] ?? rank, rank);
  }
  return {
    citation: citation({ path: hits[0].path, startLine, endLine }),
    path: hits[0].path,
    startLine,
    endLine,
    language: hits[0].language,
    symbols: [...new Set(hits.map((h) => h.symbol))],
    text,
    score: Math.max(...hits.map((h) => h.score)),
    relevance: Math.max(...hits.map((h) => h.relevance)),
    ranks,
    coverage: hits.some((h) => h.scores.coverage !== undefined) ? Math.max(...hits.map((h) => h.scores.coverage ?? 0)) : undefined,
    loweredAs: hits[0].scores.prior !== undefined ? (hits[0].role ?? fileRole(hits[0].path)) : undefined,
    expandedFrom: hits.find((h) => h.expandedFrom)?.expandedFrom,
  };
}

/** The hits at or above the threshold, and the expansion hits of those. */
export function relevantHits(hits: readonly SearchHit[], minRelevance: number | undefined): SearchHit[] {
  if (minRelevance === undefined) return [...hits];
  const direct = hits.filter((hit) => !hit.expandedFrom && hit.relevance >= minRelevance);
  const seeds = new Set(direct.map((hit) => citation(hit)));
  return hits.filter((hit) => (hit.expandedFrom ? seeds.has(hit.expandedFrom) : direct.includes(hit)));
}

export function buildContextPack(hits: readonly SearchHit[], options: PackOptions): ContextPack {
  const tokenizer = options.tokenizer ?? cl100k;
  const minItem = options.minItemTokens ?? 48;
  const kept = relevantHits(hits, options.minRelevance);
  const pack: ContextPack = {
    items: [], tokens: 0, budget: options.budget, omitted: 0, belowThreshold: hits.length - kept.length,
    bestRelevance: Math.max(0, ...hits.filter((hit) => !hit.expandedFrom).map((hit) => hit.relevance)),
  };
  for (const candidate of mergeHits(kept)) {
    const left = options.budget - pack.tokens;
    const whole = tokenizer.count(formatContextItem(candidate));
    if (whole <= left) {
      pack.items.push({ ...candidate, tokens: whole, truncated: false });
      pack.tokens += whole;
      continue;
    }
    const cut = left >= minItem ? truncateToFit(candidate, left, tokenizer) : undefined;
    if (cut) {
      pack.items.push(cut);
      pack.tokens += cut.tokens;
    } else {
      pack.omitted++;
    }
  }
  return pack;
}

/** The longest head of the item (whole lines) that fits; undefined if not even one line does. */
function truncateToFit(item: Omit<ContextItem, "tokens" | "truncated">, budget: number, tokenizer: TokenCounter): ContextItem | undefined {
  const lines = item.text.split("\n");
  let low = 0;
  let high = lines.length - 1;
  let best: ContextItem | undefined;
  while (low <= high) {
    const keep = Math.floor((low + high + 1) / 2);
    if (keep === 0) break;
    const endLine = item.startLine + keep - 1;
    const candidate = { ...item, endLine, citation: citation({ path: item.path, startLine: item.startLine, endLine }), text: lines.slice(0, keep).join("\n") };
    const tokens = tokenizer.count(formatContextItem(candidate));
    if (tokens <= budget) {
      best = { ...candidate, tokens, truncated: true };
      low = keep + 1;
    } else {
      high = keep - 1;
    }
  }
  return best;
}
