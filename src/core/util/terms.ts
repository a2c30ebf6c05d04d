// The full-text index's terms, worked out here rather than by LanceDB. LanceDB's English analysis
// (split on anything not a letter or digit, drop tokens of 40 bytes or more, lower-case, Snowball
// English stemmer, then stop words) stems every occurrence of every token: at 18k stdlib chunks
// 0.7 s of the index build's 1.3 s of CPU, on the critical path at the end of a run. Here each
// distinct token is stemmed once, in the indexing workers, and the index is told to split on spaces
// and not stem (store's FULL_TEXT_CONFIG); it still drops stop words and folds accents after us,
// as it did after its own stemmer. Queries go through the same function, so documents and queries
// meet as they did (docs/performance.md, "Ninth look": same hits and scores on 1,500 queries).
import { stem } from "porter2";
import { memoizeBounded } from "./memo";

/** LanceDB's default `maxTokenLength`: tokens of this many UTF-8 bytes or more are not indexed. */
export const TERM_MAX_BYTES = 40;

/** ASCII letters and digits; other characters ask the Unicode properties Rust's `is_alphanumeric` reads. */
const ASCII_WORD = new Uint8Array(128);
for (const [from, to] of [[48, 57], [65, 90], [97, 122]]) for (let c = from; c <= to; c++) ASCII_WORD[c] = 1;
const WORD_CHAR = /^[\p{Alphabetic}\p{N}]$/u;

function isWordChar(codePoint: number): boolean {
  return codePoint < 128 ? ASCII_WORD[codePoint] === 1 : WORD_CHAR.test(String.fromCodePoint(codePoint));
}

/** A token's term ("" when it is not indexed), worked out once per distinct token. */
const term = memoizeBounded(
  (token: string): string => (Buffer.byteLength(token, "utf8") >= TERM_MAX_BYTES ? "" : stemChars(lowerCase(token))),
  200_000,
);

/**
 * The stemmer counts UTF-16 units, the index's counted characters: a character beyond the BMP
 * (`𝑥`) stands in as one private-use unit while the word is stemmed, and is put back after.
 */
function stemChars(word: string): string {
  if (!/[\ud800-\udfff]/.test(word)) return stem(word);
  const astral: string[] = [];
  const stemmed = stem(word.replace(/[\ud800-\udbff][\udc00-\udfff]/g, (char) => {
    let k = astral.indexOf(char);
    if (k < 0) k = astral.push(char) - 1;
    return String.fromCharCode(0xe000 + k);
  }));
  return stemmed.replace(/[\ue000-\uf8ff]/g, (unit) => astral[unit.charCodeAt(0) - 0xe000] ?? unit);
}

/** Lower-cased character by character, as the index's analysis did (no context rules: a final Σ is σ, not ς). */
function lowerCase(token: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(token)) return token.toLowerCase();
  let out = "";
  for (const char of token) out += char.toLowerCase();
  return out;
}

/**
 * Han, kana and Hangul: written without spaces between words, so a run of them is indexed as its
 * overlapping pairs of characters (as search engines do for these scripts: `登录失败` → "登录 录失 失败"),
 * and a query's run meets every text that holds it. As one token, a run longer than 13 characters
 * was over the length limit and not indexed at all, and no part of a run could be found.
 */
const SPACELESS = /^[\p{Script_Extensions=Han}\p{Script_Extensions=Hiragana}\p{Script_Extensions=Katakana}\p{Script_Extensions=Hangul}]$/u;

/** The terms of a run of letters and digits that holds characters beyond ASCII: its spaceless parts as pairs of characters, the rest as terms. */
function pushWideRun(out: string[], run: string): void {
  let rest = "";
  let spaceless: string[] = [];
  const flush = (): void => {
    if (rest) {
      const value = term(rest);
      if (value) out.push(value);
      rest = "";
    }
    if (spaceless.length === 1) out.push(spaceless[0]);
    for (let k = 0; k + 1 < spaceless.length; k++) out.push(spaceless[k] + spaceless[k + 1]);
    spaceless = [];
  };
  for (const char of run) {
    if (SPACELESS.test(char)) {
      if (rest) flush();
      spaceless.push(char);
    } else {
      if (spaceless.length > 0) flush();
      rest += char;
    }
  }
  flush();
}

/**
 * The terms of a text as the full-text index holds them, space-separated, in order: every run of
 * letters and digits under 40 bytes, lower-cased and stemmed (`Parsing the URLs` → "pars the url"),
 * Han, kana and Hangul as pairs of characters (SPACELESS).
 */
export function indexTerms(text: string): string {
  const out: string[] = [];
  const n = text.length;
  let i = 0;
  let start = -1;
  let wide = false;
  while (i <= n) {
    // ASCII inline; anything else by its code point: a surrogate pair is one character, a lone
    // surrogate none (UTF-8 carries it to the index as U+FFFD).
    const code = i < n ? text.charCodeAt(i) : 32;
    let word: boolean;
    let width = 1;
    if (code < 128) word = ASCII_WORD[code] === 1;
    else {
      const point = text.codePointAt(i)!;
      word = isWordChar(point);
      wide ||= word;
      if (point > 0xffff) width = 2;
    }
    if (word && start < 0) start = i;
    else if (!word && start >= 0) {
      if (wide) pushWideRun(out, text.slice(start, i));
      else {
        const value = term(text.slice(start, i));
        if (value) out.push(value);
      }
      start = -1;
      wide = false;
    }
    i += width;
  }
  return out.join(" ");
}

/** Term strings joined, the empty ones left out. */
export function joinTerms(...parts: string[]): string {
  return parts.filter(Boolean).join(" ");
}
