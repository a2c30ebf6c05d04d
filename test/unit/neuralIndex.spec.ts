import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { embedderFactory } from "../../src/core/codebase/embedders";
import type { Embedder } from "../../src/core/embed/embedder";
import { EmbeddingDimensionError, OpenAIEmbedder } from "../../src/core/embed/openai";
import { TestIndex } from "../helpers/index";
import { CLI, removeTree, tempDir, writeTree } from "../helpers/workspace";
import { TestModelServer } from "../support/modelServer";

const run = promisify(execFile);

const QUEUE = "export class BoundedQueue {\n  offer(item: string): boolean {\n    return this.items.length < this.capacity && this.items.push(item) > 0;\n  }\n}\n";
const RETRY = "export function retryWithBackoff(attempt: number): number {\n  return Math.min(30_000, 2 ** attempt * 100);\n}\n";
const PARSER = "export function parseHeaderLine(line: string): [string, string] {\n  const colon = line.indexOf(':');\n  return [line.slice(0, colon), line.slice(colon + 1).trim()];\n}\n";

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).map((name) => path.join(dir, name)).filter((file) => statSync(file).isFile());
}

describe("a neural embedder's vectors beside the builtin ones", () => {
  let dir: string;
  let server: TestModelServer;
  const requests = (): number => server.to("/v1/embeddings").length;
  const neural = (): OpenAIEmbedder => new OpenAIEmbedder({ baseURL: server.url, model: "test-embed", dims: 32, apiKey: "sk-embed-secret", maxRetries: 1, timeoutMs: 5000 });
  const factory = embedderFactory(() => "sk-embed-secret", { maxRetries: 1, timeoutMs: 5000 });

  before(async () => {
    dir = tempDir("gw-neural-");
    server = await TestModelServer.start({ apiKey: "sk-embed-secret" });
  });
  after(async () => {
    await server.close();
    removeTree(dir);
  });

  it("embeds each content once: zero requests on an unchanged re-index, a branch switch back or a rename", async () => {
    const root = path.join(dir, "cache");
    writeTree(root, { "src/queue.ts": QUEUE, "src/retry.ts": RETRY, "src/parser.ts": PARSER });
    const index = await TestIndex.open({ root, dbPath: path.join(dir, "cache-db"), neural: neural(), embedderFor: factory });
    try {
      const first = await index.run();
      assert.ok(first.chunksEmbedded >= 3 && first.chunksEmbedded === first.totalChunks, JSON.stringify(first));
      let before = requests();
      const again = await index.run();
      assert.equal(requests() - before, 0, "unchanged re-index");
      assert.equal(again.chunksEmbedded, 0);

      // Another branch: retry.ts changes; only its new content is embedded.
      writeFileSync(path.join(root, "src/retry.ts"), RETRY.replace("retryWithBackoff", "retryWithJitter").replace("100", "250"));
      before = requests();
      const other = await index.run();
      assert.ok(requests() - before >= 1);
      assert.equal(other.filesIndexed, 1);
      assert.equal(other.vectorsReused, 0);

      // Back to the first branch: its content was embedded before.
      writeFileSync(path.join(root, "src/retry.ts"), RETRY);
      before = requests();
      const back = await index.run();
      assert.equal(back.filesIndexed, 1);
      assert.equal(requests() - before, 0, "switching back to a branch sends nothing");
      assert.ok(back.vectorsReused >= 1);

      renameSync(path.join(root, "src/parser.ts"), path.join(root, "src/headers.ts"));
      before = requests();
      const renamed = await index.run();
      assert.equal(renamed.filesIndexed, 1);
      assert.equal(requests() - before, 0, "a rename sends nothing");

      const hits = await index.search("parse a header line at its colon", { limit: 3 });
      assert.equal(hits[0].path, "src/headers.ts");
      assert.ok(hits.some((hit) => hit.ranks.neural !== undefined), "the neural list took part");
      assert.match((await index.status()).embedder, /^builtin\/\d+ \+ test-embed\/32$/);
      for (const file of allFiles(path.join(dir, "cache-db"))) assert.ok(!readFileSync(file).includes("sk-embed-secret"), `${file} holds the key`);
    } finally {
      index.close();
    }
  });

  it("estimates what a first embedding sends, leaving out what the cache holds, before anything is sent", async () => {
    const root = path.join(dir, "estimate");
    writeTree(root, { "src/queue.ts": QUEUE, "src/retry.ts": RETRY });
    const dbPath = path.join(dir, "estimate-db");
    const index = await TestIndex.open({ root, dbPath, neural: neural(), embedderFor: factory });
    try {
      const before = requests();
      const estimate = await index.codebase.embeddingEstimate();
      assert.equal(requests() - before, 0, "estimating sends nothing");
      assert.deepEqual({ ...estimate, tokens: undefined }, { files: 2, chunks: 2, toEmbed: 2, tokens: undefined });
      assert.ok(estimate!.tokens > 20 && estimate!.tokens < 200, `${estimate!.tokens} tokens`);
      await index.run();
      assert.equal(await index.codebase.embeddingEstimate(), undefined, "embedded: nothing to ask about");
    } finally {
      index.close();
    }
    // Another index of the same content: the cache holds its vectors.
    writeTree(root, { "src/parser.ts": PARSER });
    const fresh = await TestIndex.open({ root, dbPath: path.join(dir, "estimate-db"), neural: new OpenAIEmbedder({ baseURL: server.url, model: "test-embed", dims: 32, apiKey: "sk-embed-secret" }), embedderFor: factory });
    try {
      await fresh.codebase.clear();
      const estimate = await fresh.codebase.embeddingEstimate();
      assert.equal(estimate?.chunks, 3);
      assert.equal(estimate?.toEmbed, 1, "two of three are in the cache");
    } finally {
      fresh.close();
    }
  });

  it("answers with builtin vectors and full text when the embedding server is slow, and says so", async () => {
    const root = path.join(dir, "slow");
    writeTree(root, { "src/queue.ts": QUEUE, "src/retry.ts": RETRY });
    const index = await TestIndex.open({ root, dbPath: path.join(dir, "slow-db"), neural: neural(), embedderFor: factory });
    try {
      await index.run();
      server.enqueueEmbeddings({ kind: "hang-before-headers" });
      const hits = await index.search("retry with backoff attempt", { limit: 3, neuralTimeoutMs: 300 });
      assert.equal(hits[0]?.path, "src/retry.ts");
      assert.match(hits[0].fallback ?? "", /searched without the embedding model \(test-embed: no answer within 300 ms\): builtin vectors and full text only/);
      // The default limit: a busy machine may stall this thread past 300 ms while the answer is on its way.
      const later = await index.search("retry with backoff attempt", { limit: 3 });
      assert.equal(later[0].fallback, undefined, "the next search uses the model again");
    } finally {
      index.close();
    }
  });

  it("refuses vectors of the wrong length with a clear error and keeps what is indexed", async () => {
    const root = path.join(dir, "dims");
    writeTree(root, { "src/queue.ts": QUEUE, "src/retry.ts": RETRY });
    const index = await TestIndex.open({ root, dbPath: path.join(dir, "dims-db"), neural: neural(), embedderFor: factory });
    try {
      await index.run();
      const chunks = (await index.status()).chunks;
      writeTree(root, { "src/parser.ts": PARSER });
      server.settings.embeddingDims = 16;
      await assert.rejects(index.run(), (error: Error) => error instanceof EmbeddingDimensionError && /returned 16-dimensional vectors; this index holds 32/.test(error.message));
      server.settings.embeddingDims = 32;
      assert.equal((await index.status()).chunks, chunks, "nothing lost");
      assert.equal((await index.search("bounded queue offer", { limit: 1 }))[0]?.path, "src/queue.ts");
      const resumed = await index.run();
      assert.equal(resumed.filesIndexed, 1);
    } finally {
      server.settings.embeddingDims = 32;
      index.close();
    }
  });

  it("reports embedding progress request by request, never going back", async () => {
    const root = path.join(dir, "progress");
    const files: Record<string, string> = {};
    for (let i = 0; i < 12; i++) files[`src/step${i}.ts`] = `export function step${i}(value: number): number {\n  return value * ${i + 2};\n}\n`;
    writeTree(root, files);
    const small = new OpenAIEmbedder({ baseURL: server.url, model: "test-embed", dims: 32, apiKey: "sk-embed-secret", maxRetries: 1, timeoutMs: 5000, maxBatchItems: 2 });
    const index = await TestIndex.open({ root, dbPath: path.join(dir, "progress-db"), neural: small, embedderFor: factory });
    try {
      const seen: number[] = [];
      await index.run({ onProgress: (progress) => progress.embedding && seen.push(progress.embedding.embedded) });
      const distinct = [...new Set(seen)];
      assert.deepEqual(distinct, [...distinct].sort((a, b) => a - b), `never back: ${distinct}`);
      assert.equal(distinct.at(-1), 12);
      assert.ok(distinct.filter((n) => n > 0 && n < 12).length >= 4, `steps between: ${distinct}`);
    } finally {
      index.close();
    }
  });

  it("gets the embedder ready while the first files are chunked, then starts with a small batch that doubles", async () => {
    const root = path.join(dir, "ramp");
    const files: Record<string, string> = {};
    // 1,200 one-function files: well over the first batch and its doubling.
    for (let i = 0; i < 1200; i++) files[`src/f${String(i).padStart(4, "0")}.ts`] = `export function f${i}(value: number): number {\n  return value + ${i};\n}\n`;
    writeTree(root, files);
    const real = neural();
    const calls: string[] = [];
    const recording: Embedder = {
      id: real.id,
      dims: real.dims,
      get fingerprint() {
        return real.fingerprint;
      },
      prepare: () => void calls.push("prepare"),
      embedDocuments: (docs, signal, onEmbedded) => {
        calls.push(String(docs.length));
        return real.embedDocuments(docs, signal, onEmbedded);
      },
      embedQuery: (text, signal) => real.embedQuery(text, signal),
    };
    const index = await TestIndex.open({ root, dbPath: path.join(dir, "ramp-db"), neural: recording, embedderFor: factory });
    try {
      const result = await index.run();
      assert.equal(result.chunksEmbedded, 1200);
      assert.equal(calls[0], "prepare", `ready before the first batch: ${calls}`);
      const sizes = calls.slice(1).map(Number);
      assert.equal(calls.filter((call) => call === "prepare").length, 1);
      assert.equal(sizes.reduce((sum, n) => sum + n, 0), 1200);
      assert.ok(sizes[0] >= 256 && sizes[0] < 300, `a first batch of about 256: ${sizes}`);
      assert.ok(sizes[1] >= 512 && sizes[1] < 560, `then twice that: ${sizes}`);
      calls.length = 0;
      assert.equal((await index.run()).chunksEmbedded, 0);
      assert.deepEqual(calls, [], "a run with nothing to embed does not get the embedder ready");
    } finally {
      index.close();
    }
  });

  it("stops sending requests once a batch failed: at most the one batch already on its way", async () => {
    const root = path.join(dir, "stop");
    const files: Record<string, string> = {};
    for (let i = 0; i < 10; i++) files[`src/stop${i}.ts`] = `export function stop${i}(value: number): number {\n  return value + ${i};\n}\n`;
    writeTree(root, files);
    const index = await TestIndex.open({ root, dbPath: path.join(dir, "stop-db"), neural: neural(), embedderFor: factory, batchChunks: 1 });
    try {
      server.settings.embeddingDims = 16;
      const before = requests();
      await assert.rejects(index.run(), EmbeddingDimensionError);
      const sent = requests() - before;
      assert.ok(sent >= 1 && sent <= 2, `${sent} requests for 10 one-chunk batches`);
    } finally {
      server.settings.embeddingDims = 32;
      index.close();
    }
  });

  it("keeps answering while a switch to the neural embedder builds, and switches back at once", async () => {
    const root = path.join(dir, "switch");
    const files: Record<string, string> = {};
    for (let i = 0; i < 12; i++) files[`src/mod${i}.ts`] = `export function helper${i}(value: number): number {\n  return value * ${i};\n}\n`;
    writeTree(root, { ...files, "src/queue.ts": QUEUE, "src/retry.ts": RETRY });
    const dbPath = path.join(dir, "switch-db");
    const builtin = await TestIndex.open({ root, dbPath });
    await builtin.run();
    await builtin.maintenanceIdle();
    builtin.close();

    const withNeural = await TestIndex.open({ root, dbPath, neural: neural(), embedderFor: factory, batchChunks: 2 });
    try {
      let during: Promise<string> | undefined;
      await withNeural.run({
        onProgress: (progress) => {
          if (progress.filesDone === 6 && !during) {
            during = withNeural.search("bounded queue offer item", { limit: 1 }).then((hits) => hits[0]?.path ?? "none", (error) => `error: ${error}`);
          }
        },
      });
      assert.equal(await during, "src/queue.ts", "the search during the switch answered from what was there");
      await withNeural.maintenanceIdle();
      assert.match((await withNeural.status()).embedder, /test-embed/);
      assert.equal((await withNeural.status()).generation?.searches, "hybrid");
    } finally {
      withNeural.close();
    }

    // Back to builtin vectors only: the kept generation answers at once, and nothing is re-embedded.
    const back = await TestIndex.open({ root, dbPath });
    try {
      const status = await back.status();
      assert.equal(status.generation?.searches, "hybrid", "answers at once, without a run");
      assert.doesNotMatch(status.embedder, /test-embed/);
      const before = requests();
      const result = await back.run();
      assert.equal(result.filesIndexed, 0, "the kept generation is current");
      assert.equal(requests() - before, 0);
      assert.equal((await back.search("retry with backoff", { limit: 1 }))[0]?.path, "src/retry.ts");
    } finally {
      back.close();
    }
  });

  it("a reader that takes its embedder from the index (the CLI, the MCP server) reads the generation the last run wrote", async () => {
    const root = path.join(dir, "chosen");
    writeTree(root, { "src/queue.ts": QUEUE, "src/retry.ts": RETRY });
    const dbPath = path.join(dir, "chosen-db");
    const indexWith = async (withNeural: boolean): Promise<void> => {
      const writer = await TestIndex.open({ root, dbPath, ...(withNeural ? { neural: neural(), embedderFor: factory } : {}) });
      try {
        await writer.run();
        await writer.maintenanceIdle();
      } finally {
        writer.close();
      }
    };
    const readerSees = async (): Promise<string> => {
      const reader = await TestIndex.open({ root, dbPath, neural: "from-index", embedderFor: factory });
      try {
        return (await reader.status()).embedder;
      } finally {
        reader.close();
      }
    };
    await indexWith(false);
    assert.doesNotMatch(await readerSees(), /test-embed/);
    await indexWith(true);
    assert.match(await readerSees(), /test-embed/, "the run that added the embedding model");
    // Back and forth over the two kept generations: each run finds its generation current and writes nothing, yet it is the one read.
    await indexWith(false);
    assert.doesNotMatch(await readerSees(), /test-embed/);
    await indexWith(true);
    assert.match(await readerSees(), /test-embed/);
  });

  it("a developer's overlay opened with the index's own embedder (the CLI's default) finds the team's index built with it", async () => {
    const ci = path.join(dir, "team-ci");
    const mine = path.join(dir, "team-dev");
    writeTree(ci, { "src/queue.ts": QUEUE, "src/retry.ts": RETRY, "src/parser.ts": PARSER });
    writeTree(mine, { "src/queue.ts": QUEUE, "src/retry.ts": RETRY, "src/parser.ts": PARSER });
    const shared = path.join(dir, "team-shared");
    const writer = await TestIndex.open({ root: ci, dbPath: shared, neural: neural(), embedderFor: factory });
    await writer.run();
    await writer.maintenanceIdle();
    writer.close();
    const local = path.join(dir, "team-dev-db");
    const first = await TestIndex.open({ root: mine, dbPath: local, shared, neural: neural(), embedderFor: factory });
    assert.equal((await first.run()).totalChunks, 0, "everything leans on the team's index");
    first.close();
    const before = requests();
    const again = await TestIndex.open({ root: mine, dbPath: local, shared, neural: "from-index", embedderFor: factory });
    try {
      assert.equal((await again.status()).shared?.problem, undefined);
      assert.equal((await again.run()).totalChunks, 0, "nothing indexed here again");
      assert.equal(requests() - before, 0, "and nothing sent to the embedding model");
    } finally {
      again.close();
    }
  });

  it("an index built at a server the user no longer names sends it nothing: no query, no code, no key", async () => {
    const root = path.join(dir, "moved");
    writeTree(root, { "src/queue.ts": QUEUE, "src/retry.ts": RETRY });
    const dbPath = path.join(dir, "moved-db");
    const built = await TestIndex.open({ root, dbPath, neural: neural(), embedderFor: factory });
    await built.run();
    await built.maintenanceIdle();
    built.close();
    // The setting now names another server (or none): the index answers from its builtin vectors and full text.
    for (const servers of [["http://127.0.0.1:9/v1"], []]) {
      const restricted = embedderFactory(() => "sk-key-for-the-new-server", { maxRetries: 0, timeoutMs: 2000 }, {}, servers);
      assert.equal(restricted({ kind: "openai", baseURL: server.url, model: "test-embed", dims: 32 }), undefined);
      const index = await TestIndex.open({ root, dbPath, neural: "from-index", embedderFor: restricted });
      try {
        const before = server.requests.length;
        assert.equal((await index.search("bounded queue offer item", { limit: 1 }))[0]?.path, "src/queue.ts");
        writeFileSync(path.join(root, "src", "late.ts"), PARSER);
        await index.update(["src/late.ts"]);
        assert.equal(server.requests.length - before, 0, `nothing went to the recorded server (servers: ${JSON.stringify(servers)})`);
      } finally {
        index.close();
      }
    }
    // The server the setting names, written with a trailing slash, is the recorded one: its model answers.
    const same = embedderFactory(() => "sk-embed-secret", {}, {}, [`${server.url}/`]);
    assert.equal(same({ kind: "openai", baseURL: server.url, model: "test-embed", dims: 32 })?.id !== undefined, true);
  });

  it("the CLI cuts inputs a model refuses as too long (and says so), or to --embedding-max-input-tokens, and says when it tries a request again", async () => {
    const strict = await TestModelServer.start({ apiKey: "sk-embed-secret", maxEmbeddingChars: 2000 });
    try {
      const root = path.join(dir, "long");
      const body = Array.from({ length: 90 }, (_, i) => `  const step${i} = normalizeHeaderValue(input, ${i});`).join("\n");
      writeTree(root, { "src/long.ts": `export function normalizeAll(input: string): void {\n${body}\n}\n`, "src/queue.ts": QUEUE });
      const env = { ...process.env, GROUNDWORK_EMBEDDING_API_KEY: "sk-embed-secret", GROUNDWORK_CONFIG_DIR: path.join(dir, "long-config") };
      const args = (db: string, ...more: string[]): string[] => [CLI, "index", root, "--db", path.join(dir, db), "--embedder", "openai", "--embedding-base-url", strict.url, "--embedding-model", "test-embed", "--embedding-dims", "32", ...more];
      const learned = await run(process.execPath, args("long-db-1"), { env });
      assert.match(learned.stdout, /embedded by the embedding model/);
      assert.match(learned.stderr, /groundwork: the embedding server refused an input of about \d+ tokens as too long \(400 This model's maximum context length was exceeded\.\); inputs are cut to \d+ tokens from now on \(--embedding-max-input-tokens sets the limit\)/);
      strict.enqueueEmbeddings({ kind: "error", status: 503 });
      const cut = await run(process.execPath, args("long-db-2", "--embedding-max-input-tokens", "300"), { env });
      assert.match(cut.stdout, /embedded by the embedding model/);
      assert.match(cut.stderr, /the embedding server failed \(503 .*\); trying again in \d+\.\d s \(attempt 2\)/);
      await assert.rejects(run(process.execPath, args("long-db-3", "--embedding-max-input-tokens", "0"), { env }), /--embedding-max-input-tokens must be a positive integer/);
    } finally {
      await strict.close();
    }
  });

  it("Ctrl-C while the CLI asks the embedding server for its vectors' length: cancelled at once, exit 130", async () => {
    const root = path.join(dir, "probe-int");
    writeTree(root, { "src/queue.ts": QUEUE });
    server.enqueueEmbeddings({ kind: "hang-before-headers" });
    const before = requests();
    const env = { ...process.env, GROUNDWORK_EMBEDDING_API_KEY: "sk-embed-secret", GROUNDWORK_CONFIG_DIR: path.join(dir, "probe-int-config") };
    const child = spawn(process.execPath, [CLI, "index", root, "--db", path.join(dir, "probe-int-db"), "--embedder", "openai", "--embedding-base-url", server.url, "--embedding-model", "test-embed"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (data) => (stderr += data));
    const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    for (const deadline = Date.now() + 20_000; requests() === before && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(requests() - before, 1, "the probe is on its way");
    child.kill("SIGINT");
    const signalled = Date.now();
    assert.equal(await exit, 130, stderr);
    assert.ok(Date.now() - signalled < 5_000, `ended ${Date.now() - signalled} ms after Ctrl-C`);
    assert.match(stderr, /groundwork: cancelled/);
  });

  it("the CLI indexes with --embedder openai; search and status use the index's embedder; the key is never stored", async () => {
    const root = path.join(dir, "cli");
    writeTree(root, { "src/queue.ts": QUEUE, "src/retry.ts": RETRY, "src/parser.ts": PARSER });
    const db = path.join(dir, "cli-db");
    const env = { ...process.env, GROUNDWORK_EMBEDDING_API_KEY: "sk-embed-secret", GROUNDWORK_CONFIG_DIR: path.join(dir, "cli-config") };
    const indexed = await run(process.execPath, [CLI, "index", root, "--db", db, "--embedder", "openai", "--embedding-base-url", server.url, "--embedding-model", "test-embed"], { env });
    assert.match(indexed.stdout, /embedded by the embedding model/);
    const before = requests();
    const search = await run(process.execPath, [CLI, "search", "split a header line", "--workspace", root, "--db", db], { env });
    assert.match(search.stdout, /src\/parser\.ts/);
    assert.match(search.stdout, /neural #\d/);
    assert.ok(requests() > before, "the query was embedded by the index's model");
    const status = await run(process.execPath, [CLI, "status", "--workspace", root, "--db", db], { env });
    assert.match(status.stdout, /embedder: builtin\/\d+ \+ test-embed\/32/);
    for (const file of allFiles(db)) assert.ok(!readFileSync(file).includes("sk-embed-secret"), `${file} holds the key`);
    await assert.rejects(run(process.execPath, [CLI, "index", root, "--db", db, "--embedder", "openai", "--embedding-model", "m"]), /needs --embedding-base-url/);

    // The same index on a machine (or for a user) that never named that server, as an index that came with a cloned
    // repository would be: nothing goes to the server it records, not the query and not the key; the CLI says why.
    const stranger = { ...env, GROUNDWORK_CONFIG_DIR: path.join(dir, "stranger-config") };
    const untouched = requests();
    const elsewhere = await run(process.execPath, [CLI, "search", "split a header line", "--workspace", root, "--db", db], { env: stranger });
    assert.match(elsewhere.stdout, /src\/parser\.ts/, "found with builtin vectors and full text");
    assert.match(elsewhere.stderr, /built with the embedding model test-embed at .*which is not used here/);
    assert.equal(requests() - untouched, 0);
    // Asked for builtin vectors only: the model's server hears nothing, even when it is named.
    const builtinOnly = await run(process.execPath, [CLI, "search", "split a header line", "--workspace", root, "--db", db, "--embedder", "builtin"], { env: { ...stranger, GROUNDWORK_EMBEDDING_BASE_URL: server.url } });
    assert.match(builtinOnly.stdout, /src\/parser\.ts/);
    assert.doesNotMatch(builtinOnly.stdout, /neural #/);
    assert.equal(requests() - untouched, 0);
    // Named in the environment: used again.
    await run(process.execPath, [CLI, "search", "split a header line", "--workspace", root, "--db", db], { env: { ...stranger, GROUNDWORK_EMBEDDING_BASE_URL: server.url } });
    assert.ok(requests() > untouched);
    // An embedding key set empty (agent mode's MCP server without a stored key) is no key: OPENAI_API_KEY is not sent instead.
    const keyless = requests();
    const openai = { ...stranger, GROUNDWORK_EMBEDDING_BASE_URL: server.url, GROUNDWORK_EMBEDDING_API_KEY: "", OPENAI_API_KEY: "sk-openai-not-for-them" };
    await run(process.execPath, [CLI, "search", "split a header line", "--workspace", root, "--db", db], { env: openai });
    const sent = server.to("/v1/embeddings").slice(keyless);
    assert.ok(sent.length > 0 && sent.every((request) => !String(request.headers.authorization ?? "").includes("sk-openai")), "OPENAI_API_KEY stayed here");
  });
});
