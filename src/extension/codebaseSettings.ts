// The settings and SecretStorage keys a codebase is opened with, as an IndexJob (the codebase as
// plain data, which the indexing process opens too) and the host's own search options.
import * as vscode from "vscode";
import { type CodebaseOptions, connectEmbedder, type Embedder, type IndexJob, localEmbedder, storageOptionsFromEnv } from "../core/codebase";
import { errorMessage, hasCredentials, type Logger, shownUrl, URL_CREDENTIALS } from "../core/util/host";
import type { GroundworkSettings } from "./settings";

/** The SecretStorage name of the embedding model's key (Set API Key › Embeddings). */
export const EMBEDDINGS_SECRET = "groundwork.apiKey.embeddings";

/** The SecretStorage name of the shared index's credentials, `ACCESS_KEY_ID:SECRET_ACCESS_KEY` (Set API Key › Shared index). */
export const SHARED_INDEX_SECRET = "groundwork.apiKey.sharedIndex";

/** The SecretStorage name of the reranker's key (Set API Key › Reranker). */
export const RERANKER_SECRET = "groundwork.apiKey.reranker";

export interface CodebaseSettingsDeps {
  storageDir: string;
  workerPath: string;
  logger: Logger;
  secret: (name: string) => Thenable<string | undefined>;
  /** Whether the user declined embedding with this model this session (base URL without a trailing slash). */
  declined: (baseURL: string, model: string) => boolean;
}

/** The job for the workspace's folders under these settings, and the reranker searches use. */
export async function codebaseSettings(settings: GroundworkSettings, deps: CodebaseSettingsDeps): Promise<{ job: IndexJob; rerank: Pick<CodebaseOptions, "reranker" | "search"> }> {
  const [rerank, embedding, shared] = await Promise.all([rerankerOptions(settings, deps), embeddingJob(settings, deps), sharedIndex(settings, deps)]);
  const job: IndexJob = {
    folders: workspaceFolders(),
    storageDir: deps.storageDir,
    // The indexing process parses, chunks and embeds in a worker per core, at a lower CPU priority than the editor's.
    workerPath: deps.workerPath,
    scan: { maxFileBytes: settings["index.maxFileBytes"], excludes: settings["index.exclude"], maxFiles: settings["index.maxFiles"] },
    keepGenerations: settings["index.keepGenerations"],
    shared,
    ...embedding,
  };
  return { job, rerank };
}

/** The workspace's folders as the codebase takes them. */
export function workspaceFolders(): Array<{ name: string; root: string }> {
  return (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === "file").map((folder) => ({ name: folder.name, root: folder.uri.fsPath }));
}

/** The spec an embedder is recorded and made again by (see IndexJob). */
function specOf(embedder: Embedder): Record<string, unknown> {
  const spec = (embedder as { spec?: Record<string, unknown> }).spec;
  if (!spec) throw new Error(`The embedder ${embedder.id} has no spec to hand to the indexing process.`);
  return spec;
}

/** The reranker of `groundwork.search.reranker`, with its key from SecretStorage; nothing when unset. */
async function rerankerOptions(settings: GroundworkSettings, deps: CodebaseSettingsDeps): Promise<Pick<CodebaseOptions, "reranker" | "search">> {
  const { baseURL, model } = settings["search.reranker"] ?? {};
  if (!baseURL || !model) return {};
  if (hasCredentials(baseURL)) {
    deps.logger.warn(`groundwork.search.reranker.baseURL ${URL_CREDENTIALS}: searching without the reranker.`);
    return {};
  }
  return { reranker: { baseURL, model, apiKey: await deps.secret(RERANKER_SECRET) }, search: { rerank: true } };
}

/**
 * The embedding model of `groundwork.index.embeddings`, with its key from SecretStorage, as a
 * job's part. Its vector length is asked of the server when the setting leaves it out; when the
 * server can't be reached then, the index goes on with the model it was built with (if any), and
 * says why.
 */
async function embeddingJob(settings: GroundworkSettings, deps: CodebaseSettingsDeps): Promise<Pick<IndexJob, "neural" | "embeddingKey" | "embeddingLimits" | "embeddingServers">> {
  const setting = settings["index.embeddings"] ?? {};
  const embeddingKey = await deps.secret(EMBEDDINGS_SECRET);
  const embeddingLimits = { maxInputTokens: setting.maxInputTokens, maxBatchItems: setting.maxBatchItems, concurrency: setting.concurrency };
  // Only the server the setting names gets queries, code or the key; an index built at another answers without its vectors.
  const embeddingServers = setting.baseURL && !setting.modelDir ? [setting.baseURL] : [];
  const keys = { embeddingKey, embeddingLimits, embeddingServers };
  if (setting.modelDir) {
    // A model run on this machine: nothing leaves it, so there is nothing to ask first.
    try {
      return { neural: specOf(localEmbedder({ modelDir: setting.modelDir })), ...keys };
    } catch (error) {
      deps.logger.warn(`The embedding model folder ${setting.modelDir} can't be used: ${errorMessage(error)}`);
      void vscode.window.showWarningMessage(`Groundwork: ${errorMessage(error)}`);
      return { neural: "from-index", ...keys };
    }
  }
  if (!setting.baseURL || !setting.model) return keys;
  if (deps.declined(setting.baseURL.replace(/\/+$/, ""), setting.model)) return { ...keys, embeddingServers: [] };
  try {
    // Progress comes with the indexer's progress events (embedded, cached, queued), request by request.
    const neural = await connectEmbedder({ baseURL: setting.baseURL, model: setting.model, dims: setting.dims, apiKey: embeddingKey, ...embeddingLimits });
    return { neural: specOf(neural), ...keys };
  } catch (error) {
    const message = `The embedding model ${setting.model} at ${shownUrl(setting.baseURL)} can't be used (${errorMessage(error)}); searching with the index as it is.`;
    deps.logger.warn(message);
    void vscode.window.showWarningMessage(`Groundwork: ${message}`);
    return { neural: "from-index", ...keys };
  }
}

/** The shared index of `groundwork.index.shared`, its credentials from SecretStorage (kept in memory, never logged). */
async function sharedIndex(settings: GroundworkSettings, deps: CodebaseSettingsDeps): Promise<IndexJob["shared"]> {
  const { uri, endpoint, region } = settings["index.shared"] ?? {};
  if (!uri) return undefined;
  const secret = await deps.secret(SHARED_INDEX_SECRET);
  const colon = secret?.indexOf(":") ?? -1;
  const options = { ...storageOptionsFromEnv(process.env) };
  if (secret && colon > 0) Object.assign(options, { aws_access_key_id: secret.slice(0, colon), aws_secret_access_key: secret.slice(colon + 1) });
  if (region) options.aws_region = region;
  if (endpoint) Object.assign(options, { aws_endpoint: endpoint, aws_virtual_hosted_style_request: "false", ...(endpoint.startsWith("http://") ? { allow_http: "true" } : {}) });
  return { uri, storage: options };
}
