// A small LRU cache for hot queries, keyed by the index's data version: any write to the index
// makes every older entry a miss.

export class QueryCache<V> {
  private readonly entries = new Map<string, { version: number; value: V }>();
  readonly stats = { hits: 0, misses: 0 };

  constructor(private readonly capacity: number) {}

  get(key: string, version: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.version !== version) {
      this.stats.misses++;
      return undefined;
    }
    // Re-insert so the Map's order is least-recently-used first.
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.stats.hits++;
    return entry.value;
  }

  set(key: string, version: number, value: V): void {
    if (this.capacity <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { version, value });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
}
