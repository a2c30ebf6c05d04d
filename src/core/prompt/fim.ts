// Fill-in-the-middle prompts for the common code models. Retrieved snippets and the conventions
// digest go in front of the file: as repository files where the model was trained on that
// format (Qwen2.5-Coder, StarCoder2), as comments otherwise.

/** Fill-in-the-middle prompt formats of the common code models, or the server's `suffix` field. */
export type FimPreset = "qwen2.5-coder" | "deepseek-coder" | "starcoder2" | "codellama" | "native-suffix";

export const FIM_PRESETS: readonly FimPreset[] = ["qwen2.5-coder", "deepseek-coder", "starcoder2", "codellama", "native-suffix"];

export interface FimSnippet {
  path: string;
  text: string;
}

export interface FimInput {
  preset: FimPreset;
  /** Workspace-relative path of the file being edited. */
  path: string;
  language: string;
  prefix: string;
  suffix: string;
  snippets: readonly FimSnippet[];
  /** The conventions digest, a few lines. */
  conventions: string;
}

export interface FimPrompt {
  prompt: string;
  /** Sent as the `suffix` field (native-suffix preset only). */
  suffix?: string;
  stop: string[];
}

const LINE_COMMENT: Record<string, string> = {
  python: "#", ruby: "#", shell: "#", bash: "#", yaml: "#", toml: "#", r: "#", perl: "#", makefile: "#",
  sql: "--", lua: "--", haskell: "--",
};

function comment(language: string, text: string): string {
  const marker = LINE_COMMENT[language] ?? "//";
  return text.split("\n").map((line) => (line ? `${marker} ${line}` : marker)).join("\n");
}

/** Context as comments above the code, for models without a repository format. */
function commentedContext(input: FimInput): string {
  const parts: string[] = [];
  if (input.conventions) parts.push(comment(input.language, `Team conventions:\n${input.conventions}`));
  for (const snippet of input.snippets) parts.push(comment(input.language, `From ${snippet.path}:\n${snippet.text}`));
  return parts.length ? parts.join("\n") + "\n" : "";
}

export function buildFimPrompt(input: FimInput): FimPrompt {
  switch (input.preset) {
    case "qwen2.5-coder": {
      const files = input.snippets.map((s) => `<|file_sep|>${s.path}\n${s.text}\n`).join("");
      const conventions = input.conventions ? comment(input.language, `Team conventions:\n${input.conventions}`) + "\n" : "";
      return {
        prompt: `<|repo_name|>workspace\n${files}<|file_sep|>${input.path}\n<|fim_prefix|>${conventions}${input.prefix}<|fim_suffix|>${input.suffix}<|fim_middle|>`,
        stop: ["<|endoftext|>", "<|file_sep|>", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|repo_name|>"],
      };
    }
    case "starcoder2": {
      const files = input.snippets.map((s) => `<file_sep>${s.path}\n${s.text}\n`).join("");
      const conventions = input.conventions ? comment(input.language, `Team conventions:\n${input.conventions}`) + "\n" : "";
      return {
        prompt: `<repo_name>workspace${files}<file_sep>${input.path}\n<fim_prefix>${conventions}${input.prefix}<fim_suffix>${input.suffix}<fim_middle>`,
        stop: ["<|endoftext|>", "<file_sep>", "<fim_prefix>", "<fim_suffix>", "<fim_middle>"],
      };
    }
    case "deepseek-coder":
      return {
        prompt: `<｜fim▁begin｜>${commentedContext(input)}${input.prefix}<｜fim▁hole｜>${input.suffix}<｜fim▁end｜>`,
        stop: ["<｜end▁of▁sentence｜>", "<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>", "<|EOT|>"],
      };
    case "codellama":
      return { prompt: `<PRE> ${commentedContext(input)}${input.prefix} <SUF>${input.suffix} <MID>`, stop: ["<EOT>", "<PRE>", "<SUF>", "<MID>"] };
    case "native-suffix":
      return { prompt: commentedContext(input) + input.prefix, suffix: input.suffix, stop: [] };
  }
}

/**
 * Cleans a raw completion: cut at the first stop marker, drop what merely repeats the text
 * after the cursor, and cap the length; empty when nothing useful is left. `prefix`: the text
 * before the cursor, which says whether the suffix starts a line.
 */
export function cleanCompletion(raw: string, suffix: string, stop: readonly string[], options: { prefix?: string; maxLines?: number; language?: string } = {}): string {
  let text = raw;
  for (const marker of stop) {
    const at = text.indexOf(marker);
    if (at >= 0) text = text.slice(0, at);
  }
  // A chat-tuned model wraps code in a Markdown fence (at the start, unindented): the code inside is the completion; not in Markdown
  // itself, nor in a file that writes fences (a docstring's example), where a fence may be the text.
  const fence = /^(markdown|mdx|rst)$/.test(options.language ?? "") || options.prefix?.includes("```") ? null : /^```[\w+#.-]*[ \t]*\n/.exec(text);
  if (fence) {
    const body = text.slice(fence[0].length);
    const close = body.search(/(^|\n)[ \t]*```/);
    text = close >= 0 ? body.slice(0, close) : body;
  }
  const lines = text.split("\n");
  const maxLines = options.maxLines ?? 40;
  if (lines.length > maxLines) text = lines.slice(0, maxLines).join("\n");
  // The model often re-types the start of the suffix (a closing bracket, the next line): drop the
  // overlap, whole tokens only (`wrapped` before `def` keeps its `d`), and whole lines where the
  // suffix starts a line (a body's last `}` before the function's own is kept).
  const head = suffix.trimStart();
  const lead = suffix.slice(0, suffix.length - head.length);
  const startsLine = lead.includes("\n") || (options.prefix !== undefined && AT_LINE_START.test(options.prefix));
  // The indentation of the suffix's first line: a re-typed line has it (an inner block's `}` before the function's own has more).
  const indent = lead.includes("\n") ? lead.slice(lead.lastIndexOf("\n") + 1) : `${(options.prefix ?? "").slice((options.prefix ?? "").lastIndexOf("\n") + 1)}${lead}`;
  for (let n = Math.min(text.length, head.length); n > 0; n--) {
    const overlap = head.slice(0, n);
    const before = text.slice(0, text.length - n);
    if (!text.endsWith(overlap) || !overlap.trim()) continue;
    const tokenEnd = n === head.length || !WORD_CHAR.test(overlap[n - 1]) || !WORD_CHAR.test(head[n]);
    const tokenStart = !WORD_CHAR.test(overlap[0]) || !WORD_CHAR.test(before.slice(-1));
    if (tokenEnd && tokenStart && (!startsLine || (AT_LINE_START.test(before) && before.slice(before.lastIndexOf("\n") + 1) === indent))) {
      text = before;
      break;
    }
  }
  return text.trim() ? text.replace(/\s+$/, (tail) => (tail.includes("\n") ? "" : tail)) : "";
}

const WORD_CHAR = /[\p{L}\p{N}_$]/u;
/** Only blanks since the last line break (or the start). */
const AT_LINE_START = /(^|\n)[ \t]*$/;
