// The `groundwork` command: index, search, status, ask, compare and eval, on the core alone.
import { createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline";
import { Codebase, type CodebaseOptions, isRemoteUri, maintainsApart, connectEmbedder, parseStorageOptions, storageOptionsFromEnv, useStorage, createEmbedder, type Embedder, embedderFactory, inputCutNote, localEmbedder, type SearchMode, toResultLine } from "../core/codebase";
import { formatHistoryReport, runHistoryEval } from "../core/eval/historyEval";
import { formatReport, runEval } from "../core/eval/runEval";
import { ProfileError } from "../core/model/profiles";
import { errorMessage, hasCredentials, type Logger, shownUrl, URL_CREDENTIALS } from "../core/util/host";
import { type IndexStep, MAINTAINED } from "./allocator";
import { ask, auditLogFor, CliModelError, compare, type ModelFlags } from "./ask";
import { namedEmbeddingServers, rememberEmbeddingServer } from "./embeddingServers";
import { serveMcp } from "./mcp";
import { dataset, modelEval } from "./tune";
import { parseCommand, UsageError } from "./options";
import { formatHits, progressPrinter, summary } from "./output";
import { withScratch } from "./scratch";

const USAGE = `Usage:
  groundwork index <dir> [--db PATH] [--max-file-bytes N] [--max-files N]
    [--embedder openai --embedding-base-url URL --embedding-model NAME [--embedding-dims N] [--embedding-max-input-tokens N]
     | --embedder transformers --embedding-model-dir DIR | --embedder builtin]
    (an OpenAI-compatible embedding model's vectors go beside the builtin ones; key from
     GROUNDWORK_EMBEDDING_API_KEY or OPENAI_API_KEY; other commands use the index's own embedder)
  groundwork search "<query>" --workspace <dir> [--db PATH] [-k 10] [--json] [--expand] [--mode hybrid|vector|text]
  groundwork search --batch QUERIES.jsonl --workspace <dir> [--db PATH] [-k 10] [--expand] [--mode hybrid|vector|text]
    (search, ask and compare: --rerank-url URL --rerank-model NAME rerank through a /v1/rerank server;
     its key from GROUNDWORK_RERANK_API_KEY)
  groundwork status --workspace <dir> [--db PATH] [--json]
  groundwork ask "<question>" --workspace <dir> [--models FILE] [--model ID] [--base-url URL --model-name NAME] [--file PATH] [--json]
  groundwork compare "<question>" --workspace <dir> --models FILE --model ID (--against ID | --without-retrieval) [--json]
    (API key: GROUNDWORK_API_KEY or OPENAI_API_KEY; the audit log is written next to the index)
  groundwork eval --corpus <dir> --lang <python|javascript|typescript> [--sample N] [--out FILE.json]
  groundwork eval --history <git repo> [--max-queries 150] [--no-grep] [--out FILE.json]
    [--embedder openai --embedding-base-url URL --embedding-model NAME [--embedding-dims N]]
    (queries: commit messages; answers: the 1-3 source files each commit changed; index: HEAD)
  groundwork dataset --workspace <dir> --out <dir> [--format openai-chat|prompt-completion|fim] [--fim-preset NAME]
    [--test-share 0.1] [--split file|recent] [--with-retrieval] [--max-examples N] [--seed S] [--max-tokens 4096]
    (fine-tuning data from the workspace's code: train.jsonl, test.jsonl and a dataset card, README.md)
  groundwork model-eval --workspace <dir> --models FILE --model A [--against B] [--tasks 40] [--retrieval both|on|off]
    [--concurrency 2] [--out DIR] [--seed S] [--test-share 0.1] [--split file|recent]
    (each model fills held-out function bodies with and without retrieved context; resumable; report.md in --out)
    (every command: --db s3://bucket/prefix writes or reads an index on object storage; --shared-index
     s3://bucket/prefix reads one with a local overlay; credentials from AWS_ACCESS_KEY_ID,
     AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, AWS_ENDPOINT_URL; --storage-option key=value)
  groundwork mcp --workspace <dir> [--workspace <dir> ... --storage DIR] [--db PATH] [--http PORT] [--no-watch]
    (a Model Context Protocol server over stdio, or streamable HTTP on 127.0.0.1 with a bearer token)`;

const stderrLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: (message) => process.stderr.write(`${message}\n`),
  warn: (message) => process.stderr.write(`warning: ${message}\n`),
  error: (message, error) => process.stderr.write(`error: ${message}${error ? `: ${errorMessage(error)}` : ""}\n`),
};

/** The builtin embedder, whose vectors every index has (a neural one goes beside it: neuralOptions). */
function makeEmbedder(name: string | undefined): Embedder {
  try {
    return createEmbedder(name === "openai" || name === "transformers" ? undefined : name);
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
}

/**
 * The embedding API's key, for the CLI: from the environment only, never stored. Set, even empty,
 * GROUNDWORK_EMBEDDING_API_KEY is the answer (agent mode's MCP server gets the extension's key, or
 * none: never OPENAI_API_KEY sent to another company's server).
 */
function embeddingKey(): string | undefined {
  const own = process.env.GROUNDWORK_EMBEDDING_API_KEY;
  return own !== undefined ? own || undefined : process.env.OPENAI_API_KEY || undefined;
}

/**
 * The neural embedder: `--embedder openai` with its endpoint and model; `--embedder builtin`:
 * none (an index built with one switches back); neither: the one the index was built with.
 */
async function neuralOptions(values: Record<string, unknown>, signal?: AbortSignal): Promise<Pick<CodebaseOptions, "neural" | "embedderFor">> {
  // Recorded servers are used only when this user named them (embeddingServers.ts).
  const baseURLFlag = values["embedding-base-url"] as string | undefined;
  const embedderFor = embedderFactory(embeddingKey, {}, {}, [...namedEmbeddingServers(), ...(baseURLFlag ? [baseURLFlag] : [])]);
  const name = values.embedder as string | undefined;
  const baseURL = values["embedding-base-url"] as string | undefined;
  const model = values["embedding-model"] as string | undefined;
  const dimsFlag = values["embedding-dims"] as string | undefined;
  const maxInputFlag = values["embedding-max-input-tokens"] as string | undefined;
  const modelDir = values["embedding-model-dir"] as string | undefined;
  if (name === "transformers") {
    if (!modelDir) throw new UsageError("--embedder transformers needs --embedding-model-dir (a model folder with config.json, its tokenizer and onnx/model.onnx).");
    try {
      return { neural: localEmbedder({ modelDir }), embedderFor };
    } catch (error) {
      throw new UsageError(errorMessage(error));
    }
  }
  if (modelDir) throw new UsageError("--embedding-model-dir goes with --embedder transformers.");
  if (name !== "openai") {
    if (baseURL || model || dimsFlag || maxInputFlag) throw new UsageError("--embedding-base-url, --embedding-model, --embedding-dims and --embedding-max-input-tokens go with --embedder openai.");
    // `--embedder builtin`: the builtin vectors only, even where the index holds a model's: nothing goes to its server.
    return name === "builtin" ? {} : { neural: "from-index", embedderFor };
  }
  if (!baseURL || !model) throw new UsageError("--embedder openai needs --embedding-base-url (the server's URL up to /v1) and --embedding-model.");
  if (!/^https?:\/\//.test(baseURL)) throw new UsageError(`--embedding-base-url must be an http(s) URL up to /v1, not "${shownUrl(baseURL)}".`);
  if (hasCredentials(baseURL)) throw new UsageError(`--embedding-base-url ${URL_CREDENTIALS}: GROUNDWORK_EMBEDDING_API_KEY.`);
  const dims = dimsFlag === undefined ? undefined : Number(dimsFlag);
  if (dims !== undefined && !(Number.isInteger(dims) && dims > 0)) throw new UsageError("--embedding-dims must be a positive integer.");
  // The model's input limit in tokens (a 512-token model refuses longer chunks): longer inputs are cut to it.
  const maxInputTokens = maxInputFlag === undefined ? undefined : Number(maxInputFlag);
  if (maxInputTokens !== undefined && !(Number.isInteger(maxInputTokens) && maxInputTokens > 0)) throw new UsageError("--embedding-max-input-tokens must be a positive integer.");
  const onRetry = (error: unknown, waitMs: number, attempt: number): void =>
    void process.stderr.write(`groundwork: the embedding server failed (${errorMessage(error)}); trying again in ${(waitMs / 1000).toFixed(1)} s (attempt ${attempt + 1})\n`);
  const onInputCut = (from: number, to: number, error: unknown): void => void process.stderr.write(`groundwork: ${inputCutNote(from, to, error, "--embedding-max-input-tokens")}\n`);
  try {
    const neural = await connectEmbedder({ baseURL, model, dims, maxInputTokens, apiKey: embeddingKey(), maxRetries: 4 }, { onRetry, onInputCut }, signal);
    const notRemembered = rememberEmbeddingServer(baseURL);
    if (notRemembered) process.stderr.write(`groundwork: ${notRemembered}\n`);
    return { neural, embedderFor };
  } catch (error) {
    throw new Error(`Could not use the embedding model ${model} at ${baseURL}: ${errorMessage(error)}`);
  }
}

/** The bundled CLI parses, chunks and embeds in workers (dist/worker.js), beside its own thread's writes. */
function workerPath(): string | undefined {
  const file = path.join(__dirname, "worker.js");
  return existsSync(file) ? file : undefined;
}

/** `signal`: stops asking the embedding model for its vectors' length (Ctrl-C). */
async function openCodebase(workspace: string | string[] | undefined, values: Record<string, unknown>, signal?: AbortSignal): Promise<Codebase> {
  const workspaces = (Array.isArray(workspace) ? workspace : workspace ? [workspace] : []).map((dir) => path.resolve(dir));
  try {
    useStorage([values.db as string | undefined, values["shared-index"] as string | undefined],
      { ...storageOptionsFromEnv(process.env), ...parseStorageOptions((values["storage-option"] as string[] | undefined) ?? []) });
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
  if (workspaces.length === 0) throw new UsageError("Missing workspace folder.");
  const db = values.db as string | undefined;
  if (db && !isRemoteUri(db) && statSync(db, { throwIfNoEntry: false })?.isFile()) throw new UsageError(`--db ${db} is a file: it names the folder the index is kept in.`);
  for (const dir of workspaces) {
    const stat = statSync(dir, { throwIfNoEntry: false });
    if (!stat) throw new UsageError(`Workspace folder ${dir} does not exist.`);
    if (!stat.isDirectory()) throw new UsageError(`${dir} is not a folder: the workspace is a folder to index.`);
  }
  if (workspaces.length > 1 && values.db) throw new UsageError("--db names one folder's index; with several --workspace folders, use --storage DIR.");
  const maxFileBytes = values["max-file-bytes"] ? Number(values["max-file-bytes"]) : undefined;
  if (maxFileBytes !== undefined && !(maxFileBytes > 0)) throw new UsageError("--max-file-bytes must be a positive number.");
  const maxFiles = values["max-files"] ? Number(values["max-files"]) : undefined;
  if (maxFiles !== undefined && !(Number.isInteger(maxFiles) && maxFiles > 0)) throw new UsageError("--max-files must be a positive integer.");
  return Codebase.open({
    folders: workspaces.map((root) => ({ name: path.basename(root), root, dbPath: values.db as string | undefined })),
    storageDir: values.storage as string | undefined,
    embedder: makeEmbedder(values.embedder as string | undefined), workerPath: workerPath(), scan: { maxFileBytes, maxFiles }, logger: stderrLogger,
    ...rerankerOptions(values), ...(await neuralOptions(values, signal)), shared: values["shared-index"] as string | undefined,
  });
}

/** `--rerank-url` and `--rerank-model`: every search of the command is reranked through that server. */
function rerankerOptions(values: Record<string, unknown>): Pick<CodebaseOptions, "reranker" | "search"> {
  const url = values["rerank-url"] as string | undefined;
  const model = values["rerank-model"] as string | undefined;
  if (!url && !model) return {};
  if (!url || !model) throw new UsageError("--rerank-url and --rerank-model go together: the server's /v1 URL and the reranking model's name.");
  if (!/^https?:\/\//.test(url)) throw new UsageError(`--rerank-url must be an http(s) URL up to /v1, not "${shownUrl(url)}".`);
  if (hasCredentials(url)) throw new UsageError(`--rerank-url ${URL_CREDENTIALS}: GROUNDWORK_RERANK_API_KEY.`);
  return { reranker: { baseURL: url, model, apiKey: process.env.GROUNDWORK_RERANK_API_KEY }, search: { rerank: true } };
}

/**
 * Indexes first when there is no index yet, or files lean on a shared index that no longer answers for them (CI changed or
 * deleted them since: searched nowhere). Where the index can't work here, a command that needs it fails with the reason; ask and compare go on.
 */
async function ensureIndexed(codebase: Codebase, needsIndex: boolean): Promise<void> {
  if (codebase.unavailable && needsIndex) throw new Error(codebase.unavailable);
  if (codebase.unavailable) return void process.stderr.write(`warning: ${codebase.unavailable}\n`);
  const [folder] = codebase.folders;
  const stale = codebase.sharedIndex ? (await codebase.status())[0]?.shared : undefined;
  if (stale?.stale && stale.problem) return void process.stderr.write(`warning: ${stale.stale} files of ${folder.root} lean on the shared index, which is not used: they are not searched (\`groundwork index\` indexes them here).\n`);
  if (stale?.stale) process.stderr.write(`The shared index changed since this checkout's overlay was updated: indexing the ${stale.stale} files it no longer holds as they are here.\n`);
  else if ((await codebase.summary()).files > 0) return;
  else process.stderr.write(`No index yet at ${folder.dbPath}: indexing ${folder.root} first.\n`);
  const printer = progressPrinter();
  process.stderr.write(summary((await codebase.index({ onProgress: (event) => printer(event.progress) }))[0]) + "\n");
  await codebase.maintenanceIdle();
}

function searchMode(value: unknown): SearchMode {
  const mode = (value as string | undefined) ?? "hybrid";
  if (mode !== "hybrid" && mode !== "vector" && mode !== "text") throw new UsageError("--mode must be hybrid, vector or text.");
  return mode;
}

/** `abort`: aborted by Ctrl-C in a command that can stop cleanly. */
async function main(argv: string[], abort: AbortController, step?: IndexStep): Promise<number> {
  const parsed = parseCommand(argv);
  if (parsed.command === undefined) {
    process.stdout.write(USAGE + "\n");
    return parsed.help ? 0 : 2;
  }
  const { command, values, positionals: rest } = parsed;
  if (values.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  const limit = values.k ? Number(values.k) : 10;
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError("-k must be a positive integer.");
  // Ctrl-C stops a run that can stop cleanly (an index, a model's answer); other commands end at once, as usual.
  // (The index's maintenance in a process of its own just ends: the next run does what it left.)
  if (["index", "ask", "compare", "dataset", "model-eval"].includes(command) && step !== "maintain") process.once("SIGINT", () => abort.abort());

  if (command === "index") {
    if (rest.length > 1 || (rest.length === 1 && values.workspace !== undefined)) throw new UsageError("`groundwork index` indexes one folder: give it once, as an argument or with --workspace.");
    const codebase = await openCodebase(rest[0] ?? (values.workspace as string | undefined), values, abort.signal);
    try {
      // In two processes (allocator.ts), the second maintains what the first indexed, unless the
      // first could do it at little cost in memory (a smaller index) and told its parent so.
      if (step === "maintain") return await codebase.maintain().then(() => 0);
      const printer = progressPrinter();
      const [result] = await codebase.index({ signal: abort.signal, onProgress: (event) => printer(event.progress), maintain: step !== "index" });
      if (step === "index" && !result.cancelled && !maintainsApart([result])) {
        await codebase.maintain();
        // Handed to the channel before this process may end.
        await new Promise<void>((resolve) => (process.send ? process.send(MAINTAINED, undefined, {}, () => resolve()) : resolve()));
      }
      await codebase.maintenanceIdle();
      process.stdout.write(summary(result) + "\n");
      return result.cancelled ? 130 : 0;
    } finally {
      codebase.close();
    }
  }
  if (command === "search") {
    // The command line is checked before a workspace without an index is indexed.
    const options = { limit, mode: searchMode(values.mode), expand: values.expand === true };
    const batch = typeof values.batch === "string" ? values.batch : undefined;
    const query = rest.join(" ").trim();
    if (batch !== undefined && query) throw new UsageError("Give a query or --batch FILE, not both.");
    if (batch !== undefined) checkBatchFile(batch);
    else if (!query) throw new UsageError("Missing query.");
    const codebase = await openCodebase(values.workspace as string | undefined, values);
    try {
      await ensureIndexed(codebase, true);
      if (batch !== undefined) return await searchBatch(codebase, batch, options);
      const hits = await codebase.search(query, options);
      process.stdout.write((values.json ? JSON.stringify(hits.map(toResultLine), null, 2) : formatHits(hits)) + "\n");
      return 0;
    } finally {
      codebase.close();
    }
  }
  if (command === "status") {
    const codebase = await openCodebase((values.workspace as string | undefined) ?? rest[0], values);
    try {
      const [status] = await codebase.status();
      if (values.json) process.stdout.write(JSON.stringify(status, null, 2) + "\n");
      else {
        process.stdout.write(
          `workspace: ${status.root}\nindex: ${status.dbPath}\nembedder: ${status.embedder}\n` +
            `files: ${status.filesIndexed}\nchunks: ${status.chunks}\nlast updated: ${status.lastUpdated ?? "never"}\n` +
            `vector index: ${status.vectorIndex ? `${status.vectorIndex.indexed} rows (${status.vectorIndex.unindexed} searched flat beside it)` : "none (flat search)"}\n` +
            (status.commit ? `commit: ${status.commit}\n` : "") +
            (status.shared ? `shared index: ${status.shared.uri}${status.shared.problem ? ` (not used: ${status.shared.problem})` : `, ${status.shared.files} files${status.shared.commit ? ` at ${status.shared.commit.slice(0, 12)}` : ""}; ${status.shared.overlaid} overlaid here`}` +
              `${status.shared.stale ? `; ${status.shared.stale} not searched until the next run indexes them here` : ""}\n` : "") +
            (status.generation ? `index generation: ${status.generation.fingerprint.slice(0, 16) || "from an older version"} (searches: ${status.generation.searches})\n` : "") +
            (status.rebuilding ? `rebuilding: ${status.rebuilding.reason}; ${status.rebuilding.filesDone} files so far\n` : "") +
            `skipped: ${status.skipped.length}\n` + status.skipped.map((r) => `  ${r.path}: ${r.reason}\n`).join("") +
            `failed: ${status.failed.length}\n` + status.failed.map((r) => `  ${r.path}: ${r.reason}\n`).join("") +
            (status.generation ? "" : `No index yet: \`groundwork index ${status.root}${values.db ? ` --db ${values.db as string}` : ""}${values["shared-index"] ? ` --shared-index ${values["shared-index"] as string}` : ""}\` builds it (a search builds it first too).\n`),
        );
      }
      return 0;
    } finally {
      codebase.close();
    }
  }
  if (command === "ask" || command === "compare") {
    const question = rest.join(" ").trim();
    if (!question) throw new UsageError("Missing question.");
    const codebase = await openCodebase(values.workspace as string | undefined, values);
    try {
      await ensureIndexed(codebase, false);
      return await (command === "ask" ? ask : compare)(codebase, question, values as ModelFlags, stderrLogger, abort.signal);
    } catch (error) {
      if (error instanceof CliModelError || error instanceof ProfileError) throw new UsageError(error.message);
      throw error;
    } finally {
      codebase.close();
    }
  }
  if (command === "dataset" || command === "model-eval") {
    const codebase = await openCodebase(values.workspace as string | undefined, values);
    try {
      const run = command === "dataset" ? dataset : modelEval;
      return await run(codebase, values, abort.signal, { argv, ensureIndexed: (needed) => ensureIndexed(codebase, needed), logger: stderrLogger });
    } finally {
      codebase.close();
    }
  }
  if (command === "mcp") {
    const port = values.http === undefined ? undefined : Number(values.http);
    if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) throw new UsageError("--http takes a port number (0: any free port).");
    const codebase = await openCodebase(values.workspace as string[] | undefined, values);
    try {
      await serveMcp({ codebase, audit: auditLogFor(codebase, stderrLogger), logger: stderrLogger, httpPort: port, watch: values["no-watch"] !== true });
      return 0;
    } finally {
      codebase.close();
    }
  }
  return evaluate(values);
}

function writeReport(file: unknown, report: object): void {
  if (typeof file !== "string") return;
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, JSON.stringify({ ...report, date: new Date().toISOString() }, null, 2) + "\n");
}

async function evaluate(values: Record<string, unknown>): Promise<number> {
  if (values.history !== undefined) return evaluateHistory(values);
  const corpus = values.corpus as string | undefined;
  const language = values.lang as string | undefined;
  if (!corpus || !statSync(corpus, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError("--corpus must be an existing folder.");
  if (language !== "python" && language !== "javascript" && language !== "typescript") throw new UsageError("--lang must be python, javascript or typescript.");
  const sample = values.sample ? Number(values.sample) : undefined;
  if (sample !== undefined && !(sample > 0)) throw new UsageError("--sample must be a positive number.");
  return withScratch(async (workDir) => {
    const report = await runEval({
      corpus: path.resolve(corpus), language, workDir, sample, embedder: makeEmbedder(values.embedder as string | undefined), workerPath: workerPath(),
      onProgress: (message) => process.stderr.write(`${message}\n`),
    });
    process.stdout.write(formatReport(report) + "\n");
    writeReport(values.out, report);
    return 0;
  });
}

async function evaluateHistory(values: Record<string, unknown>): Promise<number> {
  const repo = values.history as string;
  if (!statSync(path.join(repo, ".git"), { throwIfNoEntry: false })) throw new UsageError(`--history must be a git repository's folder; ${repo} has no .git.`);
  const maxQueries = values["max-queries"] ? Number(values["max-queries"]) : undefined;
  if (maxQueries !== undefined && !(Number.isInteger(maxQueries) && maxQueries > 0)) throw new UsageError("--max-queries must be a positive integer.");
  return withScratch(async (workDir, signal) => {
    const { neural } = await neuralOptions(values, signal);
    const report = await runHistoryEval({
      repo, workDir, maxQueries, signal, embedder: makeEmbedder(values.embedder as string | undefined), workerPath: workerPath(), noGrep: values["no-grep"] === true,
      neural: neural === "from-index" ? undefined : neural,
      onProgress: (message) => process.stderr.write(`${message}\n`),
    });
    process.stdout.write(formatHistoryReport(report) + "\n");
    writeReport(values.out, report);
    return 0;
  });
}

function checkBatchFile(file: string): void {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat) throw new UsageError(`--batch ${file}: no such file.`);
  if (stat.isDirectory()) throw new UsageError(`--batch ${file} is a folder: it names a JSON Lines file (or a pipe) of {"id", "query"} objects.`);
}

async function searchBatch(codebase: Codebase, file: string, options: { limit: number; mode: SearchMode; expand: boolean }): Promise<number> {
  const lines = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (!line.trim()) continue;
    let request: { id?: unknown; query?: unknown };
    try {
      request = JSON.parse(line);
    } catch {
      throw new UsageError(`${file}:${lineNumber}: not valid JSON.`);
    }
    if (typeof request !== "object" || request === null || Array.isArray(request) || typeof request.query !== "string" || !request.query.trim()) {
      throw new UsageError(`${file}:${lineNumber}: each line is an object whose "query" is a string (not empty).`);
    }
    const hits = await codebase.search(request.query, options);
    // A line without an id is answered with its line number, so answers can be matched to questions.
    process.stdout.write(JSON.stringify({ id: request.id ?? lineNumber, results: hits.map(toResultLine) }) + "\n");
  }
  return 0;
}

/** Runs one `groundwork` command line (the arguments after the script) to its exit code; `step`: one step of `groundwork index` (allocator.ts). */
export function runCli(argv: string[], step?: IndexStep): Promise<number> {
  const abort = new AbortController();
  return main(argv, abort, step).catch((error: unknown) => {
    // Ctrl-C in the middle of a request (the embedding model's, a model's answer): cancelled, not failed.
    if (abort.signal.aborted && !(error instanceof UsageError)) {
      process.stderr.write("groundwork: cancelled\n");
      return 130;
    }
    process.stderr.write(`groundwork: ${errorMessage(error)}\n`);
    if (error instanceof UsageError) process.stderr.write(USAGE + "\n");
    return error instanceof UsageError ? 2 : 1;
  });
}
