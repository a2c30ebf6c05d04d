// The citation grammar, in one place: `path:start-end` (1-based, inclusive lines), written in
// answers between brackets, `[src/a.ts:12-30]`. Paths may hold spaces (`[My App/src/a b.ts:1-3]`),
// colons and brackets in pairs (`[app/blog/[slug]/page.tsx:1-5]`), never line breaks. The core
// formats and checks citations with it, and the webview finds them in answers with it.

export interface Citation {
  /** Codebase path: workspace-relative, forward slashes, folder-prefixed in a multi-root workspace. */
  path: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
}

/** `path:start-end`; a one-line range is still written `path:n-n`, so every citation has one shape. */
export function formatCitation(citation: Citation): string {
  return `${citation.path}:${citation.startLine}-${citation.endLine}`;
}

// A path: no line breaks, neither starting nor ending with white space, brackets only in pairs
// (`app/blog/[slug]/page.tsx`, as web frameworks name routes); then `:start` and an optional
// `-end`. The lazy path takes the last `:digits` before the end.
const PATH_PART = String.raw`(?:[^\[\]\r\n]|\[[^\[\]\r\n]*\])`;
const PATH = String.raw`(?=[^\s\]])${PATH_PART}+?(?<=\S)`;
const BODY = String.raw`(${PATH}):(\d+)(?:-(\d+))?`;
const WHOLE = new RegExp(String.raw`^\s*${BODY}\s*$`);

/** `path:start-end` (or `path:line`) → its parts; undefined for anything else or an inverted range. */
export function parseCitation(text: string): Citation | undefined {
  const match = WHOLE.exec(text);
  return match ? toCitation(match[1], match[2], match[3]) : undefined;
}

export interface FoundCitation extends Citation {
  /** The citation as written, without brackets or backticks. */
  text: string;
  /** Where the bracketed form starts and ends in the searched text. */
  index: number;
  length: number;
}

/**
 * Every bracketed citation in a text, in order: `[path:12-30]`, also with the inside in backticks
 * (`` [`path:12-30`] ``), which models often write.
 */
export function findCitations(text: string): FoundCitation[] {
  const found: FoundCitation[] = [];
  for (const match of text.matchAll(new RegExp(String.raw`\[(\x60?)${BODY}\1\]`, "g"))) {
    const citation = toCitation(match[2], match[3], match[4]);
    if (!citation) continue;
    found.push({ ...citation, text: match[0].slice(1 + match[1].length, -1 - match[1].length), index: match.index, length: match[0].length });
  }
  return found;
}

function toCitation(rawPath: string, start: string, end: string | undefined): Citation | undefined {
  const startLine = Number(start);
  const endLine = end === undefined ? startLine : Number(end);
  if (startLine < 1 || endLine < startLine) return undefined;
  return { path: rawPath.replace(/^\.\//, ""), startLine, endLine };
}
