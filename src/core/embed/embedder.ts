// The Embedder interface: every embedder (builtin, OpenAI-compatible, transformers.js) implements it.

/** A document to embed: a short title (symbol, scope, signature) and the text (the code). */
export interface EmbedInput {
  title: string;
  text: string;
}

export interface Embedder {
  /** Stable id of the model and its feature scheme; part of the index identity. */
  readonly id: string;
  readonly dims: number;
  embedDocuments(docs: readonly EmbedInput[], signal?: AbortSignal): Promise<Float32Array[]>;
  embedQuery(text: string, signal?: AbortSignal): Promise<Float32Array>;
}

/** What an index was built with; a store built with another identity is rebuilt. */
export function embedderIdentity(embedder: Pick<Embedder, "id" | "dims">): string {
  return `${embedder.id}/${embedder.dims}`;
}

export function l2Normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i] * vector[i];
  if (sum === 0) return vector;
  const scale = 1 / Math.sqrt(sum);
  for (let i = 0; i < vector.length; i++) vector[i] *= scale;
  return vector;
}
