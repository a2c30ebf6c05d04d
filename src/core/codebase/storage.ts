// Object storage for a shared index: the options LanceDB's object store takes, from the standard
// environment variables and `key=value` pairs. Kept in memory (store/lance.ts), never logged.
import * as os from "node:os";
import * as path from "node:path";
import { describeStorageError, isRemoteUri, registerStorage } from "../store/lance";
import { IndexLockedError } from "../store/lock";
import { StoreUnreadableError } from "../store/store";
import { sha256Hex } from "../util/hash";

/** S3's standard variables as object-store options (the endpoint for S3-compatible stores; http allowed for a local one). */
export function storageOptionsFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const options: Record<string, string> = {};
  const map: Array<[string, string]> = [
    ["AWS_ACCESS_KEY_ID", "aws_access_key_id"], ["AWS_SECRET_ACCESS_KEY", "aws_secret_access_key"], ["AWS_SESSION_TOKEN", "aws_session_token"],
    // The S3-specific endpoint first, as AWS's own tools take it.
    ["AWS_REGION", "aws_region"], ["AWS_DEFAULT_REGION", "aws_region"], ["AWS_ENDPOINT_URL_S3", "aws_endpoint"], ["AWS_ENDPOINT_URL", "aws_endpoint"],
  ];
  for (const [name, key] of map) if (env[name] && !options[key]) options[key] = env[name]!;
  if (options.aws_endpoint) {
    if (options.aws_endpoint.startsWith("http://")) options.allow_http = "true";
    // S3-compatible servers mostly want path-style requests.
    options.aws_virtual_hosted_style_request = "false";
  }
  return options;
}

/** `key=value` pairs (`--storage-option`), checked. */
export function parseStorageOptions(pairs: readonly string[]): Record<string, string> {
  const options: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    // Nothing of the argument is echoed past its first few letters: a mistyped secret is still a secret.
    if (at <= 0) throw new Error(`A storage option is key=value; one of the ${pairs.length} given has no "=" or no key.`);
    options[pair.slice(0, at).trim()] = pair.slice(at + 1);
  }
  return options;
}

/** Registers the options for each remote location among `locations` (the rest are folders). */
export function useStorage(locations: ReadonlyArray<string | undefined>, options: Record<string, string>): void {
  for (const location of locations) if (location && isRemoteUri(location)) registerStorage(location, options);
}

export { isRemoteUri };

/** An index on object storage fails with a message a person can act on, and never one that quotes credentials. */
export async function onStorage<T>(dbPath: string, work: () => Promise<T>): Promise<T> {
  if (!isRemoteUri(dbPath)) return work();
  try {
    return await work();
  } catch (error) {
    if (error instanceof StoreUnreadableError || error instanceof IndexLockedError) throw error;
    throw new Error(describeStorageError(dbPath, error));
  }
}

/** Where this machine's writers to an index on object storage take turns: a folder per user (another user's is not ours to write in). */
export function remoteLockDir(uri: string): string {
  const user = typeof process.getuid === "function" ? `u${process.getuid()}` : os.userInfo().username.replace(/[^\w.-]/g, "_");
  return path.join(os.tmpdir(), `groundwork-locks-${user}`, sha256Hex(uri).slice(0, 16));
}
