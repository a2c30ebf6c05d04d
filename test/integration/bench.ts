// Entry for `npm run bench`'s extension-host section (not a test): inside a real VS Code server's
// extension host, runs a full reindex of the open workspace while sampling the extension host's
// event-loop delay, and writes the figures with the extension's activation time.
import { writeFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import * as vscode from "vscode";
import type { GroundworkApi } from "../../src/extension/extension";
import { EXTENSION_ID } from "./helpers";

export async function run(): Promise<void> {
  const out = process.env.GROUNDWORK_BENCH_RESULTS!;
  try {
    const api = (await vscode.extensions.getExtension<GroundworkApi>(EXTENSION_ID)!.activate());
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const started = performance.now();
    // Where the longest stalls fall in the run (ms from its start), and what the index was doing then.
    const stalls: Array<{ atMs: number; ms: number; state: string }> = [];
    let state = api.indexService.state.kind as string;
    const watching = api.indexService.onDidChangeState((next) => (state = next.kind === "indexing" ? `indexing ${next.filesDone}/${next.filesTotal}` : next.kind));
    let expected = performance.now() + 5;
    const ticker = setInterval(() => {
      const now = performance.now();
      if (now - expected > 25) stalls.push({ atMs: Math.round(expected - started), ms: Math.round(now - expected), state });
      expected = now + 5;
    }, 5);
    const chunks = await vscode.commands.executeCommand<number>("groundwork.reindex");
    const seconds = (performance.now() - started) / 1000;
    clearInterval(ticker);
    watching.dispose();
    lag.disable();
    const ms = (ns: number): number => ns / 1e6;
    writeFileSync(out, JSON.stringify({
      activationMs: api.activationMs, chunks, reindexSeconds: seconds,
      lagP50Ms: ms(lag.percentile(50)), lagP99Ms: ms(lag.percentile(99)), lagMaxMs: ms(lag.max), samples: lag.count,
      stalls: stalls.sort((a, b) => b.ms - a.ms).slice(0, 5),
    }));
  } catch (error) {
    writeFileSync(out, JSON.stringify({ error: String(error) }));
  }
}
