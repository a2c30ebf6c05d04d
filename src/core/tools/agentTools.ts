// Groundwork's retrieval as tools for agents: one definition (names, JSON schemas, descriptions
// written for models) and one implementation over the Codebase, which the MCP server and VS Code's
// language-model tools and chat participant all serve. Every answer's code passes secret
// redaction; every call appends an audit line (the ranges returned, never the code); bad input is
// a ToolInputError whose message says what to fix.
import picomatch from "picomatch";
import type { CitedCode, Codebase, FolderStatus } from "../codebase/codebase";
import { CodebaseError } from "../codebase/codebase";
import { type AuditLog, auditChunk, auditId } from "../model/audit";
import { MIN_RELEVANCE } from "../retrieval/confidence";
import { buildContextPack, type ContextItem } from "../retrieval/contextPack";
import type { SearchHit, SearchMode } from "../retrieval/types";
import { redactSecrets } from "../security/redact";
import { errorMessage } from "../util/host";
import { cl100k } from "../util/tokens";
import { samePath } from "../../shared/fsPaths";
import { fenced } from "../util/text";
import { SYMBOL_NAME } from "../retrieval/definitions";

/** Input a caller got wrong: the message says what to send instead. */
export class ToolInputError extends Error {
  override readonly name = "ToolInputError";
}

export interface ToolDefinition {
  name: string;
  title: string;
  /** For models: what the tool does and when to use it. */
  description: string;
  inputSchema: { type: "object"; properties: Record<string, unknown>; required?: string[]; additionalProperties: false };
}

export const AGENT_TOOLS: readonly ToolDefinition[] = [
  {
    name: "search_code",
    title: "Search the codebase",
    description:
      "Search this workspace's code by meaning and by keywords (hybrid search over functions, classes, methods, docs). " +
      "Use it first for any question about how this codebase does something or where something is. " +
      "Returns ranked code snippets, each with a citation id `path:start-end` to cite, the symbol, why it was chosen, and the code.",
    inputSchema: {
      type: "object",
      properties: {
        query: { type: "string", description: "What to find, in words or identifiers: 'where are retries configured', 'parseURL'." },
        k: { type: "integer", minimum: 1, maximum: 30, description: "How many results (default 8)." },
        path: { type: "string", description: "Only files matching this glob, e.g. 'src/**/*.ts' or '**/auth/**'." },
        mode: { type: "string", enum: ["hybrid", "vector", "text"], description: "hybrid (default), vector (meaning only) or text (keywords only)." },
        max_tokens: { type: "integer", minimum: 200, maximum: 30000, description: "Budget for the returned code (default 6000 tokens); the last snippet is cut to whole lines." },
      },
      required: ["query"],
      additionalProperties: false,
    },
  },
  {
    name: "get_definition",
    title: "Get a symbol's definition",
    description: "Find where a function, class, method or type is defined, from the index's symbol table, with its code. Use it when you know the exact name.",
    inputSchema: {
      type: "object",
      properties: { symbol: { type: "string", description: "The exact name, e.g. 'HybridRetriever' or 'parse_url'." } },
      required: ["symbol"],
      additionalProperties: false,
    },
  },
  {
    name: "find_references",
    title: "Find where a symbol is used",
    description: "Find the code that uses a function, class, variable or type by name (whole-identifier matches; its definitions left out). Use it for 'where is X used / called'.",
    inputSchema: {
      type: "object",
      properties: {
        symbol: { type: "string", description: "The exact identifier." },
        k: { type: "integer", minimum: 1, maximum: 50, description: "How many places (default 20)." },
      },
      required: ["symbol"],
      additionalProperties: false,
    },
  },
  {
    name: "read_code",
    title: "Read exact lines of a file",
    description: "Read exact lines of a workspace file: by a citation id `path:start-end` from another tool, or by path and lines. Only indexed files: nothing outside the workspace, no ignored or secret files.",
    inputSchema: {
      type: "object",
      properties: {
        citation: { type: "string", description: "A citation id, 'src/app.ts:10-42'." },
        path: { type: "string", description: "A workspace path (instead of citation)." },
        start_line: { type: "integer", minimum: 1, description: "First line, 1-based (default 1)." },
        end_line: { type: "integer", minimum: 1, description: "Last line, inclusive (default: start_line + 199)." },
      },
      additionalProperties: false,
    },
  },
  {
    name: "conventions_for",
    title: "Team conventions for a file",
    description: "The team's rules that apply to a file (AGENTS.md, CLAUDE.md, Copilot, Cursor, Continue and Cline rules, .editorconfig, CONTRIBUTING.md), nearest rule last. Follow them when writing code for that file.",
    inputSchema: {
      type: "object",
      properties: { path: { type: "string", description: "The workspace path of the file, e.g. 'src/api/users.ts'." } },
      required: ["path"],
      additionalProperties: false,
    },
  },
  {
    name: "index_status",
    title: "Index status",
    description: "How much of the workspace Groundwork's index holds: files, chunks, skipped files, when it last changed, whether it is being rebuilt.",
    inputSchema: { type: "object", properties: {}, additionalProperties: false },
  },
];

/** A tool's answer: text for a model to read, the same as data, and the code ranges it holds. */
export interface ToolAnswer {
  text: string;
  data: Record<string, unknown>;
  /** The code ranges returned, with their code (hashed for the audit, never stored). */
  citations: Array<{ path: string; startLine: number; endLine: number; text: string }>;
}

export interface AgentToolsOptions {
  audit?: AuditLog;
  /** Who calls, for the audit log: "mcp", "vscode-tool", "participant". */
  caller: string;
}

interface Snippet {
  citation: string;
  path: string;
  startLine: number;
  endLine: number;
  symbols: string[];
  /** The kind of each symbol's chunk: function, method, class, … */
  kinds: string[];
  why: string;
  code: string;
  truncated: boolean;
}

const DEFAULT_TOKENS = 6000;
/** How deep a path-filtered search looks when the first 100 hits hold too few of the files it names. */
const FILTERED_SEARCH_DEPTH = 500;

export class AgentTools {
  constructor(private readonly codebase: Codebase, private readonly options: AgentToolsOptions) {}

  /** Runs a tool by name; ToolInputError for bad input, other errors for failures of ours. */
  async call(name: string, input: unknown): Promise<ToolAnswer> {
    const started = performance.now();
    const args = objectArgs(name, input);
    let answer: ToolAnswer | undefined;
    let redactions = 0;
    let outcome = "ok";
    try {
      answer = await this.run(name, args);
      const clean = redactSecrets(answer.text);
      redactions = clean.count;
      if (clean.count > 0) answer = { ...answer, text: clean.text, data: redactData(answer.data) };
      return answer;
    } catch (error) {
      outcome = error instanceof ToolInputError || error instanceof CodebaseError ? "bad-input" : "error";
      if (error instanceof CodebaseError) throw new ToolInputError(error.message);
      throw error;
    } finally {
      await this.options.audit?.append({
        time: new Date().toISOString(), requestId: auditId("t"), kind: "tool", caller: this.options.caller,
        tool: name, chunks: (answer?.citations ?? []).map(auditChunk), latencyMs: Math.round(performance.now() - started),
        outcome, redactions: redactions || undefined,
      });
    }
  }

  private run(name: string, args: Record<string, unknown>): Promise<ToolAnswer> {
    switch (name) {
      case "search_code":
        return this.searchCode(args);
      case "get_definition":
        return this.definitions(args);
      case "find_references":
        return this.references(args);
      case "read_code":
        return this.readCode(args);
      case "conventions_for":
        return this.conventions(args);
      case "index_status":
        return this.status();
      default:
        throw new ToolInputError(`Unknown tool "${name}". The tools are ${AGENT_TOOLS.map((t) => t.name).join(", ")}.`);
    }
  }

  private async searchCode(args: Record<string, unknown>): Promise<ToolAnswer> {
    const query = requiredString(args, "query");
    const k = integer(args, "k", 8, 1, 30);
    const mode = oneOf(args, "mode", ["hybrid", "vector", "text"], "hybrid") as SearchMode;
    const budget = integer(args, "max_tokens", DEFAULT_TOKENS, 200, 30_000);
    const glob = optionalString(args, "path");
    // A glob without a slash names files anywhere (`*.py`, `handler.py`), as in .gitignore.
    const matches = glob ? picomatch(glob, { dot: true, basename: !glob.includes("/") }) : undefined;
    const keep = (hit: SearchHit): boolean => !matches || matches(hit.path) || matches(this.folderRelative(hit.path));
    // A path filter looks deeper, then keeps the matching files; where too few match, deeper still.
    const filtered = async (depth: number): Promise<SearchHit[]> =>
      (await this.codebase.search(query, { limit: depth, candidates: depth, maxPerFile: k, mode, rerank: false })).filter(keep).slice(0, k);
    let hits = matches ? await filtered(100) : await this.codebase.search(query, { limit: k, mode });
    if (matches && hits.length < k) hits = await filtered(FILTERED_SEARCH_DEPTH);
    const snippets = this.pack(hits, budget);
    // An agent asked for k: it gets them, told when even the best is not close (it may search again).
    const weak = hits.length > 0 && hits[0].relevance < MIN_RELEVANCE ? `Note: nothing in the index is close to "${query}"; these are the nearest.\n` : "";
    const fallback = hits[0]?.fallback ? `Note: ${hits[0].fallback}.\n` : "";
    const text = snippets.length === 0
      ? `No code found for "${query}"${glob ? ` in files matching ${glob}` : ""}.`
      : weak + fallback + snippets.map(formatSnippet).join("\n");
    return { text, data: { query, results: snippets, ...(weak ? { nothingClose: true } : {}), ...(fallback ? { fallback: hits[0].fallback } : {}) }, citations: cited(snippets) };
  }

  private async definitions(args: Record<string, unknown>): Promise<ToolAnswer> {
    const symbol = identifier(args, "symbol");
    const snippets = this.pack(await this.codebase.definitions(symbol, 5), DEFAULT_TOKENS, "definition");
    const text = snippets.length ? snippets.map(formatSnippet).join("\n") : `No definition of "${symbol}" in the index. Try search_code with words from its purpose.`;
    return { text, data: { symbol, definitions: snippets }, citations: cited(snippets) };
  }

  private async references(args: Record<string, unknown>): Promise<ToolAnswer> {
    const symbol = identifier(args, "symbol");
    const k = integer(args, "k", 20, 1, 50);
    const snippets = this.pack(await this.codebase.references(symbol, k), DEFAULT_TOKENS, "uses it");
    const text = snippets.length ? snippets.map(formatSnippet).join("\n") : `Nothing in the index uses "${symbol}".`;
    return { text, data: { symbol, references: snippets }, citations: cited(snippets) };
  }

  /** A codebase path without its folder's prefix (a glob like `src/**` is written for any folder). */
  private folderRelative(codebasePath: string): string {
    return this.codebase.resolve(codebasePath)?.relPath ?? codebasePath;
  }

  private async readCode(args: Record<string, unknown>): Promise<ToolAnswer> {
    const citation = optionalString(args, "citation");
    const path = optionalString(args, "path");
    if (!citation && !path) throw new ToolInputError("read_code needs `citation` ('src/app.ts:10-42') or `path` with optional `start_line` and `end_line`.");
    if (citation && (path || args.start_line !== undefined || args.end_line !== undefined)) throw new ToolInputError("read_code takes `citation`, or `path` with `start_line` and `end_line`: not both.");
    let code: CitedCode;
    if (citation) code = await this.codebase.readCitation(citation);
    else {
      const start = integer(args, "start_line", 1, 1, Number.MAX_SAFE_INTEGER);
      const end = integer(args, "end_line", start + 199, start, Number.MAX_SAFE_INTEGER);
      code = await this.codebase.readCode(path!, start, end);
    }
    const text = `[${code.citation}]\n${fenced(code.text, code.language)}\n`;
    return { text, data: { citation: code.citation, path: code.path, startLine: code.startLine, endLine: code.endLine, code: code.text }, citations: [code] };
  }

  private async conventions(args: Record<string, unknown>): Promise<ToolAnswer> {
    const path = requiredString(args, "path");
    if (!this.codebase.resolve(path)) throw new ToolInputError(`${path} is not a path inside the workspace.`);
    const rules = await this.codebase.conventionsFor(path);
    const text = rules.length
      ? rules.map((rule) => `From ${rule.source}:\n${rule.text}`).join("\n\n")
      : `No team conventions apply to ${path}.`;
    return { text, data: { path, conventions: rules.map((rule) => ({ source: rule.source, text: rule.text })) }, citations: [] };
  }

  private async status(): Promise<ToolAnswer> {
    const folders = await this.codebase.status();
    const line = (s: FolderStatus): string =>
      `${s.folder}: ${s.filesIndexed} files, ${s.chunks} chunks, ${s.skipped.length} skipped, last updated ${s.lastUpdated ?? "never"}` +
      (s.rebuilding ? `; rebuilding (${s.rebuilding.reason})` : "") + (s.unavailable ? `; ${s.unavailable}` : "") + (s.shared ? `; ${sharedLine(s.shared)}` : "");
    const data = folders.map((s) => ({
      folder: s.folder, root: s.root, files: s.filesIndexed, chunks: s.chunks, skipped: s.skipped.length, failed: s.failed.length,
      lastUpdated: s.lastUpdated ?? null, rebuilding: s.rebuilding ?? null, unavailable: s.unavailable ?? null, shared: s.shared ?? null,
    }));
    return { text: folders.map(line).join("\n") || "No folder is open.", data: { folders: data }, citations: [] };
  }

  /** Hits as snippets under a token budget, ranges of one file merged, each saying why it was chosen. */
  private pack(hits: readonly SearchHit[], budget: number, reason?: string): Snippet[] {
    return buildContextPack(hits, { budget, tokenizer: cl100k }).items.map((item) => {
      const inside = hits.filter((hit) => samePath(hit.path, item.path) && hit.startLine >= item.startLine && hit.startLine <= item.endLine);
      return {
        citation: item.citation, path: item.path, startLine: item.startLine, endLine: item.endLine, symbols: item.symbols,
        kinds: [...new Set(inside.map((hit) => hit.kind))], why: reason ?? why(item), code: item.text, truncated: item.truncated,
      };
    });
  }
}

/** What an agent needs to know of a shared index: which, at what commit, and whether its results are in the answers. */
function sharedLine(shared: NonNullable<FolderStatus["shared"]>): string {
  if (shared.problem) return `the shared index ${shared.uri} is not used (${shared.problem}): local results only`;
  return `shared index ${shared.uri}${shared.commit ? ` at ${shared.commit.slice(0, 12)}` : ""}: ${shared.files} files, ${shared.overlaid} overlaid here` +
    (shared.stale ? `, ${shared.stale} changed there and not searched until the next update` : "");
}

function cited(snippets: readonly Snippet[]): ToolAnswer["citations"] {
  return snippets.map((s) => ({ path: s.path, startLine: s.startLine, endLine: s.endLine, text: s.code }));
}

function why(item: ContextItem): string {
  const parts = Object.entries(item.ranks).map(([list, rank]) => `${list === "text" ? "keyword" : list} #${rank}`);
  if (item.coverage !== undefined) parts.push(`${Math.round(item.coverage * 100)}% of the query's words`);
  if (item.loweredAs) parts.push(`${item.loweredAs} file, ranked below code`);
  if (item.expandedFrom) parts.push(`used by ${item.expandedFrom}`);
  return parts.join(", ") || "pinned";
}

function formatSnippet(snippet: Snippet): string {
  const what = snippet.kinds.length === 1 ? `${snippet.kinds[0]} ` : "";
  return `[${snippet.citation}] ${what}${snippet.symbols.join(", ")} (${snippet.why})${snippet.truncated ? " (cut to fit)" : ""}\n${fenced(snippet.code)}\n`;
}

function redactData(data: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(data), (_key, value: unknown) => (typeof value === "string" ? redactSecrets(value).text : value)) as Record<string, unknown>;
}

function objectArgs(tool: string, input: unknown): Record<string, unknown> {
  if (input === undefined || input === null) return {};
  if (typeof input !== "object" || Array.isArray(input)) throw new ToolInputError(`${tool} takes an object of named arguments.`);
  const known = AGENT_TOOLS.find((t) => t.name === tool)?.inputSchema.properties;
  const unknown = known ? Object.keys(input).filter((key) => !Object.hasOwn(known, key)) : [];
  if (unknown.length) throw new ToolInputError(`${tool} has no argument ${unknown.map((k) => `"${k}"`).join(", ")}; it takes ${Object.keys(known!).join(", ") || "none"}.`);
  return input as Record<string, unknown>;
}

function requiredString(args: Record<string, unknown>, key: string): string {
  const value = args[key];
  if (typeof value !== "string" || !value.trim()) throw new ToolInputError(`\`${key}\` must be a non-empty string.`);
  return value.trim();
}

function optionalString(args: Record<string, unknown>, key: string): string | undefined {
  if (args[key] === undefined) return undefined;
  return requiredString(args, key);
}

function identifier(args: Record<string, unknown>, key: string): string {
  const value = requiredString(args, key);
  if (!SYMBOL_NAME.test(value)) throw new ToolInputError(`\`${key}\` must be one identifier (letters, digits, _ or $; Ruby's ? or ! at the end), not "${value}".`);
  return value;
}

function integer(args: Record<string, unknown>, key: string, fallback: number, min: number, max: number): number {
  const value = args[key];
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ToolInputError(`\`${key}\` must be an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : " up"}, not ${JSON.stringify(value)}.`);
  }
  return value;
}

function oneOf(args: Record<string, unknown>, key: string, values: readonly string[], fallback: string): string {
  const value = args[key];
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !values.includes(value)) throw new ToolInputError(`\`${key}\` must be one of ${values.join(", ")}.`);
  return value;
}

/** For callers that report failures to a model as text: our failures say they are ours. */
export function toolFailureMessage(error: unknown): string {
  return error instanceof ToolInputError ? error.message : `Groundwork failed to answer: ${errorMessage(error)}`;
}
