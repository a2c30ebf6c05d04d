// The `groundwork` command's entry (dist/cli.js): decides where the command runs before loading it.
// An indexing command on Linux starts again in a child under glibc's allocator settings
// (allocator.ts); this process then only waits, and the rest of the CLI (dist/cli-main.js, ~70 MiB
// once loaded) is loaded by the child alone.
import { createRequire } from "node:module";
import { followParent, relaunch, relaunchWanted, runsOnGlibc } from "./allocator";

const argv = process.argv.slice(2);
const relaunched = followParent();
const runHere = (): Promise<number> => (createRequire(__filename)("./cli-main.js") as typeof import("./main")).runCli(argv, relaunched?.step);
void (!relaunched && relaunchWanted(argv, process.env, process.platform, runsOnGlibc) ? relaunch(process.argv.slice(1), runHere) : runHere()).then((code) => {
  process.exitCode = code;
});
