// Embedders by name, for hosts that choose one from a flag or a setting.
import { BuiltinEmbedder } from "../embed/builtin";
import type { Embedder } from "../embed/embedder";

export const EMBEDDER_NAMES = ["builtin"] as const;

/** The embedder a name stands for; throws with the names on offer for any other. */
export function createEmbedder(name: string | undefined): Embedder {
  if (!name || name === "builtin") return new BuiltinEmbedder();
  throw new Error(`Unknown embedder "${name}". Available: ${EMBEDDER_NAMES.join(", ")}.`);
}
