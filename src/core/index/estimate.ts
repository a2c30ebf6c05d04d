// How much a first embedding with a neural embedder would send: the workspace is scanned and
// chunked as an index run would (nothing is written), and the chunks whose content the vector
// cache already holds are left out. Tokens are estimated from characters (about 4 per token for
// code): the figure is for a person deciding, not a bill.
import { readFile } from "node:fs/promises";
import { classifyContent } from "../scan/rules";
import { type ScanOptions, scanWorkspace } from "../scan/scanner";
import { contentKey, type VectorCache } from "../store/vectorCache";
import { neuralContent } from "./rows";
import type { FileStages } from "./stages";

export interface EmbeddingEstimate {
  files: number;
  chunks: number;
  /** Chunks the cache does not hold: what would be sent. */
  toEmbed: number;
  /** Their tokens, estimated (characters / 4). */
  tokens: number;
}

export async function estimateEmbedding(options: { root: string; stages: FileStages; scan?: Omit<ScanOptions, "signal">; cache?: VectorCache; signal?: AbortSignal }): Promise<EmbeddingEstimate> {
  const estimate: EmbeddingEstimate = { files: 0, chunks: 0, toEmbed: 0, tokens: 0 };
  for await (const entry of scanWorkspace(options.root, { ...options.scan, signal: options.signal })) {
    options.signal?.throwIfAborted();
    if (entry.kind !== "file") continue;
    const bytes = await readFile(entry.file.absPath).catch(() => undefined);
    if (!bytes || !classifyContent(bytes).ok) continue;
    const { chunked } = await options.stages.process(entry.file.path, bytes.toString("utf8"));
    const contents = chunked.chunks.map(neuralContent);
    const cached = options.cache ? await options.cache.get(contents.map(contentKey)) : [];
    estimate.files++;
    estimate.chunks += contents.length;
    contents.forEach((content, i) => {
      if (cached[i]) return;
      estimate.toEmbed++;
      estimate.tokens += Math.ceil(content.length / 4);
    });
  }
  return estimate;
}
