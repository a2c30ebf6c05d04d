// Identifier-aware text handling shared by the embedder and the full-text index.
import { sha256Hex } from "./hash";
import { memoizeBounded } from "./memo";
import { indexTerms, joinTerms } from "./terms";
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
 * What the full-text index holds next to the code: the identifiers split into words, so that
 * `parseURL` is found by "parse url" and vice versa, and the words their run-together parts and
 * abbreviations stand for (`rmdir` → "remove directory"), as index terms (`util/terms.ts`).
 */
export function splitIdentifierTerms(text: string): string {
  const out: string[] = [];
  for (const id of identifiers(text)) {
    const terms = identifierTermsOnce(id);
    if (terms) out.push(terms);
  }
  return out.join(" ");
}

/** What one identifier adds to `splitIdentifierTerms`: the terms of its words and of the words they stand for ("" when none). */
function identifierTerms(id: string): string {
  const out: string[] = [];
  const words = splitIdentifier(id);
  if (words.length > 1) out.push(words.join(" "));
  for (const word of words) out.push(...relatedWords(word));
  return indexTerms(out.join(" "));
}

/** Identifiers repeat across code: each one's terms are worked out once. */
const identifierTermsOnce = memoizeBounded(identifierTerms, 200_000);

/**
 * What one identifier adds to the code field (`codeFieldTerms`): the terms of its own runs of
 * letters and digits, as the code holds them (`max_retries` → "max retri"), then
 * `identifierTerms`.
 */
function identifierFieldTerms(id: string): string {
  return joinTerms(indexTerms(id), identifierTermsOnce(id));
}

/** `identifierFieldTerms`, worked out once per identifier (the builtin embedder's entries keep it too). */
export const identifierFieldTermsOnce = memoizeBounded(identifierFieldTerms, 200_000);

/** `identifierFieldTerms` of a number run straight into an identifier (`0x1F`): the two make one run of the code. */
function numberRunTerms(text: string): string {
  const at = text.search(/[A-Za-z]/);
  const id = text.slice(at);
  const cut = id.search(/[_$]/);
  const run = cut < 0 ? id : id.slice(0, cut);
  return joinTerms(indexTerms(text.slice(0, at) + run), indexTerms(id.slice(run.length)), identifierTermsOnce(id));
}

const numberRunTermsOnce = memoizeBounded(numberRunTerms, 200_000);

/**
 * Whether a text's identifiers (IDENTIFIER) cut it into the same runs of letters and digits as
 * the index's terms do: when it is ASCII and no number runs straight into a letter (`0x1F`, `2to3`
 * are one run each, two identifiers).
 */
export function identifiersAreRuns(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[^\x00-\x7f]|(?:^|[^A-Za-z0-9_$])[0-9]+[A-Za-z]/.test(text);
}

/**
 * The code field of the full-text index: the code's terms and those of its identifiers split into
 * words, in no particular order (the index keeps no positions), from each identifier's cached
 * terms rather than a scan of the code; a number that runs straight into a letter (`0x1F`, `1e5`)
 * is one run with the identifier after it. Text beyond ASCII is scanned.
 */
export function codeFieldTerms(text: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(text)) return joinTerms(indexTerms(text), splitIdentifierTerms(text));
  const out: string[] = [];
  const push = (terms: string): void => {
    if (terms) out.push(terms);
  };
  const found = new RegExp(IDENTIFIER.source, "g");
  let number = "";
  let numberEnd = -1;
  for (let match = found.exec(text); match; match = found.exec(text)) {
    const id = match[0];
    const first = id.charCodeAt(0);
    if (number && match.index === numberEnd && ((first | 32) >= 97 && (first | 32) <= 122)) {
      push(numberRunTermsOnce(number + id));
      number = "";
    } else {
      if (number) push(identifierFieldTermsOnce(number));
      number = "";
      if (first >= 48 && first <= 57) number = id;
      else push(identifierFieldTermsOnce(id));
    }
    numberEnd = match.index + id.length;
  }
  if (number) push(identifierFieldTermsOnce(number));
  return out.join(" ");
}

export function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

let tablesDigest: string | undefined;

/** A hash of the tables that shape the embedder's features and the full-text fields: vocabulary, abbreviations, stop words. */
export function featureTablesDigest(): string {
  tablesDigest ??= sha256Hex(JSON.stringify({ ...wordTables(), stopWords: [...STOP_WORDS] }));
  return tablesDigest;
}

/**
 * Text in a Markdown code fence that its own backticks can't close: the fence is one backtick
 * longer than the longest run of them in the text (three at least), as CommonMark reads fences.
 */
export function fenced(text: string, language = ""): string {
  let longest = 0;
  for (const run of text.match(/`{3,}/g) ?? []) longest = Math.max(longest, run.length);
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${text}\n${fence}`;
}

/**
 * The lines of `text` that are code, not comments, in most languages: comment lines (`//`, `#` but
 * not a C preprocessor line or a Rust attribute, `-- `, `;`), `/* … *\/` blocks (so a line going on
 * with `* x` is code) and Python docstrings.
 */
export function codeLines(text: string): string[] {
  const lines: string[] = [];
  let closing: string | undefined; // what ends the block comment or docstring the line is in
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (closing) {
      if (trimmed.includes(closing)) closing = undefined;
      continue;
    }
    const opening = trimmed.startsWith("/*") ? "/*" : /^[rbuf]{0,2}("""|''')/i.exec(trimmed)?.[1];
    if (opening) {
      const end = opening === "/*" ? "*/" : opening;
      if (!trimmed.slice(trimmed.indexOf(opening) + opening.length).includes(end)) closing = end;
      continue;
    }
    if (!/^(\/\/|#(?!(include|define|if|ifdef|ifndef|elif|else|endif|undef|pragma|error|line)\b|\[|!)|--(\s|$)|;)/.test(trimmed)) lines.push(line);
  }
  return lines;
}
