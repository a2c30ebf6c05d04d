// The chunker's part of the index fingerprint, kept in the index folder. Computing it chunks a probe
// in five languages in a worker, which loads their grammars: about 0.2 s at the start of every run,
// a quarter of a no-change `groundwork index` of Python's standard library. It is kept under a
// digest of everything it derives from (FileStages.chunkerInputs), so that a changed worker,
// grammar, chunker setting or Node computes it again; stages that can't tell always compute it.
import { randomUUID } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { FileStages } from "../index/stages";
import { isRemoteUri } from "../store/lance";

export const KEPT_FINGERPRINT_FILE = "chunker-fingerprint.json";

const FINGERPRINT = /^[0-9a-f]{32}$/;

/** The chunker's part: the one kept in the index folder under the current inputs, else computed. Writes nothing (readers call it too). */
export async function chunkerPart(stages: FileStages, dbPath: string): Promise<string> {
  const kept = isRemoteUri(dbPath) || !stages.chunkerInputs ? undefined : await readKept(dbPath);
  if (kept !== undefined && kept.inputs === inputsOf(stages, dbPath)) return kept.fingerprint;
  const computing = stages.chunkerFingerprint();
  // The inputs' digest (~30 ms of this thread), for keeping it, while a worker computes it.
  inputsOf(stages, dbPath);
  return computing;
}

/**
 * Keeps the chunker's part in the index folder for the next process: a writer's call, under the
 * writer lock. Not when the inputs changed while it was computed (a development build rebuilding
 * the worker meanwhile would pair the old digest with the new worker's fingerprint).
 */
export async function keepChunkerPart(stages: FileStages, dbPath: string, fingerprint: string): Promise<void> {
  const inputs = inputsOf(stages, dbPath);
  if (inputs === undefined) return;
  const kept = await readKept(dbPath);
  if (kept?.inputs === inputs && kept.fingerprint === fingerprint) return;
  if (stages.chunkerInputs?.({ again: true }) !== inputs) return;
  // Written whole or not at all (another process may be reading it); a folder it can't be written to only costs the next run the probe again.
  const file = path.join(dbPath, KEPT_FINGERPRINT_FILE);
  const temp = `${file}.${randomUUID()}.tmp`;
  await fs.writeFile(temp, JSON.stringify({ inputs, fingerprint }), { flag: "wx" })
    .then(() => fs.rename(temp, file))
    .catch(() => fs.rm(temp, { force: true }).catch(() => undefined));
}

/** One index folder's chunker part: computed or read once, and kept by its writer once per process. */
export class KeptChunkerPart {
  private value: Promise<string> | undefined;
  private kept = false;

  constructor(private readonly stages: FileStages, private readonly dbPath: string) {}

  get(): Promise<string> {
    this.value ??= chunkerPart(this.stages, this.dbPath).catch((error: unknown) => {
      this.value = undefined;
      throw error;
    });
    return this.value;
  }

  /** A writer's call, under the writer lock. */
  async keep(): Promise<void> {
    if (this.kept) return;
    this.kept = true;
    await keepChunkerPart(this.stages, this.dbPath, await this.get());
  }
}

function inputsOf(stages: FileStages, dbPath: string): string | undefined {
  return isRemoteUri(dbPath) ? undefined : stages.chunkerInputs?.();
}

async function readKept(dbPath: string): Promise<{ inputs: string; fingerprint: string } | undefined> {
  try {
    const value = JSON.parse(await fs.readFile(path.join(dbPath, KEPT_FINGERPRINT_FILE), "utf8")) as { inputs?: unknown; fingerprint?: unknown };
    return typeof value.inputs === "string" && typeof value.fingerprint === "string" && FINGERPRINT.test(value.fingerprint) ? { inputs: value.inputs, fingerprint: value.fingerprint } : undefined;
  } catch {
    return undefined;
  }
}
