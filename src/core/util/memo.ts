// Per-string memoization with a bound: identifiers and words repeat across code, so their analysis
// is worth keeping, but a huge workspace must not grow the table without end (it is dropped whole).

export function memoizeBounded<T>(compute: (key: string) => T, maxEntries: number): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) {
      value = compute(key);
      if (cache.size >= maxEntries) cache.clear();
      cache.set(key, value);
    }
    return value;
  };
}
