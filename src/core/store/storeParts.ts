// The parts of an index generation that are not the store itself: what it records about itself,
// its errors, and small helpers over its LanceDB tables (store.ts).
import type { Connection, Table } from "@lancedb/lancedb";
import { errorMessage } from "../util/host";
import { TERM_MAX_BYTES } from "../util/terms";
import { describeStorageError, isRemoteUri, storageProblem } from "./lance";
import { type ChunkRef, CHUNKS_TABLE, type ChunkRow, FILES_TABLE, type FileRecord, META_TABLE } from "./schema";

/** What a generation records about itself in its meta table. */
export interface StoreIdentity {
  /** The index fingerprint: everything that determines the stored rows ("" for an index older than fingerprints). */
  fingerprint: string;
  /** Its query part: whether the vectors and fields answer queries made now (index/fingerprint.ts). */
  query: string;
  /** The embedder's own fingerprint. */
  embedder: string;
  /** Vector length of every row. */
  dims: number;
  /** When the generation was created (ms since the epoch); 0 when unknown. */
  createdAt: number;
  /** A neural embedder's vectors beside the builtin ones (the `nvector` column): its fingerprint, vector length and spec (no key). */
  neural?: NeuralIdentity;
}

export interface NeuralIdentity {
  fingerprint: string;
  dims: number;
  /** What it takes to make the embedder again (embed/spec.ts); never a key. */
  spec: Record<string, unknown>;
}

export interface IndexCoverage {
  indexed: number;
  unindexed: number;
}

export interface FileUpdate {
  record: FileRecord;
  /** New chunks replacing the file's old ones; absent when only the record changes. */
  chunks?: ChunkRow[];
}

/** An index folder that exists but cannot be read as one; `corrupt` when the damage is recognised (not a transient error). */
export class StoreUnreadableError extends Error {
  /** An object store that refuses the credentials, has no such bucket or can't be reached: looking again at once won't help. */
  readonly lasting: boolean;

  constructor(readonly dir: string, override readonly cause: unknown, readonly corrupt: boolean) {
    super(isRemoteUri(dir) ? describeStorageError(dir, cause) : `The index at ${dir} could not be read (${errorMessage(cause)}).`);
    this.name = "StoreUnreadableError";
    this.lasting = isRemoteUri(dir) && ["denied", "no-bucket", "unreachable"].includes(storageProblem(cause));
  }
}

/** LanceDB's words for files that are missing, truncated or not what they claim: damage that reading again won't mend. */
const CORRUPTION = /does not have sufficient data|not found: No such file|corrupt|invalid (?:manifest|file|data)|unexpected eof|failed to fill whole buffer|decode.*protobuf/i;

export function isCorruption(error: unknown): boolean {
  return CORRUPTION.test(errorMessage(error));
}

/**
 * How the full-text indexes read their fields (part of the index fingerprint). The fields and the
 * queries arrive as terms (util/terms.ts: split, lower-cased and stemmed already), so the index
 * splits on spaces only and does not stem; it drops the same stop words and folds accents after
 * the stems, as its own analysis did.
 */
export const FULL_TEXT_CONFIG = {
  withPosition: false, baseTokenizer: "whitespace", lowercase: false, stem: false, removeStopWords: true, language: "English",
  // The length limit was applied before lower-casing, which can lengthen a term (`İ` → `i̇`): the
  // index's own limit must not cut one again.
  maxTokenLength: 4 * TERM_MAX_BYTES,
} as const;

/** The tables of a remote generation that open; none when its meta table is not there. */
export async function remoteTables(db: Connection): Promise<string[]> {
  const names: string[] = [];
  for (const name of [META_TABLE, CHUNKS_TABLE, FILES_TABLE]) {
    try {
      (await db.openTable(name)).close();
      names.push(name);
    } catch (error) {
      if (storageProblem(error) !== "missing") throw error;
      if (name === META_TABLE) return [];
    }
  }
  return names;
}

export async function readMeta(table: Table): Promise<Map<string, string>> {
  const rows = await table.query().toArray();
  return new Map(rows.map((row) => [row.key as string, row.value as string]));
}

/**
 * Best score first, and equal scores by path and line: LanceDB returns equal full-text scores in
 * an order that changes from one call to the next (125 of 300 eval queries, asked twice), and the
 * same question must get the same answer.
 */
export function inStableOrder(refs: ChunkRef[]): ChunkRef[] {
  return refs.sort((a, b) => b.score - a.score || (a.path < b.path ? -1 : a.path > b.path ? 1 : a.startLine - b.startLine));
}

/** The meta rows that record a generation's identity. */
export function identityRows(identity: StoreIdentity): Array<{ key: string; value: string }> {
  return [
    { key: "fingerprint", value: identity.fingerprint },
    { key: "query", value: identity.query },
    { key: "embedder", value: identity.embedder },
    { key: "dims", value: String(identity.dims) },
    { key: "createdAt", value: String(identity.createdAt) },
    ...(identity.neural ? [{ key: "neural", value: JSON.stringify(identity.neural) }] : []),
  ];
}

/** A generation's identity from its meta rows (an index older than fingerprints has empty ones). */
export function identityOf(values: ReadonlyMap<string, string>): StoreIdentity {
  return {
    fingerprint: values.get("fingerprint") ?? "", query: values.get("query") ?? "", embedder: values.get("embedder") ?? "",
    dims: Number(values.get("dims") ?? 0), createdAt: Number(values.get("createdAt") ?? 0),
    ...(values.has("neural") ? { neural: JSON.parse(values.get("neural")!) as NeuralIdentity } : {}),
  };
}
