// Which embedders answer a generation's queries. A generation holds builtin vectors and, when it was
// built with a neural embedder, that embedder's vectors in a second column; it records the neural
// embedder's spec (never its key), so that after a switch the old generation keeps answering with
// its own vectors until the new one is complete, and a kept one answers again at once on a switch
// back.
import type { Embedder } from "../embed/embedder";
import { queryFingerprint } from "../index/fingerprint";
import { IndexStore, type NeuralIdentity, type StoreIdentity } from "../store/store";

/** Makes an embedder again from a generation's recorded spec (the host supplies keys); undefined when it can't. */
export type EmbedderFactory = (spec: Record<string, unknown>) => Embedder | undefined;

/** An embedder that can say what makes it (the OpenAI-compatible one): stored with the generation. */
interface Specified {
  spec?: object;
}

export function neuralIdentity(neural: Embedder | undefined): NeuralIdentity | undefined {
  if (!neural) return undefined;
  const spec = ((neural as Specified).spec ?? { kind: neural.id, dims: neural.dims }) as Record<string, unknown>;
  return { fingerprint: neural.fingerprint, dims: neural.dims, spec };
}

export interface QueryEmbedders {
  /** The builtin embedder, when the generation's builtin vectors and fields answer queries made now. */
  embedder?: Embedder;
  /** The neural embedder for its `nvector` column, when it has one and one can be made. */
  neural?: Embedder;
  /** Set when the generation has neural vectors that no embedder here can query. */
  neuralMissing?: string;
}

export class GenerationEmbedders {
  private readonly made = new Map<string, Embedder | undefined>();

  constructor(private readonly builtin: Embedder, private readonly current: Embedder | undefined, private readonly factory: EmbedderFactory | undefined) {}

  /** The query part a generation written now records. */
  get queryPart(): string {
    return queryFingerprint(this.builtin, this.current);
  }

  for(store: IndexStore): QueryEmbedders {
    const stored = store.identity.neural;
    if (store.identity.query !== queryFingerprint(this.builtin, stored && { fingerprint: stored.fingerprint })) return {};
    if (!stored) return { embedder: this.builtin };
    const neural = this.neuralFor(stored);
    return neural
      ? { embedder: this.builtin, neural }
      : { embedder: this.builtin, neuralMissing: `no embedder for the index's ${String(stored.spec.model ?? stored.spec.kind ?? "neural")} vectors here` };
  }

  private neuralFor(stored: NeuralIdentity): Embedder | undefined {
    if (this.current?.fingerprint === stored.fingerprint) return this.current;
    if (!this.made.has(stored.fingerprint)) {
      let made: Embedder | undefined;
      try {
        made = this.factory?.(stored.spec);
      } catch {
        made = undefined;
      }
      this.made.set(stored.fingerprint, made?.fingerprint === stored.fingerprint ? made : undefined);
    }
    return this.made.get(stored.fingerprint);
  }
}

/** What status calls a generation's embedders: `builtin/512`, or `builtin/512 + text-embedding-3-small/1536`. */
export function embeddersLabel(builtin: Pick<Embedder, "id" | "dims">, neural: NeuralIdentity | undefined): string {
  const base = `${builtin.id}/${builtin.dims}`;
  return neural ? `${base} + ${String(neural.spec.model ?? neural.spec.kind ?? "neural")}/${neural.dims}` : base;
}

/**
 * Of the generations in `dirs`, the newest complete one of each other neural embedder (none
 * included) with the answering one's builtin vectors and fields (`answers`), up to `limit`: what a
 * user may switch back to. Generations an update of Groundwork superseded are never chosen
 * again, so they are not kept.
 */
export async function generationsToKeep(dirs: readonly string[], answering: IndexStore, limit: number, answers: (store: IndexStore) => boolean): Promise<Set<string>> {
  if (limit <= 0) return new Set();
  const neuralOf = (store: IndexStore): string => store.identity.neural?.fingerprint ?? "";
  const found: IndexStore[] = [];
  for (const dir of dirs) {
    const store = await IndexStore.open(dir).catch(() => undefined);
    if (!store) continue;
    store.close();
    if (store.complete && store.identity.embedder === answering.identity.embedder && neuralOf(store) !== neuralOf(answering) && answers(store)) found.push(store);
  }
  const kept = new Map<string, string>();
  for (const store of found.sort((a, b) => b.identity.createdAt - a.identity.createdAt)) {
    if (!kept.has(neuralOf(store)) && kept.size < limit) kept.set(neuralOf(store), store.dir);
  }
  return new Set(kept.values());
}

/** Why a generation is being rebuilt, for the log and status: what differs between it and what writes now. */
export function rebuildReason(old: StoreIdentity, builtin: Embedder, neural: Embedder | undefined, queryPart: string): string {
  if (old.fingerprint === "") return "it was built by an older version of Groundwork";
  if (old.embedder !== builtin.fingerprint || old.neural?.fingerprint !== neural?.fingerprint) return "the embedder changed";
  if (old.query !== queryPart) return "the full-text fields or the table layout changed";
  return "the chunker changed";
}
