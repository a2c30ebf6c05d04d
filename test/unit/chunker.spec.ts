import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { Chunker } from "../../src/core/chunk/chunker";
import type { Chunk } from "../../src/core/chunk/types";
import { chunkerFingerprint } from "../../src/core/index/fingerprint";
import { WorkerStages } from "../../src/core/index/workerPool";
import { assertNothingDropped } from "../helpers/chunks";
import { BuiltinEmbedder } from "../../src/core/embed/builtin";
import { embeddingInput, toRow } from "../../src/core/index/rows";
import { scanAll } from "../../src/core/scan/scanner";
import { indexTerms } from "../../src/core/util/terms";
import { POLYGLOT, REPO_ROOT, STDLIB, WORKER } from "../helpers/workspace";

const chunker = new Chunker();
after(() => chunker.dispose());

async function chunksOf(relPath: string): Promise<Chunk[]> {
  const result = await chunker.chunkFile(relPath, readFileSync(path.join(POLYGLOT, relPath), "utf8"));
  return result.chunks;
}

function find(chunks: Chunk[], symbol: string, kind?: string): Chunk {
  const found = chunks.find((c) => c.symbol === symbol && (!kind || c.kind === kind));
  assert.ok(found, `no ${kind ?? "chunk"} named ${symbol} in ${chunks.map((c) => `${c.kind}:${c.symbol}`).join(", ")}`);
  return found;
}

/** Every non-blank line lies in a chunk, and each chunk's text is exactly its lines. */
describe("chunker: symbols per language", () => {
  const cases: Array<[string, string, Array<[string, string]>]> = [
    ["src/shapes.ts", "typescript", [["Point", "interface"], ["ShapeKind", "type"], ["Color", "enum"], ["circleArea", "function"], ["parseURL", "function"], ["ShapeRegistry", "class"], ["distance", "function"], ["sealed", "function"]]],
    ["src/view.tsx", "tsx", [["Props", "interface"], ["Header", "function"], ["Footer", "function"]]],
    ["src/cache.js", "javascript", [["ExpiringCache", "class"], ["counter", "function"], ["makeCache", "function"]]],
    ["lib/retry.py", "python", [["backoff_delay", "function"], ["RetryPolicy", "class"], ["retry", "function"]]],
    ["lib/server.go", "go", [["Handler", "type"], ["Greeter", "type"], ["ServeHTTP", "method"], ["NewHandler", "function"]]],
    ["lib/Queue.java", "java", [["BoundedQueue", "class"]]],
    ["lib/tokens.rs", "rust", [["Token", "enum"], ["Lexer", "struct"], ["Lexer", "impl"], ["Token", "impl"], ["Visitor", "trait"], ["square", "macro"]]],
    ["lib/buffer.c", "c", [["Buffer", "type"], ["BufferError", "enum"], ["buffer_reserve", "function"], ["buffer_append", "function"]]],
    ["lib/matrix.cpp", "cpp", [["Matrix", "class"], ["transpose", "function"], ["dot", "function"]]],
    ["lib/Invoice.cs", "csharp", [["Line", "class"], ["Status", "enum"], ["ITaxRule", "interface"], ["Invoice", "class"]]],
    ["lib/inventory.rb", "ruby", [["Inventory", "class"], ["format_sku", "method"]]],
    ["lib/Router.php", "php", [["Middleware", "interface"], ["Router", "class"], ["route_key", "function"]]],
  ];
  for (const [relPath, language, symbols] of cases) {
    it(`finds the definitions of ${relPath} (${language})`, async () => {
      const result = await chunker.chunkFile(relPath, readFileSync(path.join(POLYGLOT, relPath), "utf8"));
      assert.equal(result.language, language);
      for (const [symbol, kind] of symbols) find(result.chunks, symbol, kind);
      assertNothingDropped(relPath, readFileSync(path.join(POLYGLOT, relPath), "utf8"), result.chunks);
    });
  }

  it("attaches doc comments and decorators to the definition that follows them", async () => {
    const ts = await chunksOf("src/shapes.ts");
    assert.match(find(ts, "circleArea").text, /^\/\*\* Computes the area of a circle\. \*\//);
    assert.match(find(ts, "ShapeRegistry").text, /^@sealed/);
    const go = await chunksOf("lib/server.go");
    assert.match(find(go, "NewHandler").text, /^\/\/ NewHandler builds a handler\./);
    const rust = await chunksOf("lib/tokens.rs");
    assert.match(find(rust, "Token", "enum").text, /^\/\/\/ A lexical token\.\n#\[derive/);
  });

  it("records enclosing scopes and a header with path, scope and signature", async () => {
    const distance = find(await chunksOf("src/shapes.ts"), "distance");
    assert.equal(distance.scope, "Geometry");
    assert.equal(distance.header, "src/shapes.ts > Geometry > export function distance(a: Point, b: Point): number");
    // A Go method's scope is its receiver's type.
    const serve = find(await chunksOf("lib/server.go"), "ServeHTTP");
    assert.equal(serve.scope, "Handler");
    assert.match(serve.header, /^lib\/server\.go > Handler > func \(h \*Handler\) ServeHTTP/);
    const invoice = find(await chunksOf("lib/Invoice.cs"), "Invoice");
    assert.equal(invoice.scope, "Billing");
    assert.match(invoice.contentHash, /^[0-9a-f]{64}$/);
  });

  it("keeps each definition's signature as a field, whatever it holds (`a > b` is not a header separator)", async () => {
    const text = "export const gt = (a: number, b: number) => a > b;\n\nexport function main(): void {\n  console.log(gt(1, 2));\n}\n";
    const chunks = (await chunker.chunkFile("src/cmp.ts", text)).chunks;
    const gt = find(chunks, "gt");
    assert.equal(gt.signature, "export const gt = (a: number, b: number) => a > b;");
    // What the embedder and the name field see is the whole signature, not its tail after " > ".
    assert.match(embeddingInput(gt).title, /export const gt = \(a: number, b: number\) => a > b;$/);
    // The name field holds terms (util/terms.ts): every one of the whole signature's, as often.
    const nameTerms = toRow(gt, new Float32Array(0)).ftsName.split(" ");
    const signatureTerms = indexTerms(gt.signature).split(" ");
    assert.deepEqual(signatureTerms, ["export", "const", "gt", "a", "number", "b", "number", "a", "b"]);
    for (const term of new Set(signatureTerms)) {
      assert.ok(nameTerms.filter((t) => t === term).length >= signatureTerms.filter((t) => t === term).length, `${term} in ${nameTerms.join(" ")}`);
    }
    assert.equal(find(chunks, "main").signature, "export function main(): void");
    const statements = (await chunker.chunkFile("a.py", "import os\nX = 1\n")).chunks;
    assert.deepEqual(statements.map((c) => [c.kind, c.signature]), [["statements", ""]], "statement groups have no signature");
  });

  it("names definitions as code calls them: the last part of a qualified name, an impl by its type, Ruby's class << self", async () => {
    const cpp = (await chunker.chunkFile("src/shape.cpp", "namespace geo {\ndouble Polygon::area() const {\n  return 0;\n}\nPolygon::~Polygon() {\n  release();\n}\n}\n")).chunks;
    find(cpp, "area", "function");
    find(cpp, "~Polygon", "function");
    const rust = (await chunker.chunkFile("src/lib.rs", "impl<'a, E: Engine> Store<'a, E> {\n    fn open() -> Self {\n        todo!()\n    }\n}\n\nimpl<T> fmt::Debug for &'a mut Widget<T> {\n    fn fmt(&self) {}\n}\n")).chunks;
    assert.deepEqual(rust.map((c) => [c.kind, c.symbol]), [["impl", "Store"], ["impl", "Widget"]]);
    const ruby = (await chunker.chunkFile("app/users.rb", `class Admin::UsersController < ApplicationController\n  class << self\n${Array.from({ length: 45 }, (_, i) => `    def build_${i}\n      new\n    end`).join("\n")}\n  end\nend\n`)).chunks;
    assert.equal(ruby[0].symbol, "UsersController");
    assert.equal(find(ruby, "build_3", "method").scope, "UsersController.self");
  });

  it("puts a comment after a closing brace on that line only once (`}  // namespace geo`)", async () => {
    const text = "namespace geo {\n\ndouble area(int x) {\n  return x;\n}\n\n}  // namespace geo\n\n#ifndef X\n#define X\n#endif  // X\n";
    const chunks = (await chunker.chunkFile("src/area.cpp", text)).chunks;
    assertNothingDropped("src/area.cpp", text, chunks);
    const lines = chunks.flatMap((chunk) => Array.from({ length: chunk.endLine - chunk.startLine + 1 }, (_, i) => chunk.startLine + i));
    assert.equal(new Set(lines).size, lines.length, JSON.stringify(chunks.map((chunk) => [chunk.startLine, chunk.endLine, chunk.kind])));
  });

  it("parses a .h header as C++ when it holds what only C++ has, and as C otherwise", async () => {
    const header = "#pragma once\nnamespace geo {\nclass Shape {\n public:\n  virtual double area() const = 0;\n};\ntemplate <typename T> T clamp(T v, T lo, T hi) {\n  return v < lo ? lo : v > hi ? hi : v;\n}\n}\n";
    const cpp = await chunker.chunkFile("include/geo/shape.h", header);
    assert.equal(cpp.language, "cpp");
    find(cpp.chunks, "Shape", "class");
    find(cpp.chunks, "clamp", "function");
    const c = await chunker.chunkFile("include/buffer.h", "#ifndef BUFFER_H\n#define BUFFER_H\nstruct buffer {\n  char *data;\n  int class_count;\n};\nint buffer_append(struct buffer *b, const char *s);\n#endif\n");
    assert.equal(c.language, "c");
    // What only C++ has, said in a comment, a string or a C23 attribute, is not C++.
    const mentions = "/* Like std::vector, but in C. */\n// class Buffer {\nconst char *url = \"fe80::1\";\n[[gnu::unused]] static int spare;\nint buffer_len(void);\n";
    assert.equal((await chunker.chunkFile("include/mentions.h", mentions)).language, "c");
    // A method returning a reference is named by its declarator, not its return type.
    const builder = "class Builder {\n public:\n  Config& config() { return config_; }\n  const std::string& name() const { return name_; }\n};\n";
    const members = find((await chunker.chunkFile("include/builder.h", builder)).chunks, "Builder", "class").members ?? [];
    assert.deepEqual(members.map((m) => m.name), ["config", "name"]);
  });

  it("records the members of a container written on one line (an enum's method after its constants)", async () => {
    const java = "package p;\n\nenum Status { OPEN, PAID; boolean isOpen() { return this == OPEN; } }\n";
    const members = find((await chunker.chunkFile("src/Status.java", java)).chunks, "Status", "enum").members ?? [];
    assert.deepEqual(members.map((m) => [m.name, m.startLine, m.endLine]), [["isOpen", 3, 3]]);
  });

  it("takes a definition's signature from the line that names it, past annotations and attributes", async () => {
    const java = `package p;\n\npublic class Orders {\n${Array.from({ length: 14 }, (_, i) => `  @Override\n  @Transactional(readOnly = true)\n  public Order find${i}(String id) {\n    return null;\n  }`).join("\n")}\n}\n`;
    const find3 = find((await chunker.chunkFile("src/Orders.java", java)).chunks, "find3", "method");
    assert.equal(find3.signature, "public Order find3(String id)");
    assert.match(find3.text, /^ {2}@Override\n/, "the annotations stay in the chunk");
    const csharp = "namespace Api {\n  [ApiController]\n  [Route(\"orders\")]\n  public class OrdersController : ControllerBase {\n    public int Count() { return 0; }\n  }\n}\n";
    assert.equal(find((await chunker.chunkFile("Api/OrdersController.cs", csharp)).chunks, "OrdersController", "class").signature, "public class OrdersController : ControllerBase");
  });

  it("splits Markdown at headings, ignoring '#' lines inside code fences", async () => {
    const chunks = await chunksOf("docs/guide.md");
    assert.deepEqual(chunks.map((c) => c.symbol), ["Guide", "Installing", "Configuring", "Retry settings"]);
    assert.equal(find(chunks, "Retry settings").scope, "Guide > Configuring");
    assert.match(find(chunks, "Installing").text, /# not a heading/);
  });

  it("falls back to line windows for text without a grammar", async () => {
    const chunks = await chunksOf("docs/notes.txt");
    assert.equal(chunks.length, 1);
    assert.equal(chunks[0].kind, "lines");
    assert.equal(chunks[0].language, "text");
  });
});

describe("chunker: large and awkward input", () => {
  it("names a function or class that a statement wraps, and scopes the pieces of a long one by it", async () => {
    const body = Array.from({ length: 160 }, (_, i) => `    const step${i} = config.steps[${i}] + ${i};`).join("\n");
    const text = [
      "export default isSupported && function httpAdapter(config) {",
      "  return run(async function dispatch(resolve) {",
      "    function onFinished() { resolve(); }",
      body,
      "  });",
      "}",
      "",
      "module.exports.Parser = class Parser { parse(text) { return text.trim(); } };",
      "module.exports.handlers = { first: function first() { return 1; }, second: function second() { return 2; } };",
      "items.forEach(function visit(item) { console.log(item); });",
      "const ignored = 0;",
      "fetch(url)",
      "  .then(function onOk(response) { return response.json(); })",
      "  .catch(function onError(error) { console.error(error); });",
      "export default (config) => config;",
      "",
    ].join("\n");
    const { chunks } = await chunker.chunkFile("lib/adapter.js", text);
    const pieces = chunks.filter((chunk) => chunk.startLine <= 165);
    assert.ok(pieces.length > 1, "a long function is split");
    assert.ok(pieces.every((chunk) => chunk.symbol === "httpAdapter" || chunk.scope?.startsWith("httpAdapter")), pieces.map((c) => `${c.symbol}/${c.scope}`).join(", "));
    find(chunks, "Parser", "class");
    // Functions held in an object, and anonymous ones, name nothing: those statements keep the file's label.
    // A chain of callbacks is none of them: it keeps the file's label too.
    for (const line of [168, 170, 173]) assert.equal(chunks.find((chunk) => chunk.startLine <= line && chunk.endLine >= line)?.kind, "statements", `line ${line}`);
    // A named callback is what its call statement does.
    assert.equal(chunks.find((chunk) => chunk.startLine === 169)?.symbol, "visit");
    assertNothingDropped("lib/adapter.js", text, chunks);
  });

  it("splits a long class into its members, each with the class as scope", async () => {
    const methods = Array.from({ length: 30 }, (_, i) => `  method${i}(value: number): number {\n    const doubled = value * 2;\n    return doubled + ${i};\n  }\n`);
    const text = `/** Many methods. */\nexport class Big {\n  private count = 0;\n\n${methods.join("\n")}}\n`;
    const chunks = (await chunker.chunkFile("big.ts", text)).chunks;
    for (let i = 0; i < 30; i++) assert.equal(find(chunks, `method${i}`, "method").scope, "Big");
    const head = find(chunks, "Big", "class");
    assert.match(head.text, /^\/\*\* Many methods\. \*\/\nexport class Big \{\n {2}private count = 0;/);
    assertNothingDropped("big.ts", text, chunks);
  });

  it("splits an oversized function at its statements, never past the limits", async () => {
    const body = Array.from({ length: 400 }, (_, i) => `    total += compute(${i})`).join("\n");
    const text = `def huge(items):\n    total = 0\n${body}\n    return total\n`;
    const small = new Chunker({ limits: { maxLines: 50, maxChars: 100_000, windowLines: 40 } });
    const chunks = (await small.chunkFile("huge.py", text)).chunks;
    small.dispose();
    assert.ok(chunks.length >= 8);
    for (const chunk of chunks) {
      assert.equal(chunk.symbol, "huge");
      assert.ok(chunk.endLine - chunk.startLine + 1 <= 50, `chunk of ${chunk.endLine - chunk.startLine + 1} lines`);
    }
    assertNothingDropped("huge.py", text, chunks);
  });

  it("cuts a single giant statement into line windows", async () => {
    const text = `export const TABLE = [\n${Array.from({ length: 1000 }, (_, i) => `  ${i},`).join("\n")}\n];\n`;
    const chunks = (await chunker.chunkFile("table.ts", text)).chunks;
    assert.ok(chunks.length > 5);
    assertNothingDropped("table.ts", text, chunks);
  });

  it("falls back to line windows when parsing runs out of time, and says so", async () => {
    const impatient = new Chunker({ parseTimeoutMs: -1 });
    const text = readFileSync(path.join(POLYGLOT, "lib/retry.py"), "utf8");
    const result = await impatient.chunkFile("retry.py", text);
    impatient.dispose();
    assert.match(result.note ?? "", /timed out/);
    assertNothingDropped("retry.py", text, result.chunks);
  });

  it("keeps files with syntax errors, CRLF line ends and no trailing newline", async () => {
    const text = "def ok():\r\n    return 1\r\n\r\ndef broken(:\r\n    pass\r\nclass";
    const chunks = (await chunker.chunkFile("bad.py", text)).chunks;
    find(chunks, "ok", "function");
    assertNothingDropped("bad.py", text, chunks);
  });

  it("gives the same chunks in a worker thread as in process", async () => {
    assert.ok(existsSync(WORKER), "dist/worker.js is built by the test runner");
    const worker = new WorkerStages({ workerPath: WORKER });
    try {
      for (const relPath of ["src/shapes.ts", "lib/tokens.rs", "docs/guide.md"]) {
        const text = readFileSync(path.join(POLYGLOT, relPath), "utf8");
        assert.deepEqual((await worker.process(relPath, text)).chunked, await chunker.chunkFile(relPath, text));
      }
      assert.equal(await worker.chunkerFingerprint(), await chunkerFingerprint(chunker), "the worker's chunker is the in-process one");
    } finally {
      worker.dispose();
    }
  });

  it("stops idle workers on release, not one with a file on it, and starts one again for the next file", async () => {
    const pool = new WorkerStages({ workerPath: WORKER, poolSize: 2 });
    try {
      const read = (relPath: string): string => readFileSync(path.join(POLYGLOT, relPath), "utf8");
      await Promise.all(["src/shapes.ts", "lib/retry.py"].map((relPath) => pool.process(relPath, read(relPath))));
      assert.equal(pool.threads, 2);
      const busy = pool.process("src/cache.js", read("src/cache.js"));
      pool.release();
      assert.equal(pool.threads, 1, "the worker with a file on it keeps going");
      assert.deepEqual((await busy).chunked, await chunker.chunkFile("src/cache.js", read("src/cache.js")));
      pool.release();
      assert.equal(pool.threads, 0);
      assert.deepEqual((await pool.process("lib/tokens.rs", read("lib/tokens.rs"))).chunked, await chunker.chunkFile("lib/tokens.rs", read("lib/tokens.rs")));
      assert.equal(pool.threads, 1);
    } finally {
      pool.dispose();
    }
  });

  it("replaces a worker between files once its parser memory passed the bound (after a huge file), not before", async () => {
    const bound = 64 * 2 ** 20;
    const pool = new WorkerStages({ workerPath: WORKER, poolSize: 1, recycleAboveBytes: bound });
    try {
      const small = readFileSync(path.join(POLYGLOT, "lib/retry.py"), "utf8");
      for (let i = 0; i < 30; i++) await pool.process(`lib/retry${i}.py`, small);
      const cold = pool.parserMemory;
      assert.ok(cold > 0 && cold <= bound, `small files leave the parser at its start: ${cold}`);
      assert.equal(pool.workersStarted, 1, "one worker for all the small files");
      // 60,000 statements (1.4 MB): the parser's memory grows past the bound and stays there.
      const huge = Array.from({ length: 60_000 }, (_, i) => `x${i} = [${i}, ${i + 1}]`).join("\n");
      const chunked = (await pool.process("gen/table.py", huge)).chunked;
      assert.ok(chunked.chunks.length > 0);
      assert.ok(pool.parserMemory > bound, `the huge file grew it: ${pool.parserMemory}`);
      // Memory a wasm instance took never goes back: only a fresh worker is small again.
      assert.deepEqual((await pool.process("lib/retry.py", small)).chunked, await chunker.chunkFile("lib/retry.py", small));
      assert.equal(pool.parserMemory, cold, "the next file went to a fresh worker");
      assert.equal(pool.workersStarted, 2);
    } finally {
      pool.dispose();
    }
  });

  it("gives the file after one that failed on a worker a fresh worker", async () => {
    const pool = new WorkerStages({ workerPath: WORKER, poolSize: 1 });
    try {
      const small = readFileSync(path.join(POLYGLOT, "lib/retry.py"), "utf8");
      await pool.process("lib/retry.py", small);
      // Not text: the chunker throws inside the worker, which answers with the error.
      await assert.rejects(pool.process("lib/broken.py", undefined as unknown as string));
      assert.equal(pool.workersStarted, 1);
      assert.deepEqual((await pool.process("lib/retry.py", small)).chunked, await chunker.chunkFile("lib/retry.py", small));
      assert.equal(pool.workersStarted, 2, "its state is not trusted for the next file");
    } finally {
      pool.dispose();
    }
  });

  it("splits the stages with the builtin embedder in a pool of two: a file goes through a chunk worker and an embed worker", async () => {
    const split = new WorkerStages({ workerPath: WORKER, builtinEmbedderDims: 512, poolSize: 2 });
    const whole = new WorkerStages({ workerPath: WORKER, poolSize: 2 });
    try {
      const text = readFileSync(path.join(POLYGLOT, "lib/retry.py"), "utf8");
      const processed = await split.process("lib/retry.py", text);
      assert.equal(split.threads, 2, "one file started both workers: each ran its own stages");
      assert.equal(processed.embedded?.vectors.length, processed.chunked.chunks.length);
      assert.equal(processed.fields?.length, processed.chunked.chunks.length);
      await whole.process("lib/retry.py", text);
      assert.equal(whole.threads, 1, "without an embedder one worker runs the file");
      // A file the chunk worker gives up on fails alone; the ones behind it are chunked by a fresh one and embedded.
      const slow = new WorkerStages({ workerPath: WORKER, builtinEmbedderDims: 512, poolSize: 2, timeoutMs: 1500 });
      try {
        const big = slow.process("big.py", "def f(x):\n    return x\n".repeat(600_000));
        const small = ["alpha", "beta"].map((name) => slow.process(`${name}.py`, `def ${name}():\n    pass\n`));
        await assert.rejects(big, /big\.py took longer than 1500 ms/);
        for (const file of await Promise.all(small)) assert.equal(file.embedded?.vectors.length, file.chunked.chunks.length);
        assert.deepEqual((await Promise.all(small)).map((file) => file.chunked.chunks[0]?.symbol), ["alpha", "beta"]);
      } finally {
        slow.dispose();
      }
    } finally {
      split.dispose();
      whole.dispose();
    }
  });

  it("fails the files still on the workers when the pool is disposed, and the ones waiting for them", async () => {
    const pool = new WorkerStages({ workerPath: WORKER, builtinEmbedderDims: 512, poolSize: 2 });
    const big = "def f(x):\n    return x\n".repeat(200_000);
    const files = Array.from({ length: 8 }, (_, i) => pool.process(`big${i}.py`, big));
    await new Promise((resolve) => setTimeout(resolve, 200));
    pool.dispose();
    const settled = await Promise.race([Promise.allSettled(files), new Promise((resolve) => setTimeout(() => resolve("unanswered"), 5_000))]);
    assert.notEqual(settled, "unanswered", "every file's promise settles");
    for (const result of settled as PromiseSettledResult<unknown>[]) {
      assert.equal(result.status, "rejected");
      assert.match(String((result as PromiseRejectedResult).reason), /indexing workers stopped/);
    }
  });

  it("runs the embed and fields stages in a pool of workers exactly as in process", async () => {
    const pool = new WorkerStages({ workerPath: WORKER, builtinEmbedderDims: 512, poolSize: 2 });
    const embedder = new BuiltinEmbedder();
    try {
      const files = ["src/shapes.ts", "lib/tokens.rs", "lib/retry.py", "src/cache.js"];
      const results = await Promise.all(files.map((relPath) => pool.process(relPath, readFileSync(path.join(POLYGLOT, relPath), "utf8"))));
      for (const { chunked, embedded, fields } of results) {
        assert.equal(embedded?.embedder, embedder.fingerprint);
        assert.equal(embedded?.vectors.length, chunked.chunks.length);
        chunked.chunks.forEach((chunk, i) => {
          const input = embeddingInput(chunk);
          assert.deepEqual([...embedded!.vectors[i]], [...embedder.embedSync(input.text, input.title)]);
          const fromWorker = toRow(chunk, embedded!.vectors[i], fields![i]);
          const inProcess = toRow(chunk, embedded!.vectors[i]);
          assert.equal(fromWorker.ftsText, inProcess.ftsText);
          assert.equal(fromWorker.ftsName, inProcess.ftsName);
        });
      }
    } finally {
      pool.dispose();
    }
  });
});

/** Real code no one here wrote: Python's standard library and sources shipped in npm packages. */
function realCorpus(): Array<{ label: string; root: string; filter: (p: string) => boolean }> {
  const modules = path.join(REPO_ROOT, "node_modules");
  const grammarPackages = readdirSync(modules).filter((name) => name.startsWith("tree-sitter-")).map((name) => path.join(modules, name));
  return [
    // Python's stdlib when it is installed (skipped with the rest of the corpus otherwise).
    ...(STDLIB ? [{ label: "python", root: STDLIB, filter: (p: string) => p.endsWith(".py") }] : []),
    { label: "typescript", root: path.join(modules, "openai", "src"), filter: (p) => p.endsWith(".ts") },
    { label: "typescript", root: path.join(modules, "apache-arrow"), filter: (p) => p.endsWith(".ts") && !p.endsWith(".d.ts") },
    { label: "javascript", root: path.join(modules, "@lancedb", "lancedb", "dist"), filter: (p) => p.endsWith(".js") },
    { label: "go/php", root: path.join(modules, "flatted"), filter: (p) => /\.(go|php|py)$/.test(p) },
    ...grammarPackages.map((root) => ({ label: "c/c++", root, filter: (p: string) => /(scanner\.c|\.h|binding\.cc)$/.test(p) })),
    { label: "fixtures", root: POLYGLOT, filter: () => true },
  ];
}

describe("chunker: no code is ever dropped (real multi-language corpus)", () => {
  it("covers every non-blank line of every file, within the size limits", async () => {
    const seen = new Map<string, number>();
    let files = 0;
    for (const { label, root, filter } of realCorpus()) {
      if (!existsSync(root) || !statSync(root).isDirectory()) continue;
      const { files: scanned } = await scanAll(root);
      for (const file of scanned.filter((f) => filter(f.path))) {
        const text = readFileSync(file.absPath, "utf8");
        const result = await chunker.chunkFile(file.path, text);
        assertNothingDropped(`${root}/${file.path}`, text, result.chunks);
        for (const chunk of result.chunks) {
          const lines = chunk.endLine - chunk.startLine + 1;
          assert.ok(lines <= 120, `${file.path}:${chunk.startLine} has ${lines} lines`);
        }
        seen.set(`${label}:${result.language}`, (seen.get(`${label}:${result.language}`) ?? 0) + 1);
        files++;
      }
    }
    assert.ok(files > 900, `only ${files} files in the corpus`);
    for (const language of ["python", "typescript", "javascript", "go", "php", "c", "cpp", "java", "rust", "csharp", "ruby", "tsx", "markdown"]) {
      assert.ok([...seen.keys()].some((key) => key.endsWith(`:${language}`)), `no ${language} file in the corpus`);
    }
  });
});
