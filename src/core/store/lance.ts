// Loads LanceDB lazily: the native module is heavy, and LANCE_CPU_THREADS must be set before it
// loads (on 2 cores its full-text index build otherwise hangs).
import * as os from "node:os";
import { errorMessage } from "../util/host";
import { lanceUnsupportedReason } from "./cpu";

export type LanceDb = typeof import("@lancedb/lancedb");

/** The index can't work on this machine at all (not a damaged index): everything that needs no index goes on. */
export class IndexUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`Groundwork's index is not available: ${reason}. Chat answers without retrieved code, completions come without snippets, and conventions still apply.`);
    this.name = "IndexUnavailableError";
  }
}

let loading: Promise<LanceDb> | undefined;

/** A whole number as Lance parses one (no sign, space or exponent), short enough not to overflow. */
const POSITIVE = /^[1-9]\d{0,14}$/;
const NON_NEGATIVE = /^(?:0|[1-9]\d{0,14})$/;

/**
 * Lance's own settings that Lance 8 reads as whole numbers (or, for the full-text format, one of
 * two versions), and what each must be. Another value makes it panic on every read or index build
 * (`LANCE_IO_THREADS=0` hangs every read instead; `LANCE_FTS_WRITE_QUEUE_SIZE=0` fails every build).
 */
const LANCE_WHOLE_NUMBER_SETTINGS: Readonly<Record<string, RegExp>> = {
  LANCE_IO_THREADS: POSITIVE,
  LANCE_MAX_IOP_SIZE: POSITIVE,
  LANCE_FTS_NUM_SHARDS: NON_NEGATIVE,
  LANCE_FTS_PARTITION_SIZE: POSITIVE,
  LANCE_IO_CORE_RESERVATION: NON_NEGATIVE,
  LANCE_FTS_WRITE_QUEUE_SIZE: POSITIVE,
  LANCE_FTS_POSTING_BATCH_ROWS: POSITIVE,
  LANCE_FTS_POSTING_GROUP_MAX_TOKENS: NON_NEGATIVE,
  LANCE_FTS_POSTING_GROUP_TARGET_BYTES: NON_NEGATIVE,
  LANCE_FTS_FORMAT_VERSION: /^[12]$/,
};

/** Removes from `env` the Lance settings it could not use (see above), and names them. */
export function dropUnusableLanceSettings(env: NodeJS.ProcessEnv): string[] {
  const dropped = Object.entries(LANCE_WHOLE_NUMBER_SETTINGS).filter(([name, valid]) => env[name] !== undefined && !valid.test(env[name]!)).map(([name]) => name);
  for (const name of dropped) delete env[name];
  return dropped;
}

/**
 * The CPU threads LanceDB gets: the user's `LANCE_CPU_THREADS` when Lance can parse it and it is
 * at least 2 (with one, its full-text index build hangs on 2 cores), else one per core, at least 2.
 */
export function lanceCpuThreads(value: string | undefined, cores: number): string {
  return value !== undefined && POSITIVE.test(value) && Number(value) >= 2 ? value : String(Math.max(2, cores));
}

export function loadLanceDb(): Promise<LanceDb> {
  // Every store operation asks for the module: once it is loaded (or loading), that's all.
  if (loading) return loading;
  // Checked before the native module loads: on a CPU without AVX2 and FMA it would crash the process.
  const unsupported = lanceUnsupportedReason();
  if (unsupported) return Promise.reject(new IndexUnavailableError(unsupported));
  process.env.LANCE_CPU_THREADS = lanceCpuThreads(process.env.LANCE_CPU_THREADS, os.cpus().length);
  for (const name of dropUnusableLanceSettings(process.env)) {
    process.emitWarning(`${name} is not a whole number LanceDB can use; ignored (LanceDB's default applies)`, { code: "GROUNDWORK_LANCE_SETTING" });
  }
  process.env.LANCEDB_LOG ??= "error";
  loading ??= import("@lancedb/lancedb").catch((error: unknown) => {
    loading = undefined;
    throw new IndexUnavailableError(`LanceDB could not be loaded (${errorMessage(error)}); it needs the native @lancedb/lancedb package for this platform`);
  });
  return loading;
}

const READ_AHEAD = "LANCE_DEFAULT_IO_BUFFER_SIZE";
let readAheadScopes = 0;

/**
 * Runs `work` with Lance's scans reading at most `bytes` ahead (its default: 2 GiB), unless the
 * user set that themselves. Lance reads the variable as each scan starts, so this holds for scans
 * started meanwhile, searches included. Only around scans of narrow columns: Lance 8 can stall a
 * scan whose pages are larger than its read-ahead (wide text columns).
 */
export async function withReadAhead<T>(bytes: number, work: () => Promise<T>): Promise<T> {
  if (readAheadScopes === 0 && process.env[READ_AHEAD] !== undefined) return work();
  readAheadScopes++;
  process.env[READ_AHEAD] = String(bytes);
  try {
    return await work();
  } finally {
    if (--readAheadScopes === 0) delete process.env[READ_AHEAD];
  }
}

/** Quotes a string for a LanceDB (DataFusion SQL) filter. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function inList(column: string, values: readonly string[]): string {
  return `${column} IN (${values.map(sqlString).join(", ")})`;
}

/** An index on object storage (`s3://`, `gs://`, `az://`, …), not a folder. */
export function isRemoteUri(location: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location) && !location.startsWith("file://");
}

const storage = new Map<string, Record<string, string>>();

/**
 * The object-store options (endpoint, region, credentials) for every index under a URI prefix.
 * Kept in memory only: never written, logged or put in an error message.
 */
export function registerStorage(prefix: string, options: Record<string, string>): void {
  storage.set(prefix.replace(/\/+$/, ""), options);
}

/** The connection options for an index location: strong read consistency, and the storage options of a remote one. */
export function connectOptions(location: string): { readConsistencyInterval: number; storageOptions?: Record<string, string> } {
  if (!isRemoteUri(location)) return { readConsistencyInterval: 0 };
  const prefix = [...storage.keys()].filter((key) => location === key || location.startsWith(`${key}/`)).sort((a, b) => b.length - a.length)[0];
  // Reads of a remote index time out rather than hang a search (object_store's options).
  // A few retries within seconds, not ten within minutes: a search waits on them.
  return { readConsistencyInterval: 0, storageOptions: { timeout: "30s", connect_timeout: "5s", client_max_retries: "3", client_retry_timeout: "15", ...(prefix ? storage.get(prefix) : {}) } };
}

/**
 * A store error's words without the names and numbers that only say where and how long: URLs,
 * socket addresses, object keys and paths, request ids, source locations and durations. A status code is told by the words left, so a port
 * such as 40341 or a request that took 403 µs does not read as "403 Forbidden".
 */
function storageErrorWords(raw: string): string {
  return raw
    .replace(/<(Key|Resource|RequestId|HostId|BucketName)>[^<]*<\/\1>/gi, " ")
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, " ")
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b|\[[0-9a-f:]+\](?::\d+)?/gi, " ")
    .replace(/\S+\.rs:\d+(?::\d+)?/g, " ")
    // Object keys and paths (`main/chunks.lance/_versions/403.manifest`, a `reset-2024/` prefix).
    .replace(/[^\s"'`(),<>]*\/[^\s"'`(),<>]*/g, " ")
    // object_store's note on a retried request (`after 1 retries, max_retries: 3, retry_timeout: 15s`): the inner error says what happened.
    .replace(/\bafter \d+ retries\b|\bretry_timeout:?\s*\S*/gi, " ")
    .replace(/\b(?:line|column|port|retries|max_retries):?\s*\d+/gi, " ")
    .replace(/\b\d+(?:\.\d+)?\s*(?:ns|µs|us|ms|s)\b/g, " ");
}

/** What kind of failure an object store's error is, told by its words (not its addresses or timings). */
export function storageProblem(error: unknown): "denied" | "no-bucket" | "unreachable" | "missing" | "other" {
  const said = storageErrorWords(errorMessage(error));
  if (/InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|\b40[13]\b|Forbidden|ExpiredToken|credential/i.test(said)) return "denied";
  if (/NoSuchBucket/i.test(said)) return "no-bucket";
  if (/connect|refused|unreachable|dns|resolve|timed? ?out|timeout|reset|broken pipe|hyper|error sending request/i.test(said)) return "unreachable";
  if (/not found|no ?such ?key|\b404\b/i.test(said)) return "missing";
  return "other";
}

/**
 * What went wrong with an index on object storage, in one line a person can act on. The store's
 * own message (which may quote request URLs, key ids and server replies) is reduced to its kind,
 * and no registered credential value survives in it.
 */
export function describeStorageError(location: string, error: unknown): string {
  // A URL's user, password and query (an endpoint given as `http://user:pass@host`, a presigned request) never show.
  const raw = redactedValues(errorMessage(error).replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, "$1").replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s?]*)\?\S*/gi, "$1"));
  const kind = {
    denied: "access denied: check the credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or --storage-option)",
    "no-bucket": "the bucket does not exist",
    unreachable: "the store is unreachable (connection refused or timed out)",
    missing: "no index there",
    other: raw.split("\n")[0].slice(0, 200),
  }[storageProblem(error)];
  return redactedValues(`The index at ${location} can't be read: ${kind.replace(/\.$/, "")}.`);
}

/** `text` without any storage option's value (keys, secrets, an endpoint's path); an endpoint's scheme and host stay. */
function redactedValues(text: string): string {
  let out = text;
  for (const options of storage.values()) {
    for (const value of Object.values(options)) {
      if (value.length < 4 || /^(true|false|us-|eu-|\d+s?)$|^(us|eu)-/.test(value)) continue;
      const endpoint = /^(https?:\/\/)(?:[^/@\s]*@)?([^/\s]+)(.*)$/.exec(value);
      if (!endpoint) out = out.split(value).join("***");
      else if (endpoint[3].replace(/\/+$/, "")) for (const form of [value, endpoint[1] + endpoint[2] + endpoint[3]]) out = out.split(form).join(`${endpoint[1]}${endpoint[2]}/***`);
    }
  }
  return out;
}
