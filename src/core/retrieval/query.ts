// Query text for the full-text index: words only (no query syntax can leak in), identifiers also
// split, so `parseURL` in a question meets `parse url` in code and the other way round.
import { identifiers, splitIdentifier, STOP_WORDS } from "../util/text";
import { relatedWords } from "../util/words";

/**
 * Words that say what the asker wants done or asks, not what the code is: "fix the bug where…",
 * "where is … defined", "improved handling of…". They match prose (changelogs, READMEs, issue
 * templates) far more than code, so the lexical searches leave them out when the query has other
 * words. Words that name code as often ("issue", "problem", "regression", "show", "explain") are not here.
 */
const REQUEST_WORDS: ReadonlySet<string> = new Set(
  (
    "fix fixed fixes fixing bug bugs bugfix improve improved improves improving improvement enhance enhanced " +
    "refactor refactored tweak tweaked how what where which why who does did should could would can please me my our we you i"
  ).split(" "),
);

/** A word written as code: in backticks or quotes, or joined to code punctuation (`shutil.which`, `show()`, `_fix`). */
function writtenAsCode(query: string, start: number, end: number): boolean {
  const before = query[start - 1] ?? " ";
  const after = query[end] ?? " ";
  return /[`'".:#$_(]/.test(before) || /[`'".:#$_(]/.test(after);
}

/**
 * What the lexical searches look for: the query without its request words, when it has other words
 * to search for (otherwise the query as asked), and its full-text words.
 */
export function lexicalQuery(query: string): { text: string; words: string } {
  const kept = query.replace(/[\p{L}_$][\p{L}\p{N}_$]*/gu, (word, offset: number) =>
    REQUEST_WORDS.has(word.toLowerCase()) && !writtenAsCode(query, offset, offset + word.length) ? " " : word);
  const words = queryWords(kept).words;
  return words.size > 0 ? { text: kept, words: [...words].join(" ") } : { text: query, words: textQuery(query) };
}

/** The query without its request words, when it has other words to search for; otherwise the query as asked. */
export function searchQuery(query: string): string {
  return lexicalQuery(query).text;
}

export function textQuery(query: string): string {
  const { words, all } = queryWords(query);
  return [...(words.size > 0 ? words : all)].join(" ");
}

/** A query's words for the full-text index: without stop words, and all of them. */
function queryWords(query: string): { words: Set<string>; all: Set<string> } {
  const words = new Set<string>();
  // Every word a search can name, stop words too: a query of nothing else names a symbol (`class Package`, Go's `New`).
  const all = new Set<string>();
  const add = (word: string): void => {
    all.add(word);
    if (!STOP_WORDS.has(word)) words.add(word);
  };
  for (const token of query.match(/[\p{L}\p{N}_$]+/gu) ?? []) {
    if (!/[^\p{ASCII}]/u.test(token)) {
      for (const id of identifiers(token)) {
        add(id.toLowerCase());
        for (const word of splitIdentifier(id)) for (const w of [word, ...relatedWords(word)]) add(w);
      }
      continue;
    }
    // Words in other scripts (and accented ones) are whole words, as the index holds them, and their parts between underscores.
    const lower = token.toLowerCase();
    add(lower);
    for (const part of lower.split(/[_$]+/)) if (part && part !== lower) add(part);
  }
  return { words, all };
}
