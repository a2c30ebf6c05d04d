// A scratch folder that does not outlive the command, whichever way it ends.
import { rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** How long a command stopped by a signal has to end its work (a git process, an index run) before it is cut short. */
const STOP_MS = 5_000;

/**
 * An eval's scratch folder (a checkout, an index), removed after `run`, also when Ctrl-C or a kill
 * ends the command: `run` is told through its signal, so that nothing (a git clone) writes there
 * after the folder is gone; the exit code is then 128 + the signal's number.
 */
export async function withScratch(run: (workDir: string, signal: AbortSignal) => Promise<number>): Promise<number> {
  const workDir = path.join(os.tmpdir(), `groundwork-eval-${process.pid}`);
  const stop = new AbortController();
  let ending: NodeJS.Signals | undefined;
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  const onSignal = (signal: NodeJS.Signals): void => {
    ending = signal;
    stop.abort();
    setTimeout(() => {
      remove(workDir);
      process.exit(128 + os.constants.signals[signal]);
    }, STOP_MS).unref();
  };
  for (const signal of signals) process.once(signal, onSignal);
  try {
    return await run(workDir, stop.signal);
  } catch (error) {
    if (ending) return 128 + os.constants.signals[ending];
    throw error;
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
    remove(workDir);
  }
}

function remove(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // Best effort: the folder is under the system's temporary folder.
  }
}
