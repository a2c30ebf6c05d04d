// Optional second-stage reranking (off by default): any server speaking the common /v1/rerank
// protocol (Cohere, Jina, TEI, vLLM, llama.cpp): {model, query, documents} → [{index, relevance_score}].
import { hasCredentials, URL_CREDENTIALS } from "../util/host";

export interface Reranker {
  readonly id: string;
  /** Each document's relevance to the query in [0, 1], in the documents' order (undefined: not scored). */
  relevance(query: string, documents: readonly string[], signal?: AbortSignal): Promise<Array<number | undefined>>;
}

export interface HttpRerankerOptions {
  /** Base URL up to /v1, e.g. http://localhost:8080/v1 */
  baseURL: string;
  model: string;
  apiKey?: string;
  timeoutMs?: number;
}

export class HttpReranker implements Reranker {
  readonly id: string;

  constructor(private readonly options: HttpRerankerOptions) {
    if (hasCredentials(options.baseURL)) throw new Error(`The reranking server's URL ${URL_CREDENTIALS}.`);
    this.id = `rerank:${options.model}`;
  }

  async relevance(query: string, documents: readonly string[], signal?: AbortSignal): Promise<Array<number | undefined>> {
    if (documents.length === 0) return [];
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 10_000);
    const response = await fetch(`${this.options.baseURL.replace(/\/$/, "")}/rerank`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}) },
      body: JSON.stringify({ model: this.options.model, query, documents }),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    if (!response.ok) throw new Error(`Reranker ${this.options.baseURL} answered ${response.status} ${response.statusText}`);
    const body = (await response.json()) as { results?: Array<{ index: number; relevance_score: number }> };
    if (!Array.isArray(body.results)) throw new Error(`Reranker ${this.options.baseURL} answered without a results array`);
    const scores: Array<number | undefined> = documents.map(() => undefined);
    const valid = body.results.filter((r) => Number.isInteger(r.index) && r.index >= 0 && r.index < documents.length && Number.isFinite(r.relevance_score));
    // Most servers answer in [0, 1]; one that answers raw logits is mapped there by a logistic.
    const logits = valid.some((r) => r.relevance_score < 0 || r.relevance_score > 1);
    for (const r of valid) scores[r.index] = logits ? 1 / (1 + Math.exp(-r.relevance_score)) : r.relevance_score;
    return scores;
  }
}
