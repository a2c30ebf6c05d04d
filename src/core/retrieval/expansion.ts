// Graph expansion ("fetch, reason, fetch again"): the definitions of the identifiers that the top
// hits reference, looked up in the store's symbol table, most-referenced first.
import type { IndexStore, StoredChunk } from "../store/store";
import { identifiers, STOP_WORDS } from "../util/text";

const MAX_NAMES = 40;

export interface Expansion {
  chunk: StoredChunk;
  /** The hit that referenced it. */
  from: StoredChunk;
}

/** Identifiers a chunk uses but does not define, most frequent first. */
export function referencedNames(chunk: Pick<StoredChunk, "text" | "symbol">): string[] {
  const counts = new Map<string, number>();
  for (const id of identifiers(chunk.text)) {
    if (id.length < 3 || id === chunk.symbol || STOP_WORDS.has(id.toLowerCase()) || /^[0-9]/.test(id)) continue;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([name]) => name);
}

export async function expansionCandidates(store: IndexStore, seeds: readonly StoredChunk[], limit: number): Promise<Expansion[]> {
  const referencedBy = new Map<string, StoredChunk>();
  for (const seed of seeds) {
    for (const name of referencedNames(seed)) if (!referencedBy.has(name)) referencedBy.set(name, seed);
  }
  const names = [...referencedBy.keys()].slice(0, MAX_NAMES);
  const seedIds = new Set(seeds.map((seed) => seed.id));
  const order = new Map(names.map((name, i) => [name, i]));
  const definitions = (await store.chunksDefining(names, limit * 2)).filter((chunk) => !seedIds.has(chunk.id));
  definitions.sort((a, b) => (order.get(a.symbol) ?? 0) - (order.get(b.symbol) ?? 0) || a.path.localeCompare(b.path) || a.startLine - b.startLine);
  return definitions.slice(0, limit).map((chunk) => ({ chunk, from: referencedBy.get(chunk.symbol)! }));
}
