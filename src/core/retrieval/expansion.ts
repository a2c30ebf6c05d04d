// Graph expansion ("fetch, reason, fetch again"): the definitions of the identifiers that the top
// hits reference, looked up in the symbol table, most-referenced first.
import type { StoredChunk } from "../store/store";
import { identifiers, STOP_WORDS } from "../util/text";
import { type FileRole, ROLE_PRIOR } from "./roles";

/** Names looked up per expansion. */
const MAX_NAMES = 40;
/** Definitions kept per name: an overloaded or often redefined name must not crowd out the others. */
const MAX_PER_NAME = 2;
/** Rows read from the symbol table per expansion, before ordering. */
const MAX_ROWS = 400;

export interface Expansion {
  chunk: StoredChunk;
  /** The hit that referenced it. */
  from: StoredChunk;
}

/** Finds the chunks defining any of these names (at most `limit` rows, in no particular order), with their roles. */
export type DefinitionLookup = (names: readonly string[], limit: number) => Promise<Array<StoredChunk & { role?: FileRole }>>;

/** Identifiers a chunk uses but does not define, most frequent first. */
export function referencedNames(chunk: Pick<StoredChunk, "text" | "symbol">): string[] {
  const counts = new Map<string, number>();
  for (const id of identifiers(chunk.text)) {
    if (id.length < 3 || id === chunk.symbol || STOP_WORDS.has(id.toLowerCase()) || /^[0-9]/.test(id)) continue;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([name]) => name);
}

/**
 * The definitions the seeds reference: ordered by how the seeds reference them (the first seed's
 * most used name first), then limited per name and in all, so the limits keep the most referenced.
 */
export async function expansionCandidates(lookup: DefinitionLookup, seeds: readonly StoredChunk[], limit: number): Promise<Expansion[]> {
  const referencedBy = new Map<string, StoredChunk>();
  for (const seed of seeds) {
    for (const name of referencedNames(seed)) if (!referencedBy.has(name)) referencedBy.set(name, seed);
  }
  const names = [...referencedBy.keys()].slice(0, MAX_NAMES);
  if (names.length === 0) return [];
  const seedIds = new Set(seeds.map((seed) => seed.id));
  const order = new Map(names.map((name, i) => [name, i]));
  const definitions = (await lookup(names, MAX_ROWS)).filter((chunk) => !seedIds.has(chunk.id));
  // Per name, code before tests and examples (a test's fake of a method is not what the hit calls).
  definitions.sort((a, b) => (order.get(a.symbol) ?? 0) - (order.get(b.symbol) ?? 0) || ROLE_PRIOR[b.role ?? "code"] - ROLE_PRIOR[a.role ?? "code"] || a.path.localeCompare(b.path) || a.startLine - b.startLine);
  const perName = new Map<string, number>();
  const kept = definitions.filter((chunk) => {
    const count = perName.get(chunk.symbol) ?? 0;
    perName.set(chunk.symbol, count + 1);
    return count < MAX_PER_NAME;
  });
  return kept.slice(0, limit).map((chunk) => ({ chunk, from: referencedBy.get(chunk.symbol)! }));
}
