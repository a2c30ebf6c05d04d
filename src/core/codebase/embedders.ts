// Embedders by name, for hosts that choose one from a flag or a setting: the builtin one (always
// there; its vectors are in every index), and a neural one behind an OpenAI-compatible
// /v1/embeddings endpoint, whose vectors go beside the builtin ones.
import { BuiltinEmbedder } from "../embed/builtin";
import type { Embedder } from "../embed/embedder";
import { OpenAIEmbedder, type OpenAIEmbedderOptions } from "../embed/openai";
import { TransformersEmbedder, type TransformersEmbedderOptions } from "../embed/transformers";
import type { EmbedderFactory } from "./generationEmbedders";

export const EMBEDDER_NAMES = ["builtin", "openai", "transformers"] as const;

/** The builtin embedder (every index has its vectors); throws with the names on offer for any other name. */
export function createEmbedder(name: string | undefined): Embedder {
  if (!name || name === "builtin") return new BuiltinEmbedder();
  if (name === "openai") throw new Error("The openai embedder needs an endpoint and a model (connectEmbedder).");
  if (name === "transformers") throw new Error("The transformers embedder needs a model folder (localEmbedder).");
  throw new Error(`Unknown embedder "${name}". Available: ${EMBEDDER_NAMES.join(", ")}.`);
}

/** What a host knows of an embedding profile: the endpoint and model; the key from where the host keeps keys. */
export type EmbeddingProfile = Omit<OpenAIEmbedderOptions, "onRequest" | "onRetry" | "onInputCut">;

/**
 * The neural embedder of a profile, its vector length asked of the server when the profile does
 * not say it. Throws the server's error (unreachable, wrong key, unknown model) when it can't.
 */
export function connectEmbedder(profile: EmbeddingProfile, hooks: Pick<OpenAIEmbedderOptions, "onRequest" | "onRetry" | "onInputCut"> = {}, signal?: AbortSignal): Promise<Embedder> {
  if (!/^https?:\/\//.test(profile.baseURL)) throw new Error(`The embedding base URL must be http(s), up to /v1: "${profile.baseURL}".`);
  if (!profile.model) throw new Error("The embedding model's name is missing.");
  return OpenAIEmbedder.connect({ ...profile, ...hooks }, signal);
}

/**
 * A sentence-embedding model run here by transformers.js from a model folder (optional package,
 * loaded on first use). Throws when the folder is not a model folder; a missing package is said
 * on first use.
 */
export function localEmbedder(options: TransformersEmbedderOptions): Embedder {
  return new TransformersEmbedder(options);
}

/**
 * Makes the embedder an index recorded (its spec: kind, base URL, model, dims) again, with the
 * key the host gives for it; the profile's limits apply. `servers`: the only embedding servers
 * the user has chosen (the extension's setting); a recorded one elsewhere is not made again, so
 * neither queries, code nor the key go to a server the user no longer names (that generation
 * answers without its model's vectors). Absent: any recorded server (the CLI's own indexes).
 */
export function embedderFactory(keyFor: (baseURL: string) => string | undefined, limits: Partial<EmbeddingProfile> = {}, hooks: Pick<OpenAIEmbedderOptions, "onRequest" | "onInputCut"> = {}, servers?: readonly string[]): EmbedderFactory {
  const allowed = servers && new Set(servers.map(serverKey));
  return (spec) => {
    if (spec.kind === "transformers" && typeof spec.modelDir === "string") return new TransformersEmbedder({ modelDir: spec.modelDir });
    if (spec.kind !== "openai" || typeof spec.baseURL !== "string" || typeof spec.model !== "string" || typeof spec.dims !== "number") return undefined;
    if (allowed && !allowed.has(serverKey(spec.baseURL))) return undefined;
    return new OpenAIEmbedder({ ...limits, ...hooks, baseURL: spec.baseURL, model: spec.model, dims: spec.dims, sendDimensions: spec.sendDimensions === true, apiKey: keyFor(spec.baseURL) });
  };
}

/** A base URL as it names a server: without trailing slashes. */
export function serverKey(baseURL: string): string {
  return baseURL.trim().replace(/\/+$/, "");
}
