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

export function loadLanceDb(): Promise<LanceDb> {
  // Every store operation asks for the module: once it is loaded (or loading), that's all.
  if (loading) return loading;
  // Checked before the native module loads: on a CPU without AVX2 and FMA it would crash the process.
  const unsupported = lanceUnsupportedReason();
  if (unsupported) return Promise.reject(new IndexUnavailableError(unsupported));
  if (!(Number(process.env.LANCE_CPU_THREADS) >= 2)) {
    process.env.LANCE_CPU_THREADS = String(Math.max(2, os.cpus().length));
  }
  process.env.LANCEDB_LOG ??= "error";
  loading ??= import("@lancedb/lancedb").catch((error: unknown) => {
    loading = undefined;
    throw new IndexUnavailableError(`LanceDB could not be loaded (${errorMessage(error)}); it needs the native @lancedb/lancedb package for this platform`);
  });
  return loading;
}

/** Quotes a string for a LanceDB (DataFusion SQL) filter. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function inList(column: string, values: readonly string[]): string {
  return `${column} IN (${values.map(sqlString).join(", ")})`;
}
