// The CLI's indexing commands on Linux run under glibc malloc settings that give freed memory back.
import { spawn } from "node:child_process";
import * as os from "node:os";
import { ALLOCATOR_ENV, indexingExecArgv, STEP_ALLOCATOR_ENV, userSetsAllocator } from "../core/codebase/allocator";

export { ALLOCATOR_ENV, STEP_ALLOCATOR_ENV };

/** Set in the child: it follows its parent. */
const RELAUNCHED = "GROUNDWORK_RELAUNCHED";
/** Set in a child of `groundwork index`: the step it runs. */
const STEP = "GROUNDWORK_INDEX_STEP";

/** What the indexing step tells its parent when it maintained the index itself (a small one): no second step. */
export const MAINTAINED = "maintained";

/** A step of `groundwork index` run in a process of its own: the indexing, then the index's maintenance. */
export type IndexStep = "index" | "maintain";

/** Commands that index (and so allocate in proportion to the workspace). */
const INDEXING_COMMANDS = new Set(["index", "eval", "mcp"]);

/**
 * Whether this run starts itself again under ALLOCATOR_ENV: an indexing command, on Linux with
 * glibc, where the user has set no malloc variable of their own (theirs win, and the child has ours).
 */
export function relaunchWanted(argv: readonly string[], env: NodeJS.ProcessEnv, platform: NodeJS.Platform, glibc: () => boolean): boolean {
  const command = commandOf(argv);
  if (command === undefined || !INDEXING_COMMANDS.has(command) || platform !== "linux") return false;
  if (env[RELAUNCHED] || userSetsAllocator(env)) return false;
  return glibc();
}

/** The command of the CLI's arguments: the first that is not an option. */
function commandOf(argv: readonly string[]): string | undefined {
  return argv.find((arg) => !arg.startsWith("-"));
}

/** Whether this Node links glibc (musl and others ignore the variables). */
export function runsOnGlibc(): boolean {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: unknown } } | undefined;
  return typeof report?.header?.glibcVersionRuntime === "string";
}

/** Signals a child is ended with that this process passes on as its own end; others (a crash) become exit code 128 + n. */
const ENDING_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGKILL"];

/**
 * Runs this same command in a child process under ALLOCATOR_ENV, with this one's standard streams,
 * and resolves to its exit code. `groundwork index` runs in two children one after the other, each
 * under its STEP_ALLOCATOR_ENV: one indexes, and once it has ended with success, a fresh one
 * maintains the index (unless the first did, for a small index, and said so). The children run in a
 * session of their own, so a terminal's Ctrl-C reaches them once, through this process, which passes
 * SIGINT, SIGTERM and SIGHUP on. A child ended by one of those
 * (or SIGKILL) ends this process the same way. Should a child not start, the command runs here.
 */
export async function relaunch(argv: readonly string[], runHere: () => Promise<number>): Promise<number> {
  if (commandOf(argv.slice(1)) !== "index") return (await runChild(argv, ALLOCATOR_ENV, runHere)).code;
  const indexed = await runChild(argv, { ...STEP_ALLOCATOR_ENV.index, [STEP]: "index" }, runHere);
  if (indexed.code !== 0 || indexed.ranHere || indexed.maintained) return indexed.code;
  return (await runChild(argv, { ...STEP_ALLOCATOR_ENV.maintain, [STEP]: "maintain" }, runHere)).code;
}

function runChild(argv: readonly string[], childEnv: Readonly<Record<string, string>>, runHere: () => Promise<number>): Promise<{ code: number; ranHere?: boolean; maintained?: boolean }> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...childEnv, [RELAUNCHED]: "1" };
    // A debugger port can't be opened twice.
    const inherited = process.execArgv.filter((arg) => !arg.startsWith("--inspect"));
    // The MCP server answers searches while its index's maintenance runs: no full collection may stall them.
    const execArgv = commandOf(argv.slice(1)) === "mcp" ? inherited : indexingExecArgv(inherited);
    const child = spawn(process.execPath, [...execArgv, ...argv], { stdio: ["inherit", "inherit", "inherit", "ipc"], env, detached: true });
    const pass = (signal: NodeJS.Signals) => (): void => void child.kill(signal);
    const handlers = (["SIGINT", "SIGTERM", "SIGHUP"] as const).map((signal) => [signal, pass(signal)] as const);
    for (const [signal, handler] of handlers) process.on(signal, handler);
    const done = (): void => handlers.forEach(([signal, handler]) => process.off(signal, handler));
    let maintained = false;
    child.on("message", (message) => (maintained ||= message === MAINTAINED));
    child.once("error", () => {
      done();
      void runHere().then((code) => resolve({ code, ranHere: true }));
    });
    child.once("exit", (code, signal) => {
      done();
      if (signal && ENDING_SIGNALS.includes(signal)) process.kill(process.pid, signal);
      resolve({ code: code ?? 128 + (signal ? os.constants.signals[signal] : 0), maintained });
    });
  });
}

/**
 * In a relaunched child (what it returns; undefined elsewhere), with the step it runs of `groundwork
 * index`: it ends with its parent. A parent killed outright (SIGKILL, a crash) can pass nothing on,
 * but its end closes the IPC channel, and the child is then killed the same way, as if the parent had been the one running: a run killed mid-way resumes from what it
 * wrote. The allocator's variables are taken out of the environment (glibc has read them), so the
 * programs this one runs (git, ripgrep) get the user's.
 */
export function followParent(): { step?: IndexStep } | undefined {
  if (!process.env[RELAUNCHED]) return undefined;
  const step = process.env[STEP];
  for (const name of [RELAUNCHED, STEP, ...Object.keys(ALLOCATOR_ENV), ...Object.keys(STEP_ALLOCATOR_ENV.maintain)]) delete process.env[name];
  if (process.channel) {
    process.channel.unref();
    process.once("disconnect", () => process.kill(process.pid, "SIGKILL"));
  }
  return { step: step === "index" || step === "maintain" ? step : undefined };
}
