// The questions behind the code actions (Explain, Refactor, Add Documentation, Generate Tests,
// Fix This Problem), and reading the edit back out of the answer. Editor-free, so unit-tested.
import { fenced } from "../util/text";

export { fenced };

export type CodeActionKind = "explain" | "refactor" | "document" | "tests" | "fix";

export interface SelectionInfo {
  /** Workspace-relative path. */
  path: string;
  language: string;
  startLine: number;
  endLine: number;
  text: string;
  /** For "fix": the problems reported on the selection. */
  problems?: string[];
}

const ONE_BLOCK = "Reply with a one-sentence summary, then only the complete replacement for the selected code in one fenced code block; keep its indentation.";

export function codeActionQuestion(kind: CodeActionKind, selection: SelectionInfo, existingTestFile?: string): string {
  const where = `${selection.path}:${selection.startLine}-${selection.endLine}`;
  switch (kind) {
    case "explain":
      return `Explain what the selected code in ${where} does, how it fits with the code it uses and the code that uses it.`;
    case "refactor":
      return `Refactor the selected code in ${where} to be clearer and simpler without changing its behaviour, following the team's conventions. ${ONE_BLOCK}`;
    case "document":
      return `Add documentation comments to the selected code in ${where}, in this language's usual style and the team's conventions; change no code. ${ONE_BLOCK}`;
    case "tests":
      return existingTestFile
        ? `Write unit tests for the selected code in ${where}, to add to the existing test file ${existingTestFile}, in its framework and style (its text is quoted below). Reply with a one-sentence summary, then only the new tests in one fenced code block: they are appended to the end of that file, so repeat no import or helper it already has.`
        : `Write unit tests for the selected code in ${where}, with the test framework and style this codebase already uses (see the retrieved code). Reply with a one-sentence summary, then only the complete new test file in one fenced code block.`;
    case "fix":
      return `Fix ${selection.problems?.length === 1 ? "this problem" : "these problems"} in the selected code in ${where}: ${(selection.problems ?? []).join("; ")}. ${ONE_BLOCK}`;
  }
}

/** The selection as quoted editor context for the prompt. */
export function selectionContext(selection: SelectionInfo): string {
  return `Selected code, ${selection.path}:${selection.startLine}-${selection.endLine}:\n${fenced(selection.text, selection.language)}`;
}

/** The first fenced code block of an answer; undefined when there is none. */
export function firstCodeBlock(answer: string): string | undefined {
  const match = /```[^\n`]*\n([\s\S]*?)\n?```/.exec(answer);
  return match ? match[1] : undefined;
}

/** Where generated tests go, by the usual convention of the language. */
export function testPathFor(relPath: string, language: string): string {
  const slash = relPath.lastIndexOf("/");
  const dir = slash >= 0 ? relPath.slice(0, slash + 1) : "";
  const file = relPath.slice(slash + 1);
  const dot = file.lastIndexOf(".");
  const stem = dot > 0 ? file.slice(0, dot) : file;
  const ext = dot > 0 ? file.slice(dot) : "";
  switch (language) {
    case "python":
      return `${dir}test_${stem}${ext}`;
    case "go":
      return `${dir}${stem}_test${ext}`;
    case "java":
    case "csharp":
    case "kotlin":
      return `${dir}${stem}Test${ext}`;
    case "ruby":
      return `${dir}${stem}_spec${ext}`;
    case "rust":
      return `${dir}${stem}_tests${ext}`;
    default:
      return `${dir}${stem}.test${ext}`;
  }
}
