// An embedder that runs a sentence-embedding model on this machine with transformers.js, from a
// model folder the user points at (an ONNX export with its tokenizer: config.json,
// tokenizer.json, onnx/model.onnx or onnx/model_quantized.onnx). Nothing is downloaded: remote
// models are turned off. The package is optional and loaded on first use; without it, or without
// the folder's files, the error says what is missing.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { type EmbedInput, type Embedder, l2Normalize } from "./embedder";
import { documentText } from "./openai";

export interface TransformersEmbeddingSpec {
  kind: "transformers";
  modelDir: string;
  dims: number;
}

export interface TransformersEmbedderOptions {
  /** The model folder (config.json, tokenizer files, onnx/). */
  modelDir: string;
  /** Texts per forward pass (default 16). */
  batchSize?: number;
  /** Prefixes some models expect (e5: "query: " / "passage: "; nomic: "search_query: " / "search_document: "). */
  queryPrefix?: string;
  documentPrefix?: string;
}

/** What the package is asked for: the pipeline factory and its environment. */
interface TransformersModule {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string };
  pipeline: (task: string, model: string, options?: Record<string, unknown>) => Promise<FeatureExtractor>;
}
type FeatureExtractor = (texts: string[], options: { pooling: "mean" | "cls"; normalize: boolean }) => Promise<{ data: Float32Array; dims: number[] }>;

export class TransformersUnavailableError extends Error {
  override readonly name = "TransformersUnavailableError";
}

const PACKAGES = ["@huggingface/transformers", "@xenova/transformers"];

async function loadPackage(): Promise<TransformersModule> {
  for (const name of PACKAGES) {
    try {
      return (await import(name)) as TransformersModule;
    } catch {
      // try the next name
    }
  }
  throw new TransformersUnavailableError(
    `transformers.js is not installed (tried ${PACKAGES.join(", ")}). Install it next to Groundwork (npm install @huggingface/transformers), or use an OpenAI-compatible embedding server.`,
  );
}

/** The model folder's vector length, from its config.json (hidden_size, or d_model). */
function modelDims(modelDir: string): number {
  const config = path.join(modelDir, "config.json");
  if (!existsSync(config)) throw new TransformersUnavailableError(`${modelDir} is not a model folder: it has no config.json (an ONNX export with its tokenizer is needed).`);
  const parsed = JSON.parse(readFileSync(config, "utf8")) as { hidden_size?: number; d_model?: number; dim?: number };
  const dims = parsed.hidden_size ?? parsed.d_model ?? parsed.dim;
  if (!dims) throw new TransformersUnavailableError(`${config} does not say the model's vector length (hidden_size).`);
  if (!["onnx/model.onnx", "onnx/model_quantized.onnx"].some((file) => existsSync(path.join(modelDir, file)))) {
    throw new TransformersUnavailableError(`${modelDir} has no onnx/model.onnx or onnx/model_quantized.onnx.`);
  }
  return dims;
}

export class TransformersEmbedder implements Embedder {
  readonly id: string;
  readonly dims: number;
  readonly fingerprint: string;
  /** Computed here, but not for free: vectors are worth keeping by content. */
  readonly cacheable = true;
  readonly spec: TransformersEmbeddingSpec;
  private extractor: Promise<FeatureExtractor> | undefined;

  /** Reads the folder's config (throws TransformersUnavailableError when it is not a model folder); the model loads on first use. */
  constructor(private readonly options: TransformersEmbedderOptions) {
    const modelDir = path.resolve(options.modelDir);
    this.dims = modelDims(modelDir);
    this.id = path.basename(modelDir);
    this.spec = { kind: "transformers", modelDir, dims: this.dims };
    // The model's files (config and weights by size and time) and the prefixes decide its vectors.
    const files = ["config.json", "tokenizer.json", "onnx/model.onnx", "onnx/model_quantized.onnx"].map((file) => {
      const stat = statSync(path.join(modelDir, file), { throwIfNoEntry: false });
      return stat ? `${file}:${stat.size}:${Math.round(stat.mtimeMs)}` : "";
    });
    this.fingerprint = createHash("sha256")
      .update(JSON.stringify({ files, config: readFileSync(path.join(modelDir, "config.json"), "utf8"), q: options.queryPrefix ?? "", d: options.documentPrefix ?? "" }))
      .digest("hex")
      .slice(0, 32);
  }

  private load(): Promise<FeatureExtractor> {
    this.extractor ??= loadPackage().then((transformers) => {
      transformers.env.allowRemoteModels = false;
      transformers.env.allowLocalModels = true;
      transformers.env.localModelPath = path.dirname(this.spec.modelDir);
      const quantized = existsSync(path.join(this.spec.modelDir, "onnx/model_quantized.onnx")) && !existsSync(path.join(this.spec.modelDir, "onnx/model.onnx"));
      return transformers.pipeline("feature-extraction", path.basename(this.spec.modelDir), { local_files_only: true, dtype: quantized ? "q8" : "fp32" });
    });
    this.extractor.catch(() => (this.extractor = undefined));
    return this.extractor;
  }

  async embedDocuments(docs: readonly EmbedInput[], signal?: AbortSignal): Promise<Float32Array[]> {
    const texts = docs.map((doc) => (this.options.documentPrefix ?? "") + documentText(doc));
    const out: Float32Array[] = [];
    const batch = this.options.batchSize ?? 16;
    for (let i = 0; i < texts.length; i += batch) {
      signal?.throwIfAborted();
      out.push(...(await this.run(texts.slice(i, i + batch))));
    }
    return out;
  }

  async embedQuery(text: string): Promise<Float32Array> {
    const [vector] = await this.run([(this.options.queryPrefix ?? "") + text]);
    return vector;
  }

  private async run(texts: string[]): Promise<Float32Array[]> {
    const extractor = await this.load();
    const output = await extractor(texts, { pooling: "mean", normalize: true });
    const dims = output.dims[output.dims.length - 1];
    if (dims !== this.dims) throw new Error(`The model in ${this.spec.modelDir} gave ${dims}-dimensional vectors; its config says ${this.dims}.`);
    return texts.map((_, i) => l2Normalize(output.data.slice(i * dims, (i + 1) * dims)));
  }
}
