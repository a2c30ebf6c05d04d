// `groundwork dataset` and `groundwork model-eval`: fine-tuning data from the workspace's code, and
// base/LoRA × retrieval measured on its held-out functions.
import * as path from "node:path";
import type { Codebase } from "../core/codebase";
import { ModelClient } from "../core/model/client";
import { FIM_PRESETS, type FimPreset } from "../core/prompt/fim";
import { buildDataset, type DatasetFormat } from "../core/tune/dataset";
import { formatModelEval, runModelEval } from "../core/tune/modelEval";
import type { Logger } from "../core/util/host";
import { auditLogFor, loadProfiles, type ModelFlags } from "./ask";
import { UsageError } from "./options";

export interface TuneContext {
  argv: readonly string[];
  ensureIndexed: (needed: boolean) => Promise<void>;
  logger: Logger;
}

function numberFlag(values: Record<string, unknown>, name: string, check: (n: number) => boolean, what: string): number | undefined {
  if (values[name] === undefined) return undefined;
  const n = Number(values[name]);
  if (!check(n)) throw new UsageError(`--${name} must be ${what}.`);
  return n;
}

function splitFlag(values: Record<string, unknown>): "file" | "recent" {
  const split = (values.split as string | undefined) ?? "file";
  if (split !== "file" && split !== "recent") throw new UsageError("--split must be file or recent.");
  return split;
}

const TEST_SHARE = (values: Record<string, unknown>): number | undefined => numberFlag(values, "test-share", (n) => n > 0 && n < 1, "between 0 and 1");

export async function dataset(codebase: Codebase, values: Record<string, unknown>, signal: AbortSignal, context: TuneContext): Promise<number> {
  const out = values.out as string | undefined;
  if (!out) throw new UsageError("Missing --out: the folder the dataset is written to.");
  const format = (values.format as string | undefined) ?? "openai-chat";
  if (!["openai-chat", "prompt-completion", "fim"].includes(format)) throw new UsageError("--format must be openai-chat, prompt-completion or fim.");
  const preset = values["fim-preset"] as string | undefined;
  if (preset !== undefined && !FIM_PRESETS.includes(preset as FimPreset)) throw new UsageError(`--fim-preset must be one of ${FIM_PRESETS.join(", ")}.`);
  if (format === "fim" && preset === "native-suffix") throw new UsageError("--format fim needs a model family's FIM tokens: --fim-preset native-suffix has none (take the base model's family, e.g. qwen2.5-coder).");
  const split = splitFlag(values);
  const testShare = TEST_SHARE(values);
  const maxExamples = numberFlag(values, "max-examples", (n) => Number.isInteger(n) && n > 0, "a positive integer");
  const maxTokens = numberFlag(values, "max-tokens", (n) => Number.isInteger(n) && n >= 256, "an integer of at least 256");
  if (values["with-retrieval"]) await context.ensureIndexed(true);
  try {
    const report = await buildDataset({
      codebase, root: codebase.folders[0].root, out: path.resolve(out), format: format as DatasetFormat, fimPreset: preset as FimPreset | undefined, testShare,
      split, withRetrieval: values["with-retrieval"] === true, maxExamples, seed: values.seed as string | undefined, maxTokens, signal,
      command: shownCommand(context.argv), onProgress: (message) => process.stderr.write(`${message}\n`),
    });
    process.stdout.write(
      `wrote ${report.examples.train} train and ${report.examples.test} test examples (${report.files.train} and ${report.files.test} files) to ${report.out}; ` +
        `left out ${report.dropped.duplicates} near-duplicates, ${report.dropped.heldOutCopies} train examples holding a test function, ${report.dropped.overTokenLimit} over the token limit; ${report.redactions} secrets redacted\n`,
    );
    // Files were written (and say so in their card); a dataset with nothing to train on is no success.
    if (report.examples.train === 0) {
      process.stderr.write(`groundwork: no train examples: ${report.files.train === 0 ? "no file is left to train on (lower --test-share)" : "no function, docstring or convention was found to make one from"}\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    if (!signal.aborted) throw error;
    process.stderr.write("cancelled: nothing was written\n");
    return 130;
  }
}

export async function modelEval(codebase: Codebase, values: Record<string, unknown>, signal: AbortSignal, context: TuneContext): Promise<number> {
  const flags = values as ModelFlags;
  if (!flags.model) throw new UsageError("Missing --model: the id of the profile to evaluate (from --models).");
  const profiles = loadProfiles(flags);
  const pick = (id: string) => {
    const profile = profiles.find((p) => p.id === id);
    if (!profile) throw new UsageError(`No model profile "${id}" (profiles: ${profiles.map((p) => p.id).join(", ")}).`);
    return profile;
  };
  if (flags.against !== undefined && flags.against === flags.model) throw new UsageError("--against names the same profile as --model: name another one, or leave it out.");
  const chosen = [pick(flags.model), ...(flags.against ? [pick(flags.against)] : [])];
  const retrieval = (values.retrieval as string | undefined) ?? "both";
  if (retrieval !== "both" && retrieval !== "on" && retrieval !== "off") throw new UsageError("--retrieval must be both, on or off.");
  const tasks = numberFlag(values, "tasks", (n) => Number.isInteger(n) && n > 0, "a positive integer");
  const concurrency = numberFlag(values, "concurrency", (n) => Number.isInteger(n) && n > 0 && n <= 32, "an integer from 1 to 32");
  const out = path.resolve((values.out as string | undefined) ?? path.join(path.dirname(codebase.folders[0].dbPath), "model-eval"));
  if (retrieval !== "off") await context.ensureIndexed(true);
  const apiKey = process.env.GROUNDWORK_API_KEY ?? process.env.OPENAI_API_KEY;
  const audit = auditLogFor(codebase, context.logger);
  const report = await runModelEval({
    codebase, root: codebase.folders[0].root, models: chosen.map((profile) => ({ profile, client: new ModelClient(profile, { apiKey, logger: context.logger, maxRetries: 1 }) })),
    tasks, retrieval, concurrency, out, seed: values.seed as string | undefined, testShare: TEST_SHARE(values), split: splitFlag(values), signal, audit,
    onProgress: (done, total) => (done % 10 === 0 || done === total) && process.stderr.write(`${done}/${total} completions\n`),
  });
  process.stdout.write(formatModelEval(report) + `\nresults: ${out} (results.jsonl, report.json, report.md)\n`);
  return 0;
}

/** The command line as the dataset card shows it: storage options (credentials among them) hidden. */
export function shownCommand(argv: readonly string[]): string {
  const shown: string[] = ["groundwork"];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--storage-option") {
      shown.push(argv[i]);
      if (i + 1 < argv.length) shown.push("<hidden>");
      i++;
    } else shown.push(argv[i].startsWith("--storage-option=") ? "--storage-option=<hidden>" : argv[i]);
  }
  return shown.join(" ");
}
