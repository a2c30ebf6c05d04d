// A grounded chat turn: retrieve the code and the conventions that apply, send them as quoted
// data with the question to the chosen profile, let the model search again through the
// search_codebase tool (up to 3 rounds), then check the answer's citations against what was
// actually sent. Every model request is audited. When no model answers, the user still gets the
// retrieved, cited code and a message on how to set a model up: never a bare error.
import { findMentions } from "../../shared/mention";
import type { Convention } from "../conventions/sources";
import { errorMessage, type Logger, silentLogger } from "../util/host";
import { type CitationCheck, checkCitations } from "../prompt/citations";
import { buildChatPrompt, type ChatTurn, fixedPromptTokens, NOTHING_CLOSE, promptBudget, quoteData } from "../prompt/chatPrompt";
import { MIN_RELEVANCE } from "../retrieval/confidence";
import { buildContextPack, type ContextItem } from "../retrieval/contextPack";
import type { SearchHit, SearchOptions } from "../retrieval/types";
import { SEARCH_CODEBASE_TOOL, searchCodebase } from "../retrieval/searchTool";
import { cl100k, type TokenCounter } from "../util/tokens";
import { type AuditLog, auditChunk, auditEditorText, auditId, serverOrigin } from "./audit";
import type { ChatMessage, ModelClient } from "./client";
import { ModelError } from "./errors";
import type { ModelProfile } from "./profiles";
import { samePath } from "../../shared/fsPaths";

/** What a chat turn retrieves from: the Codebase. Paths are codebase paths. */
export interface GroundingSource {
  search(query: string, options?: SearchOptions): Promise<SearchHit[]>;
  /** The conventions that apply to a file ("": those that apply everywhere). */
  conventionsFor(path: string): Promise<Convention[]>;
  /** Their short form for inline completions, within a token budget. */
  conventionDigest(path: string, maxTokens: number): Promise<string>;
  /** The chunks an `@` mention in a question pins (a file's, or a symbol's definitions). */
  mention?(mention: string): Promise<SearchHit[]>;
}

export type AskEvent =
  | { type: "context"; items: ContextItem[]; conventions: string[] }
  | { type: "tool-call"; round: number; query: string; found: number }
  | { type: "retrieval-only"; reason: string };

export interface AskRequest {
  question: string;
  history?: readonly ChatTurn[];
  /** Workspace-relative path of the active file: picks the conventions that apply. */
  activeFile?: string;
  /** The user's selection or editor state, sent as quoted data. */
  editorContext?: string;
  signal?: AbortSignal;
  onDelta?: (text: string) => void;
  onEvent?: (event: AskEvent) => void;
  /** False: send no retrieved code (compare "with vs without retrieval"). */
  retrieval?: boolean;
  /** Retrieved context to send instead of searching: compare sends the same to both profiles. */
  grounding?: Grounding;
  /** How the audit log files the requests. */
  purpose?: "chat" | "compare";
}

export interface Grounding {
  context: ContextItem[];
  conventions: Convention[];
}

export interface AskResult {
  mode: "model" | "retrieval-only";
  answer: string;
  citations: CitationCheck[];
  /** Everything sent: the first retrieval and what tool calls added. */
  context: ContextItem[];
  conventions: string[];
  profile: { id: string; label: string; model: string; kind: "base" | "lora" };
  rounds: number;
  usage: { promptTokens: number; completionTokens: number; estimated: boolean };
  latencyMs: number;
  /** For the user: why there is no model answer, or that the answer was stopped. */
  notice?: string;
  error?: { kind: string; message: string };
}

export interface GroundedChatOptions {
  source: GroundingSource;
  client: ModelClient;
  audit?: AuditLog;
  tokenizer?: TokenCounter;
  logger?: Logger;
  /** Tool-call rounds before the model must answer. */
  maxToolRounds?: number;
  /** Hits retrieved for the first round. */
  retrieveLimit?: number;
  /** Retrieved hits below this relevance stay out of the prompt and the Sources (default MIN_RELEVANCE). */
  minRelevance?: number;
}

/** The most of the context budget that `@` mentions may take; retrieval keeps the rest. */
const PINNED_SHARE = 0.75;

/** Whether context already holds all of a hit's lines. */
/**
 * The hit without the lines `context` already sends: its longest run of lines not sent yet (a
 * mention cut to fit and a retrieved hit across the cut sent the same lines twice), or undefined
 * when every line is.
 */
export function unsent(context: readonly ContextItem[], hit: SearchHit): SearchHit | undefined {
  const sent = context.filter((item) => samePath(item.path, hit.path) && item.startLine <= hit.endLine && hit.startLine <= item.endLine);
  if (sent.length === 0) return hit;
  let best: [number, number] | undefined;
  let run: number | undefined;
  for (let line = hit.startLine; line <= hit.endLine + 1; line++) {
    const free = line <= hit.endLine && !sent.some((item) => item.startLine <= line && line <= item.endLine);
    if (free) run ??= line;
    else if (run !== undefined) {
      if (!best || line - run > best[1] - best[0] + 1) best = [run, line - 1];
      run = undefined;
    }
  }
  if (!best) return undefined;
  const text = hit.text.split("\n").slice(best[0] - hit.startLine, best[1] - hit.startLine + 1).join("\n");
  return { ...hit, id: `${hit.id}@${best[0]}-${best[1]}`, startLine: best[0], endLine: best[1], text };
}

const defined = <T>(value: T | undefined): value is T => value !== undefined;

const HOW_TO_CONFIGURE =
  "To get answers, point Groundwork at a model: start a local server (e.g. `ollama pull qwen2.5-coder:7b` and `ollama serve`), " +
  "or add a profile to `groundwork.models` (CLI: `--models FILE`) and set its key with \"Groundwork: Set API Key\" (CLI: GROUNDWORK_API_KEY).";

export class GroundedChat {
  private readonly tokenizer: TokenCounter;
  private readonly logger: Logger;

  constructor(private readonly options: GroundedChatOptions) {
    this.tokenizer = options.tokenizer ?? cl100k;
    this.logger = options.logger ?? silentLogger;
  }

  get profile() {
    return this.options.client.profile;
  }

  /** The code and conventions a question is grounded in, within this profile's budget (see groundQuestion). */
  retrieve(question: string, activeFile?: string, editorContext?: string): Promise<Grounding> {
    return groundQuestion(this.options.source, question, activeFile, {
      contextWindow: this.profile.contextWindow, maxOutputTokens: this.profile.maxOutputTokens, retrieveLimit: this.options.retrieveLimit, tokenizer: this.tokenizer,
      minRelevance: this.options.minRelevance, editorContext,
    });
  }

  async ask(request: AskRequest): Promise<AskResult> {
    const started = performance.now();
    const profile = this.profile;
    const grounding = request.grounding ?? (request.retrieval === false
      ? { context: [], conventions: await this.options.source.conventionsFor(request.activeFile ?? "") }
      : await this.retrieve(request.question, request.activeFile, request.editorContext));
    const sent: ContextItem[] = [...grounding.context];
    const budget = promptBudget(profile.contextWindow, profile.maxOutputTokens);
    const maxRounds = this.options.maxToolRounds ?? 3;
    const base = {
      profile: { id: profile.id, label: profile.label, model: profile.model, kind: profile.kind },
      conventions: grounding.conventions.map((c) => c.source),
    };
    request.onEvent?.({ type: "context", items: grounding.context, conventions: base.conventions });
    const usage = { promptTokens: 0, completionTokens: 0, estimated: false };
    const toolMessages: ChatMessage[] = [];
    let answer = "";
    /** What the round in progress has streamed so far: the partial answer if it breaks off. */
    let streamed = "";
    let round = 0;
    try {
      for (; ; round++) {
        streamed = "";
        const offerTools = request.retrieval !== false && round < maxRounds;
        // What the tools found goes after the prompt: older history turns make room for it.
        const toolTokens = toolMessages.length > 0 ? this.tokenizer.count(JSON.stringify(toolMessages)) : 0;
        const prompt = buildChatPrompt({
          question: request.question, history: request.history ?? [], conventions: grounding.conventions, context: grounding.context,
          budget: { ...budget, input: budget.input - toolTokens }, tokenizer: this.tokenizer, toolsOffered: offerTools, editorContext: request.editorContext,
        });
        const requestStarted = performance.now();
        let result;
        try {
          result = await this.options.client.chat({
            messages: [...prompt.messages, ...toolMessages],
            tools: offerTools ? [SEARCH_CODEBASE_TOOL] : undefined,
            signal: request.signal,
            onDelta: (text) => {
              streamed += text;
              request.onDelta?.(text);
            },
          });
        } catch (error) {
          await this.auditRequest(request, sent, base.conventions, prompt.tokens, 0, true, performance.now() - requestStarted, error instanceof ModelError ? error.kind : "error", round);
          throw error;
        }
        const promptTokens = result.usage?.promptTokens ?? prompt.tokens + toolTokens;
        const completionTokens = result.usage?.completionTokens ?? this.tokenizer.count(result.text + result.toolCalls.map((c) => c.arguments).join(""));
        usage.promptTokens += promptTokens;
        usage.completionTokens += completionTokens;
        usage.estimated ||= result.usage === undefined;
        await this.auditRequest(request, sent, base.conventions, promptTokens, completionTokens, result.usage === undefined, performance.now() - requestStarted, "ok", round, result.redactions);
        answer = result.text;
        if (result.toolCalls.length === 0 || !offerTools) break;
        toolMessages.push({
          role: "assistant",
          content: result.text || null,
          tool_calls: result.toolCalls.map((call) => ({ id: call.id, type: "function" as const, function: { name: call.name, arguments: call.arguments } })),
        });
        for (const call of result.toolCalls) toolMessages.push({ role: "tool", tool_call_id: call.id, content: await this.runTool(call, sent, budget.context, round + 1, request) });
      }
    } catch (error) {
      const partial = streamed || answer;
      if (!(error instanceof ModelError)) {
        // Our own fault, not the model's: said as such, logged with its stack, and what arrived is kept.
        this.logger.error(`Groundwork failed while answering with ${profile.id}`, error);
        return {
          ...base, mode: "model", answer: partial, citations: checkCitations(partial, sent), context: sent, rounds: round + 1, usage,
          latencyMs: performance.now() - started,
          notice: `Groundwork failed while answering (${errorMessage(error)}). This is a fault in Groundwork, not in the model: the answer so far is kept, and the details are in the log.`,
          error: { kind: "internal", message: errorMessage(error) },
        };
      }
      if (error.kind === "cancelled") {
        return { ...base, mode: "model", answer: partial, citations: checkCitations(partial, sent), context: sent, rounds: round + 1, usage, latencyMs: performance.now() - started, notice: "Stopped." };
      }
      this.logger.warn(`${profile.id}: ${error.message}`);
      request.onEvent?.({ type: "retrieval-only", reason: error.message });
      return {
        ...base, mode: "retrieval-only", answer: retrievalOnlyAnswer(sent, error.kind), citations: [], context: sent, rounds: round,
        usage, latencyMs: performance.now() - started, notice: `${error.message} ${error.kind === "unreachable" || error.kind === "unknown-model" || error.kind === "unauthorized" ? HOW_TO_CONFIGURE : ""}`.trim(),
        error: { kind: error.kind, message: error.message },
      };
    }
    return { ...base, mode: "model", answer, citations: checkCitations(answer, sent), context: sent, rounds: round + 1, usage, latencyMs: performance.now() - started };
  }

  /** Runs one tool call; what it finds joins the context that citations are checked against. */
  private async runTool(call: { name: string; arguments: string }, sent: ContextItem[], contextBudget: number, round: number, request: AskRequest): Promise<string> {
    if (call.name !== SEARCH_CODEBASE_TOOL.function.name) return `Unknown tool "${call.name}". The only tool is search_codebase.`;
    try {
      const { pack, text } = await searchCodebase(this.options.source, call.arguments, Math.floor(contextBudget / 3), this.options.minRelevance ?? MIN_RELEVANCE);
      for (const item of pack.items) if (!sent.some((s) => s.citation === item.citation)) sent.push(item);
      request.onEvent?.({ type: "tool-call", round, query: safeQuery(call.arguments), found: pack.items.length });
      return `<retrieved_code>\n${quoteData(text)}\n</retrieved_code>`;
    } catch (error) {
      return `search_codebase failed: ${errorMessage(error)}`;
    }
  }

  private async auditRequest(
    request: AskRequest, sent: readonly ContextItem[], conventions: string[], promptTokens: number, completionTokens: number, estimated: boolean,
    latencyMs: number, outcome: string, round: number, redactions?: number,
  ): Promise<void> {
    const profile = this.profile;
    await this.options.audit?.append({
      time: new Date().toISOString(), requestId: auditId(), kind: request.purpose ?? "chat", profile: profile.id, model: profile.model, profileKind: profile.kind,
      server: serverOrigin(profile.baseURL), chunks: sent.map(auditChunk), editor: auditEditorText(request.editorContext), conventions, promptTokens, completionTokens,
      tokensEstimated: estimated, latencyMs: Math.round(latencyMs), outcome, toolRound: round, redactions,
    });
  }
}

function safeQuery(argumentsJson: string): string {
  try {
    return String(JSON.parse(argumentsJson).query ?? "");
  } catch {
    return "";
  }
}

export interface GroundingBudget {
  contextWindow: number;
  maxOutputTokens: number;
  retrieveLimit?: number;
  tokenizer?: TokenCounter;
  /** Retrieved hits below this relevance stay out (mentions' pins are always in); default MIN_RELEVANCE. */
  minRelevance?: number;
  /** What the prompt carries beside the question (the user's selection): counted before the retrieved code gets its share. */
  editorContext?: string;
}

/**
 * The code and conventions a question is grounded in, all within one context budget (for a model
 * of this context window): what the question's `@` mentions pin comes first (each mention an equal
 * share of at most PINNED_SHARE of the budget, a share one leaves unused going to the next), then
 * what retrieval found, in the rest.
 */
export async function groundQuestion(source: GroundingSource, question: string, activeFile: string | undefined, limits: GroundingBudget): Promise<Grounding> {
  const tokenizer = limits.tokenizer ?? cl100k;
  // The question and the selection go in whole (a pasted stack trace, a large selection): the retrieved code gets what they leave.
  const shares = promptBudget(limits.contextWindow, limits.maxOutputTokens);
  const asked = fixedPromptTokens(tokenizer) + tokenizer.count(question) + (limits.editorContext ? tokenizer.count(limits.editorContext) : 0);
  const budget = Math.max(0, Math.min(shares.context, shares.input - shares.conventions - asked));
  const mentions = source.mention ? findMentions(question) : [];
  const [pinned, hits, conventions] = await Promise.all([
    Promise.all(mentions.map((mention) => source.mention!(mention))).then((lists) => lists.filter((list) => list.length > 0)),
    source.search(question, { limit: limits.retrieveLimit ?? 12, expand: true }),
    source.conventionsFor(activeFile ?? ""),
  ]);
  const context: ContextItem[] = [];
  let used = 0;
  const pinnedBudget = Math.floor(budget * PINNED_SHARE);
  pinned.forEach((mentionHits, i) => {
    const share = Math.floor((pinnedBudget - used) / (pinned.length - i));
    const pack = buildContextPack(mentionHits.map((hit) => unsent(context, hit)).filter(defined), { budget: share, tokenizer });
    context.push(...pack.items);
    used += pack.tokens;
  });
  const rest = buildContextPack(hits.map((hit) => unsent(context, hit)).filter(defined), { budget: budget - used, tokenizer, minRelevance: limits.minRelevance ?? MIN_RELEVANCE });
  return { context: [...context, ...rest.items], conventions };
}

/** A result without a model: the retrieved code, cited, and the reason (e.g. no consent to send). */
export function retrievalOnlyResult(profile: ModelProfile, grounding: Grounding, notice: string): AskResult {
  return {
    mode: "retrieval-only", answer: retrievalOnlyAnswer(grounding.context, "not sent"), citations: [], context: grounding.context,
    conventions: grounding.conventions.map((c) => c.source), profile: { id: profile.id, label: profile.label, model: profile.model, kind: profile.kind },
    rounds: 0, usage: { promptTokens: 0, completionTokens: 0, estimated: false }, latencyMs: 0, notice,
  };
}

/** What the user gets when no model answers: the retrieved code, cited, and why. */
export function retrievalOnlyAnswer(context: readonly ContextItem[], reason: string): string {
  const lines = [`No model answered (${reason}). Here is the code Groundwork retrieved for your question:`, ""];
  if (context.length === 0) lines.push(`(${NOTHING_CLOSE})`);
  context.forEach((item, i) => {
    const why = Object.entries(item.ranks).map(([source, rank]) => `${source} #${rank}`).join(", ");
    lines.push(`${i + 1}. [${item.citation}] ${item.symbols.join(", ")}${why ? ` (${why})` : ""}`);
  });
  return lines.join("\n");
}
