// The CLI's options, per subcommand: each takes only its own (anything else is a usage error),
// and the workspace and index options mean the same wherever they appear.
import { parseArgs, type ParseArgsConfig } from "node:util";

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;

const WORKSPACE: Options = {
  workspace: { type: "string", short: "w" },
  db: { type: "string" },
  embedder: { type: "string" },
  // An index on object storage (--db s3://… to write one, --shared-index s3://… to read one): its options beyond AWS_* variables.
  "storage-option": { type: "string", multiple: true },
  "shared-index": { type: "string" },
};
const INDEXING: Options = { "max-file-bytes": { type: "string" }, "max-files": { type: "string" } };
// With --embedder openai: the endpoint, the model and (optionally) the vector length. Other commands read them from the index.
const EMBEDDING: Options = { "embedding-base-url": { type: "string" }, "embedding-model": { type: "string" }, "embedding-dims": { type: "string" }, "embedding-max-input-tokens": { type: "string" }, "embedding-model-dir": { type: "string" } };
const RERANK: Options = { "rerank-url": { type: "string" }, "rerank-model": { type: "string" } };
const MODELS: Options = {
  models: { type: "string" },
  model: { type: "string" },
  "base-url": { type: "string" },
  "model-name": { type: "string" },
  file: { type: "string" },
  json: { type: "boolean" },
};

export const COMMAND_OPTIONS: Record<string, Options> = {
  index: { ...WORKSPACE, ...INDEXING, ...EMBEDDING },
  search: { ...WORKSPACE, ...INDEXING, ...RERANK, k: { type: "string", short: "k" }, json: { type: "boolean" }, batch: { type: "string" }, expand: { type: "boolean" }, mode: { type: "string" } },
  status: { ...WORKSPACE, json: { type: "boolean" } },
  ask: { ...WORKSPACE, ...INDEXING, ...RERANK, ...MODELS },
  compare: { ...WORKSPACE, ...INDEXING, ...RERANK, ...MODELS, against: { type: "string" }, "without-retrieval": { type: "boolean" } },
  eval: {
    corpus: { type: "string" }, lang: { type: "string" }, sample: { type: "string" }, out: { type: "string" }, embedder: { type: "string" },
    history: { type: "string" }, "max-queries": { type: "string" }, "no-grep": { type: "boolean" }, ...EMBEDDING,
  },
  dataset: {
    ...WORKSPACE, ...INDEXING, out: { type: "string" }, format: { type: "string" }, "fim-preset": { type: "string" }, "test-share": { type: "string" },
    split: { type: "string" }, "with-retrieval": { type: "boolean" }, "max-examples": { type: "string" }, seed: { type: "string" }, "max-tokens": { type: "string" },
  },
  "model-eval": {
    ...WORKSPACE, ...INDEXING, models: { type: "string" }, model: { type: "string" }, against: { type: "string" }, tasks: { type: "string" },
    retrieval: { type: "string" }, concurrency: { type: "string" }, out: { type: "string" }, seed: { type: "string" }, "test-share": { type: "string" }, split: { type: "string" },
  },
  mcp: {
    ...WORKSPACE, ...INDEXING, ...RERANK,
    // Several folders (a multi-root workspace): --workspace once each, their indexes under --storage.
    workspace: { type: "string", short: "w", multiple: true },
    storage: { type: "string" },
    http: { type: "string" },
    "no-watch": { type: "boolean" },
  },
};

export interface ParsedCommand {
  command: string;
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** The subcommand and its options; undefined command for a bare `--help` or nothing at all. */
export function parseCommand(argv: readonly string[]): ParsedCommand | { command: undefined; help: boolean } {
  const first = argv.findIndex((arg) => !arg.startsWith("-"));
  const command = first === -1 ? undefined : argv[first];
  if (command === undefined) return { command: undefined, help: argv.includes("--help") || argv.includes("-h") };
  const options = COMMAND_OPTIONS[command];
  if (!options) throw new UsageError(`Unknown command "${command}".`);
  const args = [...argv.slice(0, first), ...argv.slice(first + 1)];
  try {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { ...options, help: { type: "boolean", short: "h" } } });
    return { command, values: values as ParsedCommand["values"], positionals };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== "ERR_PARSE_ARGS_UNKNOWN_OPTION" && code !== "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") throw error;
    const taken = Object.keys(options).map((name) => (name.length === 1 ? `-${name}` : `--${name}`)).join(", ");
    // Node's first sentence ("Option '-k' argument is ambiguous" for `-k -1`), without its advice on other lines.
    throw new UsageError(`${(error as Error).message.split(/\.(?:\s|$)/)[0]}: \`groundwork ${command}\` takes ${taken}.`);
  }
}
