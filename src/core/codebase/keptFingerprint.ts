// The chunker's part of the index fingerprint, kept in the index folder. Computing it chunks a probe
// in five languages in a worker, which loads their grammars: about 0.2 s at the start of every run,
// a quarter of a no-change `groundwork index` of Python's standard library. It is kept under a
// digest of everything it derives from (FileStages.chunkerInputs), so that a changed worker,
// grammar, chunker setting or Node computes it again; stages that can't tell always compute it.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { FileStages } from "../index/stages";
import { isRemoteUri } from "../store/lance";

export const KEPT_FINGERPRINT_FILE = "chunker-fingerprint.json";

const FINGERPRINT = /^[0-9a-f]{32}$/;

export async function keptChunkerFingerprint(stages: FileStages, dbPath: string): Promise<string> {
  const inputs = isRemoteUri(dbPath) ? undefined : stages.chunkerInputs?.();
  if (inputs === undefined) return stages.chunkerFingerprint();
  const file = path.join(dbPath, KEPT_FINGERPRINT_FILE);
  const kept = await fs.readFile(file, "utf8").then(parseKept, () => undefined);
  if (kept?.inputs === inputs) return kept.fingerprint;
  const fingerprint = await stages.chunkerFingerprint();
  // Written whole or not at all (another process may be reading it); a folder it can't be written to only costs the next run the probe again.
  const temp = `${file}.${process.pid}.tmp`;
  await fs.mkdir(dbPath, { recursive: true })
    .then(() => fs.writeFile(temp, JSON.stringify({ inputs, fingerprint })))
    .then(() => fs.rename(temp, file))
    .catch(() => fs.rm(temp, { force: true }).catch(() => undefined));
  return fingerprint;
}

function parseKept(text: string): { inputs: string; fingerprint: string } | undefined {
  try {
    const value = JSON.parse(text) as { inputs?: unknown; fingerprint?: unknown };
    return typeof value.inputs === "string" && typeof value.fingerprint === "string" && FINGERPRINT.test(value.fingerprint) ? { inputs: value.inputs, fingerprint: value.fingerprint } : undefined;
  } catch {
    return undefined;
  }
}
