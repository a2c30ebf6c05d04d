// Reciprocal-rank fusion: each list contributes weight / (k + rank) per item; the fused order
// keeps, for every item, its rank in each list so the UI can say why it was chosen.

export type Source = "vector" | "text" | "expansion";

export interface RankedList<T> {
  source: Source;
  items: readonly T[];
  weight?: number;
}

export interface Fused<T> {
  item: T;
  score: number;
  /** 1-based rank of the item in each list that had it. */
  ranks: Partial<Record<Source, number>>;
}

export function reciprocalRankFusion<T>(lists: ReadonlyArray<RankedList<T>>, key: (item: T) => string, k = 60): Fused<T>[] {
  const fused = new Map<string, Fused<T>>();
  for (const list of lists) {
    const weight = list.weight ?? 1;
    list.items.forEach((item, index) => {
      const id = key(item);
      const entry = fused.get(id) ?? { item, score: 0, ranks: {} };
      if (entry.ranks[list.source] !== undefined) return;
      entry.score += weight / (k + index + 1);
      entry.ranks[list.source] = index + 1;
      fused.set(id, entry);
    });
  }
  return [...fused.values()].sort((a, b) => b.score - a.score);
}

/** Keeps at most `maxPerFile` items of each file, in order. */
export function capPerFile<T extends { path: string }>(items: readonly T[], maxPerFile: number): T[] {
  const counts = new Map<string, number>();
  return items.filter((item) => {
    const count = counts.get(item.path) ?? 0;
    counts.set(item.path, count + 1);
    return count < maxPerFile;
  });
}
