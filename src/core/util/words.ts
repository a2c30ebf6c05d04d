// Code words that a plain identifier split misses: run-together names (`namelist`, `deepcopy`,
// `isfuture`) are segmented against a vocabulary of identifier words counted in npm packages'
// sources (scripts/build-vocabulary.mjs; Python and the eval's held-out packages never read), and
// the abbreviations every codebase uses (`rm`, `cmd`, `dir`) also yield the words they stand for,
// so "Remove this directory" meets `rmdir`. Both the index and the queries go through this.
import { memoizeBounded } from "./memo";
import vocabulary from "./vocabulary.json";

/** Programming abbreviations and the words they stand for: general knowledge, not fitted. */
const ABBREVIATIONS: ReadonlyMap<string, string> = new Map(Object.entries({
  abs: "absolute", addr: "address", alloc: "allocate", arg: "argument", args: "arguments",
  argv: "arguments", async: "asynchronous", attr: "attribute", attrs: "attributes", auth: "authentication",
  avg: "average", buf: "buffer", btn: "button", calc: "calculate", cb: "callback", cfg: "configuration",
  ch: "character", char: "character", chr: "character", cls: "class", cmd: "command", cmp: "compare",
  cnt: "count", col: "column", cols: "columns", conf: "configuration", config: "configuration",
  conn: "connection", coro: "coroutine", ctor: "constructor", ctx: "context", cur: "current",
  cwd: "current working directory", db: "database", dec: "decimal", decl: "declaration", def: "define",
  del: "delete", desc: "description", dest: "destination", dict: "dictionary", diff: "difference",
  dir: "directory", dirs: "directories", dirname: "directory name", dst: "destination", dup: "duplicate",
  elem: "element", env: "environment", eof: "end file", eq: "equal", err: "error", errno: "error number",
  esc: "escape", exc: "exception", exe: "executable", expr: "expression", ext: "extension", fd: "file descriptor",
  fmt: "format", fn: "function", fname: "file name", fs: "file system", func: "function", ge: "greater equal",
  gen: "generate", getattr: "get attribute", gt: "greater", hdr: "header", hex: "hexadecimal", hr: "hour",
  id: "identifier", idx: "index", img: "image", impl: "implementation", init: "initialize", int: "integer",
  info: "information", io: "input output", ipc: "process communication", isdir: "is directory",
  iter: "iterate", kw: "keyword", kwargs: "keyword arguments", lang: "language", le: "less equal",
  len: "length", lib: "library", lineno: "line number", ln: "line", lnk: "link", loc: "location",
  lst: "list", lt: "less", max: "maximum", mem: "memory", mgr: "manager", min: "minimum", misc: "miscellaneous",
  mkdir: "make directory", mod: "module", msg: "message", mtime: "modification time", mul: "multiply",
  ne: "not equal", neg: "negative", nl: "newline", num: "number", obj: "object", oct: "octal", op: "operator",
  opt: "option", opts: "options", os: "operating system", param: "parameter", params: "parameters",
  pid: "process identifier", pkg: "package", pos: "position", pow: "power", prev: "previous", proc: "process",
  prop: "property", props: "properties", ptr: "pointer", pwd: "password", qs: "query string", rand: "random",
  recv: "receive", ref: "reference", regex: "regular expression", rel: "relative", rem: "remainder",
  repr: "representation", req: "request", res: "result", resp: "response", ret: "return", rm: "remove",
  rmdir: "remove directory", rx: "receive", sep: "separator", seq: "sequence", setattr: "set attribute",
  sig: "signal", sock: "socket", spec: "specification", src: "source", stat: "status", std: "standard",
  stderr: "standard error", stdin: "standard input", stdout: "standard output", stmt: "statement",
  str: "string", sub: "subtract", sync: "synchronize", sys: "system", tmp: "temporary", temp: "temporary",
  tmpl: "template", ts: "timestamp", tx: "transmit", txt: "text", tz: "timezone", uid: "user identifier",
  usr: "user", util: "utility", utils: "utilities", val: "value",
  vals: "values", var: "variable", ver: "version", ws: "whitespace", xor: "exclusive or",
}));

const FREQUENCIES: ReadonlyMap<string, number> = new Map(Object.entries(vocabulary as Record<string, number>));
const TOTAL = [...FREQUENCIES.values()].reduce((sum, n) => sum + n, 0);
/** Shorter parts are too easy to find by chance inside an unknown word. */
const MIN_PART = 2;
/** Two-letter parts must be this common to count, so `stem` does not become `st em`. */
const MIN_SHORT_PART_COUNT = 20_000;
const MIN_SEGMENTED_LENGTH = 5;

/** The tables behind these words (for the index fingerprint). */
export function wordTables(): { vocabulary: ReadonlyArray<[string, number]>; abbreviations: ReadonlyArray<[string, string]>; segmenter: number[] } {
  return { vocabulary: [...FREQUENCIES], abbreviations: [...ABBREVIATIONS], segmenter: [MIN_PART, MIN_SHORT_PART_COUNT, MIN_SEGMENTED_LENGTH] };
}

/** How often each identifier word occurs in the vocabulary's sources. */
export function vocabularyCounts(): ReadonlyMap<string, number> {
  return FREQUENCIES;
}

function logProbability(word: string): number | undefined {
  const count = FREQUENCIES.get(word);
  if (count === undefined) return undefined;
  if (word.length < MIN_PART || (word.length === 2 && count < MIN_SHORT_PART_COUNT && !ABBREVIATIONS.has(word))) return undefined;
  return Math.log(count / TOTAL);
}


/**
 * The most probable split of an unknown lower-case word into known words (`namelist` → `name`,
 * `list`), or an empty list when the word is known or no split into known words exists.
 */
export const segment = memoizeBounded(segmentUncached, 50_000);

function segmentUncached(word: string): readonly string[] {
  let parts: string[] = [];
  if (word.length >= MIN_SEGMENTED_LENGTH && !FREQUENCIES.has(word) && /^[a-z]+$/.test(word)) {
    // best[i]: the best score of a split of word[0, i), from[i]: where its last part starts.
    const best = new Array<number>(word.length + 1).fill(-Infinity);
    const from = new Array<number>(word.length + 1).fill(-1);
    best[0] = 0;
    for (let end = MIN_PART; end <= word.length; end++) {
      for (let start = Math.max(0, end - 20); start <= end - MIN_PART; start++) {
        if (best[start] === -Infinity) continue;
        const p = logProbability(word.slice(start, end));
        if (p !== undefined && best[start] + p > best[end]) {
          best[end] = best[start] + p;
          from[end] = start;
        }
      }
    }
    if (from[word.length] > 0) {
      for (let end = word.length; end > 0; end = from[end]) parts.unshift(word.slice(from[end], end));
    }
    if (parts.length > 3) parts = [];
  }
  return parts;
}

/** The words a lower-case identifier word also stands for: its segments and expansions. */
export function relatedWords(word: string): string[] {
  const out: string[] = [];
  const add = (w: string): void => {
    for (const piece of (ABBREVIATIONS.get(w) ?? "").split(" ")) if (piece) out.push(piece);
  };
  add(word);
  for (const part of segment(word)) {
    out.push(part);
    add(part);
  }
  return out;
}

