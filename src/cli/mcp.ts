// `groundwork mcp`: Groundwork's tools (core/tools) as a Model Context Protocol server, over stdio
// (newline-delimited JSON-RPC; for Claude Code, Codex, Gemini CLI, Cursor, VS Code) or over
// streamable HTTP on 127.0.0.1 with a bearer token. The index stays fresh while the server runs: it
// is brought up to date at start, then the workspace is watched and changed files are re-indexed
// after a short pause (another process writing the same index, the VS Code extension say, is left
// to do it).
import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { type FSWatcher, watch } from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { CallToolRequestSchema, ErrorCode, isInitializeRequest, ListToolsRequestSchema, McpError } from "@modelcontextprotocol/sdk/types.js";
import { type Codebase, IndexLockedError } from "../core/codebase";
import type { AuditLog } from "../core/model/audit";
import { AGENT_TOOLS, AgentTools, ToolInputError } from "../core/tools/agentTools";
import { errorMessage, type Logger } from "../core/util/host";
import { isWithin } from "../shared/fsPaths";

const VERSION = "0.2.0";
/** File events are gathered this long after the last one before an update runs… */
const UPDATE_DEBOUNCE_MS = 300;
/** …but never longer than this after the first, so a steady stream of events can't starve it. */
const UPDATE_MAX_WAIT_MS = 1000;

/** How long a tool call waits for the workspace's first index before it answers from what is indexed so far (tests set less). */
const FIRST_INDEX_WAIT_MS = process.env.GROUNDWORK_MCP_FIRST_INDEX_WAIT_MS !== undefined ? Number(process.env.GROUNDWORK_MCP_FIRST_INDEX_WAIT_MS) : 20_000;

/** What tool calls wait for: a run building the index (at start, or after it was deleted), for a while. */
export interface IndexWait {
  /** Resolves before a call, with a note for the answer when the index is not complete yet. */
  ready(): Promise<string | undefined>;
  /** How many such runs were started: a call during which one started is answered again once it is ready. */
  readonly runs: number;
}

/** One MCP server (a session) over Groundwork's tools. */
export function mcpServer(tools: AgentTools, logger: Logger, wait: IndexWait = { ready: async () => undefined, runs: 0 }): Server {
  const server = new Server(
    { name: "groundwork", title: "Groundwork", version: VERSION },
    {
      capabilities: { tools: {} },
      instructions: "Groundwork searches this workspace's code. Start with search_code; cite results by their `path:start-end` ids; read_code reads more lines; conventions_for gives the team's rules for a file.",
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: AGENT_TOOLS.map((tool) => ({ name: tool.name, title: tool.title, description: tool.description, inputSchema: tool.inputSchema, annotations: { readOnlyHint: true } })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const { name, arguments: args } = request.params;
    if (!AGENT_TOOLS.some((tool) => tool.name === name)) {
      throw new McpError(ErrorCode.InvalidParams, `Unknown tool "${name}". The tools are ${AGENT_TOOLS.map((t) => t.name).join(", ")}.`);
    }
    try {
      // The index's status says how far a run got by itself.
      const waits = name !== "index_status";
      const runs = wait.runs;
      let note = waits ? await wait.ready() : undefined;
      let answer = await tools.call(name, args ?? {});
      // The call found the index deleted (a run now builds it again): it is answered from that run.
      if (waits && wait.runs !== runs) {
        note = await wait.ready();
        answer = await tools.call(name, args ?? {});
      }
      return { content: [{ type: "text", text: note ? `${answer.text}\n\n(${note})` : answer.text }], structuredContent: answer.data };
    } catch (error) {
      // The model sees what to fix, and can call again (MCP's input errors are tool results, not protocol errors).
      if (error instanceof ToolInputError) return { content: [{ type: "text", text: error.message }], isError: true };
      // Our own failure: the model sees what happened, the log has the details.
      logger.error(`${name} failed`, error);
      return { content: [{ type: "text", text: `Groundwork failed to answer ${name}: ${errorMessage(error)}` }], isError: true };
    }
  });
  return server;
}

export interface McpOptions {
  codebase: Codebase;
  audit?: AuditLog;
  logger: Logger;
  /** Listen for streamable HTTP on 127.0.0.1:port (0: any free port) instead of stdio. */
  httpPort?: number;
  /** Watch the workspace and re-index changed files (default true). */
  watch?: boolean;
}

/** Serves until the client goes away (stdio) or the process is stopped (HTTP). */
export async function serveMcp(options: McpOptions): Promise<void> {
  const { codebase, logger } = options;
  const tools = new AgentTools(codebase, { audit: options.audit, caller: "mcp" });
  const freshness = new IndexFreshness(codebase, logger, options.audit && path.resolve(options.audit.file));
  // The handshake does not wait for the index (a large workspace's first one takes minutes; clients
  // give up on a server that takes that long to start): tool calls do, for a while.
  freshness.start(options.watch !== false, FIRST_INDEX_WAIT_MS);
  try {
    if (options.httpPort === undefined) {
      const transport = new StdioServerTransport();
      const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
      transport.onerror = (error) => logger.warn(`MCP over stdio: ${errorMessage(error)}`);
      await mcpServer(tools, logger, freshness).connect(transport);
      process.stdin.once("end", () => void transport.close());
      await closed;
      // Closed on an error (a message over the transport's size limit): stdin, still open, would keep the process alive.
      process.stdin.destroy();
      return;
    }
    await serveHttp(tools, logger, options.httpPort, freshness);
  } finally {
    await freshness.stop();
  }
}

async function serveHttp(tools: AgentTools, logger: Logger, port: number, wait: IndexWait): Promise<void> {
  const token = randomBytes(24).toString("base64url");
  const expected = Buffer.from(`Bearer ${token}`);
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const server = http.createServer((req, res) => {
    const given = Buffer.from(req.headers.authorization ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.writeHead(401, { "content-type": "application/json", "www-authenticate": "Bearer" }).end(JSON.stringify({ error: "A bearer token is required: the one `groundwork mcp --http` printed." }));
      return;
    }
    void handle(req, res).catch((error: unknown) => {
      logger.error("MCP HTTP request failed", error);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const sessionId = req.headers["mcp-session-id"];
    const existing = typeof sessionId === "string" ? sessions.get(sessionId) : undefined;
    if (existing) return existing.handleRequest(req, res);
    const body = req.method === "POST" ? await readJson(req) : undefined;
    if (req.method !== "POST" || !isInitializeRequest(body)) {
      res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message: "No session: start with an initialize request." }, id: null }));
      return;
    }
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void sessions.set(id, transport),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await mcpServer(tools, logger, wait).connect(transport);
    await transport.handleRequest(req, res, body);
  }
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address() as import("node:net").AddressInfo;
  // Printed once; never logged elsewhere.
  process.stderr.write(`Groundwork MCP server: http://127.0.0.1:${address.port}/mcp\nAuthorization: Bearer ${token}\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** Keeps the index in step with the workspace while the server runs. */
class IndexFreshness implements IndexWait {
  private watchers: FSWatcher[] = [];
  private pending = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private firstPendingAt = 0;
  /** The run that builds the index (at start, or again after it was deleted), why, how far it got, and until when calls wait for it. */
  private building: Promise<void> | undefined;
  private built = false;
  private why = "";
  private progress: { done: number; total: number } | undefined;
  private waitMs = 0;
  private waitUntil = 0;
  runs = 0;
  /** The index was found deleted during a run: another run follows it. */
  private deletedDuringRun = false;
  private indexCheck: ReturnType<typeof setTimeout> | undefined;
  private readonly stopping = new AbortController();
  /** The update in progress (file events), awaited on stop. */
  private updating: Promise<void> = Promise.resolve();
  private readonly unsubscribe: () => void;

  constructor(private readonly codebase: Codebase, private readonly logger: Logger, private readonly auditFile: string | undefined) {
    this.unsubscribe = codebase.onIndexDeleted((folders) => {
      this.logger.warn(`The index of ${folders.join(", ")} was deleted while the server ran; it is built again.`);
      if (this.built) this.build("The index was deleted while the server ran and is being built again");
      else this.deletedDuringRun = true;
    });
  }

  /** Starts bringing the index up to date (a run, in the background), then watches the workspace. */
  start(watching: boolean, waitMs: number): void {
    this.waitMs = waitMs;
    this.build("The workspace's first index is still being built");
    if (!watching) return;
    for (const folder of this.codebase.folders) {
      try {
        const watcher = watch(folder.root, { recursive: true }, (_event, name) => {
          if (!name) return;
          const absPath = path.join(folder.root, name.toString());
          // The index's own folder never needs indexing, but it may have been deleted.
          if (isWithin(folder.dbPath, absPath)) return this.checkIndexSoon();
          // The audit log and version control's files neither.
          if (absPath === this.auditFile || /(^|[\\/])\.git([\\/]|$)/.test(name.toString())) return;
          if (this.pending.size === 0) this.firstPendingAt = Date.now();
          this.pending.add(absPath);
          // During a run that builds the index, events wait for its end.
          if (this.built) this.schedule();
        });
        // A folder that went while it was being read (a build's temporary folder) is no loss; anything else is said.
        watcher.on("error", (error: NodeJS.ErrnoException) => {
          if (error.code === "ENOENT") this.logger.debug(`Watching ${folder.root}: ${errorMessage(error)}`);
          else this.logger.warn(`Watching ${folder.root} failed (${errorMessage(error)}); changes there may be missed until the server starts again.`);
        });
        this.watchers.push(watcher);
      } catch (error) {
        this.logger.warn(`Cannot watch ${folder.root} (${errorMessage(error)}); the index is brought up to date only at start.`);
      }
    }
  }

  /** A run that builds the index; tool calls wait for it (see ready), for `waitMs` from now. */
  private build(why: string): void {
    this.runs++;
    this.built = false;
    this.why = why;
    this.progress = undefined;
    this.waitUntil = Date.now() + this.waitMs;
    this.building = this.write(() => this.codebase.index({
      signal: this.stopping.signal,
      onProgress: ({ progress }) => void (this.progress = { done: progress.filesDone, total: progress.filesTotal }),
    })).then(() => {
      this.built = true;
      if (this.deletedDuringRun && !this.stopping.signal.aborted) {
        this.deletedDuringRun = false;
        return this.build("The index was deleted while the server ran and is being built again");
      }
      // What changed meanwhile, in one update (that run read most of it already).
      if (this.pending.size > 0) this.schedule();
    });
  }

  /** Something changed in the index's folder: after a pause, look whether the index is still there (see Codebase.onIndexDeleted). */
  private checkIndexSoon(): void {
    if (this.indexCheck || !this.built) return;
    this.indexCheck = setTimeout(() => {
      this.indexCheck = undefined;
      void this.codebase.refresh({ generationsOnly: true }).catch((error: unknown) => this.logger.debug(`Reading the index's folder failed: ${errorMessage(error)}`));
    }, UPDATE_DEBOUNCE_MS);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(UPDATE_DEBOUNCE_MS, this.firstPendingAt + UPDATE_MAX_WAIT_MS - Date.now()));
    this.timer = setTimeout(() => void this.flush(), wait);
  }

  private flush(): Promise<void> {
    const paths = [...this.pending];
    this.pending.clear();
    if (this.stopping.signal.aborted) return this.updating;
    this.updating = this.updating.then(() => this.write(() => this.codebase.update(paths, { signal: this.stopping.signal })));
    return this.updating;
  }

  /** A write that another process may be doing already (it holds the lock): then nothing to do. */
  private async write(task: () => Promise<unknown>): Promise<void> {
    if (this.codebase.unavailable) return;
    try {
      await task();
    } catch (error) {
      if (error instanceof IndexLockedError) this.logger.debug(`Another process is updating the index: ${error.message}`);
      else this.logger.warn(`Could not update the index: ${errorMessage(error)}`);
    }
  }

  /** Resolves once the run building the index is done, or (`waitMs` after it started, for all calls together) with a note saying how far it got. */
  async ready(): Promise<string | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const ms = Math.max(0, this.waitUntil - Date.now());
    const done = await Promise.race([this.building?.then(() => true) ?? true, new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
    clearTimeout(timer);
    if (done) return undefined;
    const progress = this.progress && this.progress.total > 0 ? `: ${this.progress.done} of ${this.progress.total} files so far` : "";
    return `${this.why}${progress}; this answer covers what is indexed until now.`;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.unsubscribe();
    clearTimeout(this.timer);
    clearTimeout(this.indexCheck);
    for (const watcher of this.watchers) watcher.close();
    await this.building;
    await this.updating;
  }
}
