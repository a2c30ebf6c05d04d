// searchCodebase as an operation the model can call in a later step ("fetch, reason, fetch
// again"): an OpenAI function-tool definition and its handler, which answers with a context pack.
import { buildContextPack, type ContextPack, formatContextItem } from "./contextPack";
import type { SearchHit, SearchOptions } from "./retriever";

export const SEARCH_CODEBASE_TOOL = {
  type: "function" as const,
  function: {
    name: "search_codebase",
    description: "Search this workspace's code (functions, classes, docs) for what the query describes. Returns cited snippets as path:start-end.",
    parameters: {
      type: "object",
      properties: {
        query: { type: "string", description: "What to look for, in words or identifiers." },
        limit: { type: "integer", minimum: 1, maximum: 20, description: "How many results (default 8)." },
      },
      required: ["query"],
      additionalProperties: false,
    },
  },
};

export interface Searchable {
  search(query: string, options?: SearchOptions): Promise<SearchHit[]>;
}

/** Runs the tool call: validates its JSON arguments, searches with expansion, packs under the budget. */
export async function searchCodebase(index: Searchable, argumentsJson: string, budget: number, minRelevance?: number): Promise<{ pack: ContextPack; text: string }> {
  let args: { query?: unknown; limit?: unknown };
  try {
    args = JSON.parse(argumentsJson);
  } catch {
    throw new Error("search_codebase arguments are not valid JSON");
  }
  if (typeof args.query !== "string" || !args.query.trim()) throw new Error("search_codebase needs a non-empty string `query`");
  const limit = typeof args.limit === "number" && args.limit >= 1 ? Math.min(20, Math.floor(args.limit)) : 8;
  const hits = await index.search(args.query, { limit, expand: true });
  // The first search's threshold holds for the model's own searches too: what is not close is not sent.
  const pack = buildContextPack(hits, { budget, minRelevance });
  const text = pack.items.length
    ? pack.items.map(formatContextItem).join("\n")
    : hits.length > 0 ? `Nothing close to "${args.query}" in this codebase (the nearest matches are too weak to send).` : `No code found for "${args.query}".`;
  return { pack, text };
}
