// Loads LanceDB lazily: the native module is heavy, and LANCE_CPU_THREADS must be set before it
// loads (on 2 cores its full-text index build otherwise hangs).
import * as os from "node:os";

export type LanceDb = typeof import("@lancedb/lancedb");

let loading: Promise<LanceDb> | undefined;

export function loadLanceDb(): Promise<LanceDb> {
  if (!(Number(process.env.LANCE_CPU_THREADS) >= 2)) {
    process.env.LANCE_CPU_THREADS = String(Math.max(2, os.cpus().length));
  }
  process.env.LANCEDB_LOG ??= "error";
  loading ??= import("@lancedb/lancedb").catch((error: unknown) => {
    loading = undefined;
    throw new Error(`LanceDB could not be loaded (${error instanceof Error ? error.message : error}). ` +
      "The index needs the native @lancedb/lancedb package for this platform.");
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
