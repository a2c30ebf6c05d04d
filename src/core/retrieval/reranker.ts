// Optional second-stage reranking (off by default): any server speaking the common /v1/rerank
// protocol (Cohere, Jina, TEI, vLLM, llama.cpp): {model, query, documents} → [{index, relevance_score}].
import type { SearchHit } from "./retriever";

export interface Reranker {
  readonly id: string;
  rerank(query: string, hits: readonly SearchHit[], signal?: AbortSignal): Promise<SearchHit[]>;
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
    this.id = `rerank:${options.model}`;
  }

  async rerank(query: string, hits: readonly SearchHit[], signal?: AbortSignal): Promise<SearchHit[]> {
    if (hits.length === 0) return [];
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 10_000);
    const response = await fetch(`${this.options.baseURL.replace(/\/$/, "")}/rerank`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}) },
      body: JSON.stringify({ model: this.options.model, query, documents: hits.map((hit) => `${hit.header}\n${hit.text}`) }),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    if (!response.ok) throw new Error(`Reranker ${this.options.baseURL} answered ${response.status} ${response.statusText}`);
    const body = (await response.json()) as { results?: Array<{ index: number; relevance_score: number }> };
    if (!Array.isArray(body.results)) throw new Error(`Reranker ${this.options.baseURL} answered without a results array`);
    const reranked = body.results
      .filter((result) => Number.isInteger(result.index) && result.index >= 0 && result.index < hits.length)
      .sort((a, b) => b.relevance_score - a.relevance_score)
      .map((result) => ({ ...hits[result.index], score: result.relevance_score }));
    const seen = new Set(reranked.map((hit) => hit.id));
    return [...reranked, ...hits.filter((hit) => !seen.has(hit.id))];
  }
}
