// The embedding servers this user has named on the command line (`groundwork index --embedder
// openai --embedding-base-url URL`), kept in the user's config folder (URLs only, never a key). An
// index records the server its vectors came from; the CLI sends a query, code or the key to that
// server only when it is one of these (or GROUNDWORK_EMBEDDING_BASE_URL): an index that came with
// a cloned repository can't point the CLI, and its key, at a server of its choosing.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { serverKey } from "../core/codebase";

function configFile(env: NodeJS.ProcessEnv): string {
  const dir = env.GROUNDWORK_CONFIG_DIR ?? path.join(env.XDG_CONFIG_HOME ?? path.join(os.homedir(), ".config"), "groundwork");
  return path.join(dir, "embedding-servers.json");
}


/** The servers named before, and the one in GROUNDWORK_EMBEDDING_BASE_URL. */
export function namedEmbeddingServers(env: NodeJS.ProcessEnv = process.env): string[] {
  let kept: unknown;
  try {
    kept = JSON.parse(readFileSync(configFile(env), "utf8"));
  } catch {
    kept = [];
  }
  const servers = Array.isArray(kept) ? kept.filter((url): url is string => typeof url === "string") : [];
  return [...servers, ...(env.GROUNDWORK_EMBEDDING_BASE_URL ? [env.GROUNDWORK_EMBEDDING_BASE_URL] : [])].map(serverKey);
}

/**
 * Remembers a server the user named on the command line (written whole, then renamed into place).
 * Returns why it could not be, when the config folder can't be written.
 */
export function rememberEmbeddingServer(url: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const servers = namedEmbeddingServers({ ...env, GROUNDWORK_EMBEDDING_BASE_URL: undefined });
  if (servers.includes(serverKey(url))) return undefined;
  const file = configFile(env);
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify([...servers, serverKey(url)], null, 2) + "\n", { mode: 0o600 });
    renameSync(temporary, file);
    return undefined;
  } catch (error) {
    return `${file} can't be written (${(error as Error).message}): set GROUNDWORK_EMBEDDING_BASE_URL=${serverKey(url)} for later commands to use this model`;
  }
}
