// Query text for the full-text index: words only (no query syntax can leak in), identifiers also
// split, so `parseURL` in a question meets `parse url` in code and the other way round.
import { identifiers, splitIdentifier, STOP_WORDS } from "../util/text";

export function textQuery(query: string): string {
  const words = new Set<string>();
  for (const id of identifiers(query)) {
    const lower = id.toLowerCase();
    if (!STOP_WORDS.has(lower)) words.add(lower);
    for (const word of splitIdentifier(id)) if (!STOP_WORDS.has(word)) words.add(word);
  }
  return [...words].join(" ");
}
