// Inline completions: fill-in-the-middle from the completions profile, with the conventions
// digest and the snippets retrieved for the cursor's surroundings, all within a small token
// budget. Cancellable (the editor cancels when the user types on) and cached, so going back to a
// position that was already completed costs nothing.
import { LRUCache } from "lru-cache";
import type { ContextItem } from "../retrieval/contextPack";
import { buildContextPack } from "../retrieval/contextPack";
import { cl100k, type TokenCounter } from "../util/tokens";
import { identifiers } from "../util/text";
import { sha256Hex } from "../util/hash";
import { redactSecrets } from "../security/redact";
import { type AuditLog, auditChunk, auditEditorText, serverOrigin } from "./audit";
import type { ModelClient } from "./client";
import { ModelError } from "./errors";
import type { GroundingSource } from "./groundedChat";
import { buildFimPrompt, cleanCompletion } from "../prompt/fim";
import { samePath } from "../../shared/fsPaths";

export interface CompletionBudget {
  prefixTokens: number;
  suffixTokens: number;
  snippetTokens: number;
  conventionTokens: number;
  maxOutputTokens: number;
}

export const DEFAULT_COMPLETION_BUDGET: CompletionBudget = { prefixTokens: 1200, suffixTokens: 300, snippetTokens: 600, conventionTokens: 120, maxOutputTokens: 128 };

export interface CompletionRequest {
  /** Workspace-relative path. */
  path: string;
  language: string;
  prefix: string;
  suffix: string;
  signal?: AbortSignal;
}

export interface CompletionResult {
  text: string;
  cached: boolean;
  context: ContextItem[];
  /** As the server reported it (undefined when cached or not reported). */
  usage?: { promptTokens: number; completionTokens: number };
}

export interface CompletionEngineOptions {
  client: ModelClient;
  source: GroundingSource;
  audit?: AuditLog;
  tokenizer?: TokenCounter;
  budget?: Partial<CompletionBudget>;
  cacheSize?: number;
}

/** Keeps the end of `text` that fits in `tokens` (whole lines). */
function tail(text: string, tokens: number, tokenizer: TokenCounter): string {
  if (tokenizer.count(text) <= tokens) return text;
  const lines = text.split("\n");
  let kept = "";
  for (let i = lines.length - 1; i >= 0; i--) {
    const next = i === lines.length - 1 ? lines[i] : `${lines[i]}\n${kept}`;
    if (tokenizer.count(next) > tokens) break;
    kept = next;
  }
  return kept;
}

/** Keeps the start of `text` that fits in `tokens` (whole lines). */
function head(text: string, tokens: number, tokenizer: TokenCounter): string {
  if (tokenizer.count(text) <= tokens) return text;
  const lines = text.split("\n");
  let kept = "";
  for (let i = 0; i < lines.length; i++) {
    const next = i === 0 ? lines[0] : `${kept}\n${lines[i]}`;
    if (tokenizer.count(next) > tokens) break;
    kept = next;
  }
  return kept;
}

/** What a completion searches other files with: the identifiers of the last lines before the cursor ("" when none). */
export function snippetQuery(prefix: string): string {
  const near = prefix.split("\n").slice(-12).join("\n");
  return [...new Set(identifiers(near).filter((id) => id.length > 2 && !/^\d/.test(id)))].slice(-24).join(" ");
}

export class CompletionEngine {
  private readonly cache: LRUCache<string, string>;
  private readonly tokenizer: TokenCounter;
  private readonly budget: CompletionBudget;

  constructor(private readonly options: CompletionEngineOptions) {
    this.tokenizer = options.tokenizer ?? cl100k;
    this.budget = { ...DEFAULT_COMPLETION_BUDGET, ...options.budget };
    this.cache = new LRUCache({ max: Math.max(1, options.cacheSize ?? 64) });
  }

  async complete(request: CompletionRequest): Promise<CompletionResult | undefined> {
    // Secrets go before the text is cut to the budget: a cut through a private key leaves lines no rule would know.
    const clean = { prefix: redactSecrets(request.prefix), suffix: redactSecrets(request.suffix) };
    const prefix = tail(clean.prefix.text, this.budget.prefixTokens, this.tokenizer);
    const suffix = head(clean.suffix.text, this.budget.suffixTokens, this.tokenizer);
    const profile = this.options.client.profile;
    const key = sha256Hex(`${profile.id}\n${request.path}\n${prefix.slice(-2000)}\n\u0000${suffix.slice(0, 500)}`);
    const hit = this.cache.get(key);
    if (hit !== undefined) return { text: hit, cached: true, context: [] };

    const context = await this.snippets(request, prefix);
    if (request.signal?.aborted) return undefined;
    const conventions = await this.options.source.conventionDigest(request.path, this.budget.conventionTokens);
    const fim = buildFimPrompt({
      preset: profile.fim, path: request.path, language: request.language, prefix, suffix, conventions,
      snippets: context.map((item) => ({ path: item.citation, text: item.text })),
    });
    const stop = [...fim.stop, ...profile.stop];
    const started = performance.now();
    let outcome = "ok";
    let usage: { promptTokens: number; completionTokens: number } | undefined;
    let raw = "";
    let redactions: number | undefined;
    try {
      const response = await this.options.client.complete({ prompt: fim.prompt, suffix: fim.suffix, maxTokens: this.budget.maxOutputTokens, stop: stop.slice(0, 4), signal: request.signal });
      raw = response.text;
      usage = response.usage;
      redactions = clean.prefix.count + clean.suffix.count + (response.redactions ?? 0);
    } catch (error) {
      outcome = error instanceof ModelError ? error.kind : "error";
      throw error;
    } finally {
      await this.options.audit?.append({
        time: new Date().toISOString(), requestId: key.slice(0, 12), kind: "completion", profile: profile.id, model: profile.model, profileKind: profile.kind,
        server: serverOrigin(profile.baseURL), chunks: context.map(auditChunk), editor: auditEditorText(prefix + suffix, request.path), conventions: conventions ? ["digest"] : [],
        promptTokens: usage?.promptTokens ?? this.tokenizer.count(fim.prompt), completionTokens: usage?.completionTokens ?? this.tokenizer.count(raw),
        tokensEstimated: usage === undefined, latencyMs: Math.round(performance.now() - started), outcome, redactions,
      });
    }
    const text = cleanCompletion(raw, suffix, stop, { prefix, language: request.language });
    this.cache.set(key, text);
    return text ? { text, cached: false, context, usage } : undefined;
  }

  /** Snippets from other files for the identifiers around the cursor. */
  private async snippets(request: CompletionRequest, prefix: string): Promise<ContextItem[]> {
    const query = snippetQuery(prefix);
    if (!query) return [];
    const hits = (await this.options.source.search(query, { limit: 6 })).filter((hit) => !samePath(hit.path, request.path));
    return buildContextPack(hits.slice(0, 4), { budget: this.budget.snippetTokens, tokenizer: this.tokenizer }).items;
  }
}
