// Memory settings for the processes that index (the CLI's indexing commands, the extension's
// index runs): glibc's malloc variables and V8's exposed collector, both read when a process
// starts, so they are given to a child at its start.
import * as os from "node:os";

/**
 * glibc's malloc keeps a pool per thread and, once a large block has been freed, serves blocks of
 * that size from its pools instead of mapping them afresh: LanceDB's writer threads and the
 * chunking workers then hold hundreds of MiB they no longer use. With a fixed mapping threshold
 * (128 KiB, glibc's starting value) large blocks go back to the system when freed, and the pools'
 * free tops are trimmed at once; fewer pools (twice the cores, at least 4, against glibc's eight
 * times) hold less. Indexing ~100k files on 2 cores: peak 1,055 → ~845 MiB at the same speed
 * (docs/performance.md).
 */
export const ALLOCATOR_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: "131072",
  MALLOC_TRIM_THRESHOLD_: "0",
  MALLOC_ARENA_MAX: String(Math.max(4, 2 * os.availableParallelism())),
};

/** Whether the user set malloc variables of their own (theirs win: ours are then left out). */
export function userSetsAllocator(env: NodeJS.ProcessEnv): boolean {
  return Object.keys(env).some((name) => name.startsWith("MALLOC_") || name === "GLIBC_TUNABLES");
}

/**
 * Node's flag that lets the processes Groundwork starts itself run a full garbage collection
 * (`collectGarbage`) before the index's heavy native steps.
 */
export const EXPOSE_GC = "--expose-gc";

/** `execArgv` for a child that indexes: the collector exposed. */
export function indexingExecArgv(execArgv: readonly string[]): string[] {
  return execArgv.includes(EXPOSE_GC) ? [...execArgv] : [...execArgv, EXPOSE_GC];
}

/**
 * A full garbage collection, where the process was started with EXPOSE_GC (elsewhere, as in the
 * extension host, nothing). A run's JavaScript heap ends up mostly garbage (its batches, promoted
 * while they waited to be written) that V8 keeps committed until its next full collection, and
 * LanceDB's compaction and vector index build take their memory on top of it: the resumed CLI run
 * of the ~100k-file workspace peaked at 687-704 MiB without the collection, 630-636 with it
 * (docs/performance.md).
 */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: unknown }).gc;
  if (typeof gc === "function") gc();
}
