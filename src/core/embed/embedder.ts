// The Embedder interface: every embedder (builtin, OpenAI-compatible, transformers.js) implements it.

/** A document to embed: a short title (symbol, scope, signature) and the text (the code). */
export interface EmbedInput {
  title: string;
  text: string;
}

export interface Embedder {
  /** A short name of the model or scheme, for people (status, logs). */
  readonly id: string;
  readonly dims: number;
  /**
   * Everything that determines this embedder's vectors (model, dimensions, feature tables and
   * weights), hashed: two embedders with the same fingerprint make the same vectors. Part of the
   * index fingerprint, so any change rebuilds the index.
   */
  readonly fingerprint: string;
  /** `onEmbedded`: called as parts of the call are done, with how many documents each part embedded (a remote model's requests). */
  embedDocuments(docs: readonly EmbedInput[], signal?: AbortSignal, onEmbedded?: (count: number) => void): Promise<Float32Array[]>;
  embedQuery(text: string, signal?: AbortSignal): Promise<Float32Array>;
  /**
   * Work to do before the first request (a tokenizer's tables): an index run calls it while its
   * first files are being chunked, so the first request is not held up by it.
   */
  prepare?(): void;
}

/** How status and logs name an embedder: `id/dims`. */
export function embedderLabel(embedder: Pick<Embedder, "id" | "dims">): string {
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
