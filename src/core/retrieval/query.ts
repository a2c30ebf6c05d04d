// Query text for the full-text index: words only (no query syntax can leak in), identifiers also
// split, so `parseURL` in a question meets `parse url` in code and the other way round.
import { identifiers, splitIdentifier, STOP_WORDS } from "../util/text";
import { relatedWords } from "../util/words";

export function textQuery(query: string): string {
  const words = new Set<string>();
  for (const id of identifiers(query)) {
    const lower = id.toLowerCase();
    if (!STOP_WORDS.has(lower)) words.add(lower);
    for (const word of splitIdentifier(id)) {
      for (const w of [word, ...relatedWords(word)]) if (!STOP_WORDS.has(w)) words.add(w);
    }
  }
  return [...words].join(" ");
}
