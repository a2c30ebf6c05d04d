// `groundwork mcp` (the built CLI) driven by clients that are not ours: the MCP SDK's client over
// stdio and over streamable HTTP, and a plain newline-delimited JSON-RPC exchange.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CLI, copyTree, endProcess, POLYGLOT, removeTree, tempDir, writeTree } from "../helpers/workspace";
import { FAKE_SECRETS } from "../support/fakeSecrets";

type ToolResult = { content: Array<{ type: string; text?: string }>; structuredContent?: Record<string, unknown>; isError?: boolean };

const text = (result: unknown): string => (result as ToolResult).content.map((part) => part.text ?? "").join("");

/** Searches every 250 ms until the answer names `file` (the watcher has indexed it), for up to 30 s; the last answer. */
async function searchUntilFound(client: Client, query: string, file: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  let found = "";
  while (Date.now() < deadline && !found.includes(file)) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    found = text(await client.callTool({ name: "search_code", arguments: { query, k: 1 } }));
  }
  return found;
}

describe("groundwork mcp over stdio (the SDK's client)", () => {
  let ws: string;
  let client: Client;

  before(async () => {
    ws = tempDir("gw-mcp-");
    copyTree(POLYGLOT, ws);
    writeTree(ws, {
      "AGENTS.md": "Rule for agents: keep functions short.\n",
      "deploy/settings.py": `def deploy_credentials():\n    ${FAKE_SECRETS[0].line}\n    ${FAKE_SECRETS[2].line}\n    return aws_id\n`,
    });
    client = new Client({ name: "test-client", version: "1.0.0" });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, "mcp", "--workspace", ws], stderr: "ignore" }));
  });

  after(async () => {
    await client.close();
    removeTree(ws);
  });

  it("lists its six tools, each with a JSON schema and a description for models", async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name), ["search_code", "get_definition", "find_references", "read_code", "conventions_for", "index_status"]);
    for (const tool of tools) {
      assert.equal(tool.inputSchema.type, "object");
      assert.ok((tool.description ?? "").length > 40, tool.name);
    }
  });

  it("search_code: ranked code with citation ids, symbols, why, within a token budget, filtered by a path glob", async () => {
    const result = await client.callTool({ name: "search_code", arguments: { query: "bounded queue offer item", k: 3 } }) as ToolResult;
    assert.match(text(result), /^\[lib\/Queue\.java:5-27\] class BoundedQueue \(vector #1, keyword #1/);
    const results = result.structuredContent!.results as Array<{ citation: string; code: string; why: string; kinds: string[]; symbols: string[] }>;
    assert.equal(results[0].citation, "lib/Queue.java:5-27");
    assert.deepEqual([results[0].kinds, results[0].symbols], [["class"], ["BoundedQueue"]]);
    assert.match(results[0].code, /public boolean offer\(T item\)/);
    const small = await client.callTool({ name: "search_code", arguments: { query: "bounded queue offer item", k: 5, max_tokens: 200 } });
    assert.ok(text(small).length < 1200, "the budget holds");
    const onlyPython = await client.callTool({ name: "search_code", arguments: { query: "queue item retry", path: "**/*.py" } }) as ToolResult;
    const paths = (onlyPython.structuredContent!.results as Array<{ path: string }>).map((r) => r.path);
    assert.ok(paths.length > 0 && paths.every((p) => p.endsWith(".py")), paths.join(", "));
  });

  it("get_definition and find_references answer from the index", async () => {
    assert.match(text(await client.callTool({ name: "get_definition", arguments: { symbol: "BoundedQueue" } })), /^\[lib\/Queue\.java:5-27\] class BoundedQueue \(definition\)/);
    const references = await client.callTool({ name: "find_references", arguments: { symbol: "Point" } }) as ToolResult;
    const places = (references.structuredContent!.references as Array<{ citation: string; symbols: string[] }>);
    assert.ok(places.some((p) => p.symbols.includes("distance")), JSON.stringify(places.map((p) => p.citation)));
    assert.ok(!places.some((p) => p.symbols.includes("Point")), "the definition itself is not a use");
  });

  it("read_code reads exact lines and refuses what is outside the workspace, ignored or secret", async () => {
    const read = await client.callTool({ name: "read_code", arguments: { citation: "lib/Queue.java:5-6" } });
    assert.equal(text(read), "[lib/Queue.java:5-6]\n```java\n/** A bounded queue. */\npublic class BoundedQueue<T> {\n```\n");
    const byPath = await client.callTool({ name: "read_code", arguments: { path: "lib/retry.py", start_line: 8, end_line: 8 } }) as ToolResult;
    assert.equal(byPath.structuredContent!.citation, "lib/retry.py:8-8");
    for (const [args, message] of [
      [{ citation: "../outside.txt:1-2" }, /not inside the workspace/],
      [{ path: "/etc/passwd" }, /not inside the workspace|not an indexed file/],
      [{ citation: ".env:1-1" }, /not an indexed file/],
      [{}, /needs `citation`/],
    ] as const) {
      const refused = await client.callTool({ name: "read_code", arguments: args }) as ToolResult;
      assert.equal(refused.isError, true, JSON.stringify(args));
      assert.match(text(refused), message);
    }
  });

  it("conventions_for and index_status", async () => {
    assert.match(text(await client.callTool({ name: "conventions_for", arguments: { path: "lib/retry.py" } })), /From AGENTS\.md:\nRule for agents: keep functions short\./);
    const status = await client.callTool({ name: "index_status", arguments: {} }) as ToolResult;
    const [folder] = status.structuredContent!.folders as Array<{ files: number; chunks: number }>;
    assert.ok(folder.files >= 15 && folder.chunks > 60, JSON.stringify(folder));
  });

  it("returns code with secrets redacted", async () => {
    const result = text(await client.callTool({ name: "get_definition", arguments: { symbol: "deploy_credentials" } }));
    assert.match(result, /deploy_credentials/);
    assert.match(result, /\[REDACTED\]/);
    for (const secret of [FAKE_SECRETS[0].secret, FAKE_SECRETS[2].secret]) assert.ok(!result.includes(secret), "a secret came back");
  });

  it("finds a file written while the server runs (it watches the workspace)", async () => {
    writeFileSync(path.join(ws, "lib", "late_addition.py"), "def zircon_harbor_lantern(depth):\n    return depth * 7\n");
    assert.match(await searchUntilFound(client, "zircon harbor lantern", "lib/late_addition.py"), /^\[lib\/late_addition\.py:1-2\]/);
  });

  it("answers bad input with errors that say what to fix", async () => {
    // An unknown tool is the client's mistake (a protocol error); bad arguments are the model's, told to it as the tool's answer (MCP's SEP-1303).
    await assert.rejects(client.callTool({ name: "grep", arguments: {} }), /-32602.*Unknown tool "grep"\. The tools are search_code/);
    for (const [name, args, message] of [
      ["search_code", { query: "x", k: "ten" }, /`k` must be an integer from 1 to 30/],
      ["search_code", {}, /`query` must be a non-empty string/],
      ["get_definition", { symbol: "a b" }, /must be one identifier/],
      ["index_status", { verbose: true }, /has no argument "verbose"/],
    ] as const) {
      const refused = await client.callTool({ name, arguments: args }) as ToolResult;
      assert.equal(refused.isError, true, name);
      assert.match(text(refused), message);
    }
  });

  it("appends an audit line per call: tool, caller, ranges and hashes, never the code", async () => {
    const lines = readFileSync(path.join(ws, ".groundwork", "audit.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
    const search = lines.find((l) => l.kind === "tool" && l.tool === "search_code" && l.outcome === "ok")!;
    assert.equal(search.caller, "mcp");
    assert.ok(search.chunks.some((c: { path: string; contentHash: string }) => c.path === "lib/Queue.java" && /^[0-9a-f]{16}$/.test(c.contentHash)));
    assert.ok(lines.some((l) => l.tool === "read_code" && l.outcome === "bad-input"));
    assert.ok(lines.some((l) => l.tool === "get_definition" && l.redactions >= 2), "redactions are counted");
    const raw = readFileSync(path.join(ws, ".groundwork", "audit.jsonl"), "utf8");
    assert.ok(!raw.includes("public boolean offer"), "no code in the audit log");
  });
});

describe("groundwork mcp with its index inside the workspace (--db idx)", () => {
  it("still watches the workspace: only the index's own folder is left out", async () => {
    const ws = tempDir("gw-mcp-db-");
    copyTree(POLYGLOT, ws);
    const client = new Client({ name: "test-client", version: "1.0.0" });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, "mcp", "--workspace", ws, "--db", path.join(ws, "idx")], stderr: "ignore" }));
    try {
      writeFileSync(path.join(ws, "lib", "late_addition.py"), "def quartz_meadow_beacon(depth):\n    return depth * 9\n");
      const found = await searchUntilFound(client, "quartz meadow beacon", "lib/late_addition.py");
      assert.match(found, /^\[lib\/late_addition\.py:1-2\]/);
      assert.ok(!found.includes("idx/"), "the index's own files are not indexed");
    } finally {
      await client.close();
      removeTree(ws);
    }
  });
});

describe("groundwork mcp over streamable HTTP", () => {
  let ws: string;
  let child: ChildProcess;
  let url: string;
  let token: string;

  before(async () => {
    ws = tempDir("gw-mcp-http-");
    copyTree(POLYGLOT, ws);
    child = spawn(process.execPath, [CLI, "mcp", "--workspace", ws, "--http", "0", "--no-watch"], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on("data", (data) => {
        stderr += data;
        const match = /(http:\/\/127\.0\.0\.1:\d+\/mcp)\nAuthorization: Bearer (\S+)/.exec(stderr);
        if (match) {
          [, url, token] = match;
          resolve();
        }
      });
      child.once("exit", () => reject(new Error(`the server exited: ${stderr}`)));
    });
  });

  after(async () => {
    // It ends its maintenance and closes the index first: the folder goes once it has.
    await endProcess(child, "SIGTERM");
    removeTree(ws);
  });

  it("answers a client with the printed token, and refuses one without it", async () => {
    const client = new Client({ name: "http-client", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    try {
      assert.equal((await client.listTools()).tools.length, 6);
      assert.match(text(await client.callTool({ name: "search_code", arguments: { query: "lexer next token", k: 1 } })), /^\[lib\/tokens\.rs:/);
    } finally {
      await client.close();
    }
    const initialize = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } } };
    for (const authorization of [undefined, `Bearer ${token}x`, "Basic abc"]) {
      const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...(authorization ? { authorization } : {}) }, body: JSON.stringify(initialize) });
      assert.equal(response.status, 401, String(authorization));
    }
  });
});

describe("groundwork mcp on a workspace not indexed yet", () => {
  it("answers the handshake at once, and a tool call that came before the first index is done says how far it got", async () => {
    const ws = tempDir("gw-mcp-first-");
    copyTree(POLYGLOT, ws);
    const client = new Client({ name: "test-client", version: "1.0.0" });
    await client.connect(new StdioClientTransport({
      command: process.execPath, args: [CLI, "mcp", "--workspace", ws, "--no-watch"], stderr: "ignore",
      env: { ...process.env as Record<string, string>, GROUNDWORK_MCP_FIRST_INDEX_WAIT_MS: "0" },
    }));
    try {
      assert.match(text(await client.callTool({ name: "search_code", arguments: { query: "expiring cache entries", k: 1 } })), /\(The workspace's first index is still being built(: \d+ of \d+ files so far)?; this answer covers what is indexed until now\.\)$/);
      const deadline = Date.now() + 30_000;
      let answer = "";
      while (Date.now() < deadline && /still being built/.test((answer = text(await client.callTool({ name: "search_code", arguments: { query: "expiring cache entries", k: 1 } }))))) await new Promise((resolve) => setTimeout(resolve, 250));
      assert.match(answer, /^\[src\/cache\.js:4-17\] class ExpiringCache/);
      assert.doesNotMatch(answer, /still being built/);
    } finally {
      await client.close();
      removeTree(ws);
    }
  });
});

describe("groundwork mcp when its index folder is deleted while it runs", () => {
  it("builds the index again, and the call that found it gone answers from the new one", async () => {
    const ws = tempDir("gw-mcp-deleted-");
    copyTree(POLYGLOT, ws);
    const client = new Client({ name: "test-client", version: "1.0.0" });
    // Without the watcher: the tool call itself finds the index gone.
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, "mcp", "--workspace", ws, "--no-watch"], stderr: "ignore" }));
    try {
      const search = async (): Promise<string> => text(await client.callTool({ name: "search_code", arguments: { query: "expiring cache entries", k: 1 } }));
      assert.match(await search(), /^\[src\/cache\.js:4-17\] class ExpiringCache/);
      // Retried: the server's maintenance may still be writing files there.
      rmSync(path.join(ws, ".groundwork", "index"), { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
      assert.match(await search(), /^\[src\/cache\.js:4-17\] class ExpiringCache/);
      assert.match(text(await client.callTool({ name: "index_status", arguments: {} })), /: [1-9]\d* files, [1-9]\d* chunks/);
    } finally {
      await client.close();
      removeTree(ws);
    }
  });
});

describe("groundwork mcp, spoken to as plain newline-delimited JSON-RPC", () => {
  it("initializes, lists tools and answers search_code", async () => {
    const ws = tempDir("gw-mcp-plain-");
    copyTree(POLYGLOT, ws);
    const child = spawn(process.execPath, [CLI, "mcp", "--workspace", ws, "--no-watch"], { stdio: ["pipe", "pipe", "ignore"] });
    try {
      const replies = new Map<number, Record<string, unknown>>();
      let buffer = "";
      child.stdout!.on("data", (data) => {
        buffer += data;
        for (let newline = buffer.indexOf("\n"); newline >= 0; newline = buffer.indexOf("\n")) {
          const message = JSON.parse(buffer.slice(0, newline));
          buffer = buffer.slice(newline + 1);
          if (typeof message.id === "number") replies.set(message.id, message);
        }
      });
      const send = (message: unknown): void => void child.stdin!.write(JSON.stringify(message) + "\n");
      const reply = async (id: number): Promise<Record<string, unknown>> => {
        for (let i = 0; i < 600 && !replies.has(id); i++) await new Promise((resolve) => setTimeout(resolve, 50));
        return replies.get(id) ?? assert.fail(`no reply to request ${id}`);
      };
      send({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "plain", version: "1" } } });
      assert.equal(((await reply(1)).result as { serverInfo: { name: string } }).serverInfo.name, "groundwork");
      send({ jsonrpc: "2.0", method: "notifications/initialized" });
      send({ jsonrpc: "2.0", id: 2, method: "tools/list" });
      assert.equal(((await reply(2)).result as { tools: unknown[] }).tools.length, 6);
      send({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "search_code", arguments: { query: "expiring cache entries", k: 1 } } });
      const result = (await reply(3)).result as ToolResult;
      assert.match(result.content[0].text ?? "", /^\[src\/cache\.js:4-17\] class ExpiringCache/);
      // A message over the transport's limit (10 MiB) closes it: the server ends instead of hanging on (the rest of the write fails).
      child.stdin!.on("error", () => undefined);
      child.stdin!.write(`${JSON.stringify({ jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "search_code", arguments: { query: "x".repeat(11 * 2 ** 20) } } })}\n`);
      for (let i = 0; i < 200 && child.exitCode === null && child.signalCode === null; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.notEqual(child.exitCode, null, "the server ended");
    } finally {
      await endProcess(child);
      removeTree(ws);
    }
  });
});
