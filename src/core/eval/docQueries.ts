// Builds a code-search eval from a real corpus: each documented function's first doc sentence is
// a query, and the function is its target. The copy that gets indexed has its doc comments
// stripped (line numbers kept), so retrieval must find the code from the code itself.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { type Node, Parser } from "web-tree-sitter";
import { type GrammarLocation, loadLanguage } from "../chunk/grammars";
import { languageSpec } from "../chunk/languages";
import { scanWorkspace } from "../scan/scanner";
import { fnv1a } from "../util/hash";

export type EvalLanguage = "python" | "javascript" | "typescript";

export interface EvalTarget {
  id: string;
  query: string;
  /** Corpus-relative path. */
  path: string;
  /** 1-based line of the definition (its `def` / `function` line). */
  line: number;
  symbol: string;
}

export interface EvalCorpus {
  /** Files to index, doc comments stripped. */
  files: Array<{ path: string; text: string }>;
  targets: EvalTarget[];
}

const EXTENSIONS: Record<EvalLanguage, RegExp> = {
  python: /\.py$/,
  javascript: /\.(js|mjs|cjs)$/,
  typescript: /(?<!\.d)\.ts$/,
};

const FUNCTION_TYPES = new Set([
  "function_definition", "function_declaration", "generator_function_declaration", "method_definition",
]);

interface Edit {
  start: number;
  end: number;
}

export async function buildEvalCorpus(root: string, language: EvalLanguage, grammars?: GrammarLocation): Promise<EvalCorpus> {
  const spec = languageSpec(language)!;
  const grammar = await loadLanguage(spec, grammars);
  const parser = new Parser();
  parser.setLanguage(grammar);
  const corpus: EvalCorpus = { files: [], targets: [] };
  try {
    for await (const entry of scanWorkspace(root)) {
      if (entry.kind !== "file" || !EXTENSIONS[language].test(entry.file.path)) continue;
      const text = await fs.readFile(path.join(root, entry.file.path), "utf8");
      const tree = parser.parse(text);
      if (!tree) continue;
      const edits: Edit[] = [];
      const found = language === "python" ? pythonDocs(tree.rootNode, edits) : jsDocs(tree.rootNode, edits);
      tree.delete();
      for (const { node, doc, symbol } of found) {
        const query = firstSentence(doc);
        if (!query) continue;
        const line = node.startPosition.row + 1;
        corpus.targets.push({ id: `${entry.file.path}:${line}`, query, path: entry.file.path, line, symbol });
      }
      corpus.files.push({ path: entry.file.path, text: strip(text, edits) });
    }
  } finally {
    parser.delete();
  }
  return corpus;
}

/** A deterministic sample of at most `size` targets (by hash of their ids, not by position). */
export function sampleTargets(targets: readonly EvalTarget[], size: number): EvalTarget[] {
  if (targets.length <= size) return [...targets];
  return [...targets].sort((a, b) => fnv1a(a.id) - fnv1a(b.id)).slice(0, size);
}

type Found = { node: Node; doc: string; symbol: string };

/** Python: docstrings of modules, classes and functions are stripped; functions' are queries. */
function pythonDocs(root: Node, edits: Edit[]): Found[] {
  const found: Found[] = [];
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const body = node.type === "module" ? node : node.childForFieldName("body");
    if (body && (node.type === "module" || node.type === "class_definition" || node.type === "function_definition")) {
      const first = body.namedChildren[0];
      const literal = first?.type === "expression_statement" ? first.namedChildren[0] : undefined;
      if (first && literal?.type === "string") {
        edits.push({ start: literal.startIndex, end: literal.endIndex });
        if (node.type === "function_definition") {
          found.push({ node, doc: pythonStringContent(literal.text), symbol: node.childForFieldName("name")?.text ?? "" });
        }
      }
    }
    for (const child of node.namedChildren) if (child) stack.push(child);
  }
  return found;
}

function pythonStringContent(literal: string): string {
  return literal.replace(/^[rRuUbB]*("""|'''|"|')/, "").replace(/("""|'''|"|')$/, "");
}

/** JavaScript/TypeScript: every JSDoc comment is stripped; those right above a function are queries. */
function jsDocs(root: Node, edits: Edit[]): Found[] {
  const found: Found[] = [];
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const children = node.namedChildren.filter((child): child is Node => child !== null);
    children.forEach((child, i) => {
      if (child.type !== "comment" || !child.text.startsWith("/**")) return;
      edits.push({ start: child.startIndex, end: child.endIndex });
      const next = children[i + 1];
      const target = next && next.startPosition.row <= child.endPosition.row + 1 ? functionIn(next) : undefined;
      if (target) found.push({ node: target.node, doc: jsDocContent(child.text), symbol: target.symbol });
    });
    stack.push(...children);
  }
  return found;
}

/** The function a statement defines: a declaration, a method, `const f = () => …`, `a.b = function …`. */
function functionIn(node: Node): { node: Node; symbol: string } | undefined {
  const inner = node.type === "export_statement" ? node.childForFieldName("declaration") ?? node : node;
  if (FUNCTION_TYPES.has(inner.type)) return { node: inner, symbol: inner.childForFieldName("name")?.text ?? "" };
  if (inner.type === "lexical_declaration" || inner.type === "variable_declaration") {
    const declarator = inner.namedChildren.find((child) => child?.type === "variable_declarator");
    const value = declarator?.childForFieldName("value");
    if (declarator && value && /function|arrow_function/.test(value.type)) return { node: inner, symbol: declarator.childForFieldName("name")?.text ?? "" };
  }
  if (inner.type === "expression_statement") {
    const assignment = inner.namedChildren[0];
    const right = assignment?.type === "assignment_expression" ? assignment.childForFieldName("right") : undefined;
    if (assignment && right && /function|arrow_function/.test(right.type)) return { node: inner, symbol: assignment.childForFieldName("left")?.text ?? "" };
  }
  return undefined;
}

function jsDocContent(comment: string): string {
  const lines = comment.replace(/^\/\*\*/, "").replace(/\*\/$/, "").split("\n").map((line) => line.replace(/^\s*\*\s?/, ""));
  const tag = lines.findIndex((line) => line.trim().startsWith("@"));
  return (tag >= 0 ? lines.slice(0, tag) : lines).join("\n");
}

/** The first sentence of the first paragraph, whitespace collapsed; undefined if too short to be a query. */
export function firstSentence(doc: string): string | undefined {
  const paragraph = doc.trim().split(/\n\s*\n/)[0] ?? "";
  const collapsed = paragraph.replace(/\s+/g, " ").trim();
  const match = /^(.+?[.!?])(\s|$)/.exec(collapsed);
  const sentence = (match ? match[1] : collapsed).replace(/\{@link\s+([^}]+)\}/g, "$1").replace(/<\/?[a-z]+>/gi, "");
  return sentence.split(" ").length >= 3 && sentence.length >= 12 ? sentence : undefined;
}

/** Replaces each edited range with "..." (Python) or nothing, keeping its newlines so lines stay put. */
function strip(text: string, edits: Edit[]): string {
  let out = "";
  let at = 0;
  for (const edit of [...edits].sort((a, b) => a.start - b.start)) {
    if (edit.start < at) continue;
    const removed = text.slice(edit.start, edit.end);
    out += text.slice(at, edit.start) + (removed.startsWith("/*") ? "" : "...") + "\n".repeat(removed.split("\n").length - 1);
    at = edit.end;
  }
  return out + text.slice(at);
}
