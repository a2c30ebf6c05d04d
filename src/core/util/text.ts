// Identifier-aware text handling shared by the embedder and the full-text index.
import { sha256Hex } from "./hash";
import { memoizeBounded } from "./memo";
import { relatedWords, wordTables } from "./words";

const IDENTIFIER = /[A-Za-z_$][A-Za-z0-9_$]*|[0-9]+/g;

/** Splits `parseURLString`, `max_retries`, `HTTPServer2` into lower-case words. */
export function splitIdentifier(identifier: string): string[] {
  const words: string[] = [];
  for (const part of identifier.split(/[_$]+/)) {
    if (!part) continue;
    const pieces = part.match(/[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+/g);
    for (const piece of pieces ?? [part]) words.push(piece.toLowerCase());
  }
  return words;
}

/** Raw identifiers and numbers in a text, in order. */
export function identifiers(text: string): string[] {
  return text.match(IDENTIFIER) ?? [];
}

/**
 * A light suffix-stripping stemmer: enough that `components`/`component`,
 * `parsing`/`parsed`/`parse`, `retries`/`retry` meet. Deterministic and cheap.
 */
export function stem(word: string): string {
  if (word.length <= 3) return word;
  let base = word;
  if (base.endsWith("ies") && base.length > 4) base = base.slice(0, -3) + "y";
  else if (base.endsWith("sses")) base = base.slice(0, -2);
  else if (base.endsWith("ing") && base.length > 5) base = undouble(base.slice(0, -3));
  else if (base.endsWith("ed") && base.length > 4) base = undouble(base.slice(0, -2));
  else if (/(?:[sxz]|ch|sh)es$/.test(base)) base = base.slice(0, -2);
  else if (base.endsWith("s") && !/(?:ss|us|is)$/.test(base)) base = base.slice(0, -1);
  // A final silent "e" goes too, so that "parse" meets "parsing" and "parsed".
  if (base.length > 3 && base.endsWith("e")) base = base.slice(0, -1);
  return base;
}

function undouble(word: string): string {
  const n = word.length;
  return n > 3 && word[n - 1] === word[n - 2] && !"lsz".includes(word[n - 1]) ? word.slice(0, -1) : word;
}

/** Words too common in code or English to carry meaning for retrieval. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    "a an and are as at be by for from has have if in into is it its of on or that the this to was " +
    "were will with self this cls return def function func fn var let const new else elif then end " +
    "do while for true false null none nil undefined void int str string bool boolean public private " +
    "protected static final class import export package use using include pass break continue try " +
    "catch except finally raise throw throws"
  ).split(" "),
);

/**
 * The text given to the full-text index next to the code: the identifiers split into
 * words, so that `parseURL` is found by "parse url" and vice versa, and the words their
 * run-together parts and abbreviations stand for (`rmdir` → "remove directory").
 */
export function splitIdentifiersText(text: string): string {
  const out: string[] = [];
  for (const id of identifiers(text)) {
    const words = identifierWords(id);
    if (words) out.push(words);
  }
  return out.join(" ");
}

/**
 * What one identifier adds to `splitIdentifiersText`: its words, and the words they stand for
 * ("" when nothing). Callers that keep their own per-identifier table (the builtin embedder's)
 * call it once per identifier.
 */
export function identifierSplitWords(id: string): string {
  const out: string[] = [];
  const words = splitIdentifier(id);
  if (words.length > 1) out.push(words.join(" "));
  for (const word of words) out.push(...relatedWords(word));
  return out.join(" ");
}

/** Identifiers repeat across code: each one's words are worked out once. */
const identifierWords = memoizeBounded(identifierSplitWords, 200_000);

export function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

let tablesDigest: string | undefined;

/** A hash of the tables that shape the embedder's features and the full-text fields: vocabulary, abbreviations, stop words. */
export function featureTablesDigest(): string {
  tablesDigest ??= sha256Hex(JSON.stringify({ ...wordTables(), stopWords: [...STOP_WORDS] }));
  return tablesDigest;
}
