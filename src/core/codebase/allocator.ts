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

/**
 * The settings of the two processes of `groundwork index`, one after the other. The indexing runs
 * under glibc's own thresholds, 25–35% faster than ALLOCATOR_ENV's fixed ones, which map and unmap
 * each large block (LanceDB's, the batches') and fault it in again; their pools keep what they free,
 * so in one process the indexing's and then the vector index's peaks would add up (~800–900 MiB
 * for ~100k files). A process that ends gives it all back: the compaction and the vector index run
 * in a fresh one, whose blocks over 2 MiB are mapped apart (its own peak then ~450 MiB against ~770
 * under glibc's thresholds, for ~10 s more at 338k rows; docs/performance.md, fourteenth look).
 */
export const STEP_ALLOCATOR_ENV: Readonly<Record<"index" | "maintain", Readonly<Record<string, string>>>> = {
  index: { MALLOC_ARENA_MAX: ALLOCATOR_ENV.MALLOC_ARENA_MAX },
  maintain: { MALLOC_MMAP_THRESHOLD_: String(2 * 2 ** 20), MALLOC_TRIM_THRESHOLD_: String(16 * 2 ** 20), MALLOC_ARENA_MAX: ALLOCATOR_ENV.MALLOC_ARENA_MAX },
};

/** From this many chunks on, maintainsApart (tests lower it with GROUNDWORK_MAINTAIN_APART_ROWS). */
const MAINTAIN_APART_MIN_ROWS = Number(process.env.GROUNDWORK_MAINTAIN_APART_ROWS) || 100_000;

/**
 * Whether a run's index is maintained in a process of its own once the one that indexed it has
 * ended: a finished run of 100k chunks or more. Below, the indexing process maintains it (the vector
 * index's build then adds tens of MiB, not hundreds, and a second process would cost more time,
 * ~0.6 s to start, than it saves).
 */
export function maintainsApart(results: ReadonlyArray<{ totalChunks: number; cancelled: boolean }>): boolean {
  return !results.some((result) => result.cancelled) && results.reduce((sum, result) => sum + result.totalChunks, 0) >= MAINTAIN_APART_MIN_ROWS;
}

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
