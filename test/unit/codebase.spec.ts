// The Codebase: one door over every folder of a workspace. Real files, grammars and LanceDB.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { Codebase, CodebaseError } from "../../src/core/codebase/codebase";
import { BuiltinEmbedder } from "../../src/core/embed/builtin";
import { AgentTools, ToolInputError } from "../../src/core/tools/agentTools";
import { ModelClient } from "../../src/core/model/client";
import { CompletionEngine } from "../../src/core/model/completions";
import { parseProfile } from "../../src/core/model/profiles";
import { loadLanceDb } from "../../src/core/store/lance";
import { membersDefining } from "../../src/core/store/records";
import { TestModelServer } from "../support/modelServer";
import { removeTree, tempDir, writeTree } from "../helpers/workspace";

const APP = {
  "src/a b.py": "def settle_invoice(invoice):\n    \"\"\"Settle an invoice.\"\"\"\n    return ledger_post(invoice.total)\n",
  "src/util.py": "def clamp_value(value, low, high):\n    return max(low, min(value, high))\n",
  "src/ledger.py": "def ledger_post(amount):\n    return {'posted': amount}\n",
  "AGENTS.md": "App rule: money is in cents.\n",
  ".env": "SECRET_TOKEN=abc\n",
  "node_modules/dep/index.js": "module.exports = function hidden_dependency() {};\n",
};
const LIB = {
  "src/util.py": "def clamp_value(value, low, high):\n    return max(low, min(value, high))\n",
  "src/geometry.py": "def polygon_area(points):\n    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1]))) / 2\n",
  "AGENTS.md": "Lib rule: pure functions only.\n",
};

describe("codebase over a multi-root workspace", () => {
  let parent: string;
  let storage: string;
  let codebase: Codebase;
  const folders = (): Array<{ name: string; root: string }> => [
    { name: "My App", root: path.join(parent, "My App") },
    { name: "lib", root: path.join(parent, "lib") },
  ];

  before(async () => {
    parent = tempDir("gw-multi-");
    storage = tempDir("gw-multi-storage-");
    writeTree(path.join(parent, "My App"), APP);
    writeTree(path.join(parent, "lib"), LIB);
    codebase = await Codebase.open({ folders: folders(), storageDir: storage, embedder: new BuiltinEmbedder({ dims: 128 }) });
    const results = await codebase.index();
    assert.deepEqual(results.map((r) => r.folder), ["My App", "lib"]);
  });

  after(() => {
    codebase.close();
    removeTree(parent);
    removeTree(storage);
  });

  it("names every path by its folder, and resolves those names back, spaces included", () => {
    assert.deepEqual(codebase.folders.map((f) => f.prefix), ["My App/", "lib/"]);
    const file = path.join(parent, "My App", "src", "a b.py");
    assert.equal(codebase.pathOf(file), "My App/src/a b.py");
    assert.equal(codebase.resolve("My App/src/a b.py")?.absPath, file);
    assert.equal(codebase.resolve("lib/src/util.py")?.folder.name, "lib");
    assert.equal(codebase.resolve("Other/x.py"), undefined);
    assert.equal(codebase.resolve("My App/../lib/x.py"), undefined, "no escaping a folder");
    assert.equal(codebase.pathOf(path.join(parent, "elsewhere.py")), undefined);
  });

  it("searches every folder in one ranking, with folder-prefixed paths", async () => {
    const hits = await codebase.search("settle an invoice", { limit: 5 });
    assert.equal(hits[0].path, "My App/src/a b.py");
    assert.equal(hits[0].symbol, "settle_invoice");
    const area = await codebase.search("area of a polygon", { limit: 5 });
    assert.equal(area[0].path, "lib/src/geometry.py");
    // The same file in two folders: two hits, one per folder; by their vectors (absolute scores) they tie.
    const clamp = (await codebase.search("clamp a value between low and high", { limit: 5, mode: "vector" })).filter((h) => h.symbol === "clamp_value");
    assert.deepEqual(clamp.map((h) => h.path).sort(), ["My App/src/util.py", "lib/src/util.py"]);
    assert.equal(new Set(clamp.map((h) => h.id)).size, 2, "ids stay unique across folders");
    assert.ok(Math.abs(clamp[0].score - clamp[1].score) < 1e-9, `${clamp[0].score} vs ${clamp[1].score}`);
  });

  it("merges by one rule: every folder's candidates in one fusion, so scores compare across folders", async () => {
    // Fused per folder, lib's best (weak) match would score as high as My App's best; fused once, it can't.
    const hits = await codebase.search("settle an invoice", { limit: 10 });
    const app = hits.filter((h) => h.path.startsWith("My App/"));
    const lib = hits.filter((h) => h.path.startsWith("lib/"));
    assert.equal(app[0].scores.fusion, 1);
    assert.ok(lib.length > 0 && lib[0].scores.fusion < 0.6, `lib's best fused at ${lib[0]?.scores.fusion}`);
    assert.ok(app[0].score > lib[0].score + 0.3);
    // The folders' order changes nothing.
    const swapped = await Codebase.open({ folders: [...folders()].reverse(), storageDir: storage, embedder: new BuiltinEmbedder({ dims: 128 }) });
    try {
      for (const query of ["settle an invoice", "area of a polygon", "post an amount to the ledger"]) {
        // Equal scores (the same file in both folders) may come in either order.
        const ranking = (hits: Awaited<ReturnType<Codebase["search"]>>): string[] => hits.map((h) => `${h.score.toFixed(9)} ${h.path}:${h.startLine}`).sort().reverse();
        assert.deepEqual(ranking(await swapped.search(query, { limit: 8 })), ranking(await codebase.search(query, { limit: 8 })), query);
      }
    } finally {
      swapped.close();
    }
  });

  it("pins @ mentions: a file (quoted, with spaces) or a symbol's definitions in every folder", async () => {
    const file = await codebase.mention("My App/src/a b.py");
    assert.deepEqual(file.map((h) => h.path), ["My App/src/a b.py"]);
    assert.equal(file[0].score, 1);
    const symbol = await codebase.mention("clamp_value");
    assert.deepEqual(symbol.map((h) => h.path).sort(), ["My App/src/util.py", "lib/src/util.py"]);
    assert.deepEqual(await codebase.mention("Nowhere/x.py"), []);
    const suggestions = await codebase.suggestMentions("a b", "file");
    assert.deepEqual(suggestions.map((s) => s.value), ["My App/src/a b.py"]);
    assert.equal(suggestions[0].detail, "My App");
    const symbols = await codebase.suggestMentions("polygon", "symbol");
    assert.deepEqual(symbols.map((s) => s.value), ["polygon_area"]);
  });

  it("cites a hit, a definition and an expanded definition where their code is now, in files edited since they were indexed", async () => {
    const geometry = path.join(parent, "lib", "src", "geometry.py");
    const ledger = path.join(parent, "My App", "src", "ledger.py");
    const lines = (hit: { path: string; startLine: number; endLine: number } | undefined): string => (hit ? `${hit.path}:${hit.startLine}-${hit.endLine}` : "none");
    try {
      // Three lines added above each (not indexed yet).
      writeFileSync(geometry, `import math\n\n\n${LIB["src/geometry.py"]}`);
      writeFileSync(ledger, `# Posting.\n\n\n${APP["src/ledger.py"]}`);
      assert.equal(lines((await codebase.definitions("polygon_area"))[0]), "lib/src/geometry.py:4-5");
      assert.equal(lines((await codebase.search("polygon area points", { limit: 5 })).find((hit) => hit.path === "lib/src/geometry.py")), "lib/src/geometry.py:4-5");
      const expanded = (await codebase.search("settle invoice", { limit: 1, expand: true })).find((hit) => hit.expandedFrom);
      assert.equal(lines(expanded), "My App/src/ledger.py:4-5");
      assert.equal((await codebase.readCitation(lines(expanded))).text, expanded!.text, "the citation names its code");
      assert.equal(lines((await codebase.mention("@lib/src/geometry.py"))[0]), "lib/src/geometry.py:4-5", "a file's chunks pinned by a mention");
    } finally {
      writeFileSync(geometry, LIB["src/geometry.py"]);
      writeFileSync(ledger, APP["src/ledger.py"]);
    }
  });

  it("reads the code a citation names, and nothing outside the indexed files", async () => {
    const code = await codebase.readCitation("My App/src/a b.py:1-2");
    assert.equal(code.text, "def settle_invoice(invoice):\n    \"\"\"Settle an invoice.\"\"\"");
    assert.equal(code.citation, "My App/src/a b.py:1-2");
    assert.equal(code.language, "python");
    const clamped = await codebase.readCode("lib/src/util.py", 2, 99);
    assert.equal(clamped.citation, "lib/src/util.py:2-3", "the end is clamped to the file");
    await assert.rejects(codebase.readCitation("My App/.env:1-1"), (e: unknown) => e instanceof CodebaseError && /not an indexed file.*secrets/.test(e.message));
    await assert.rejects(codebase.readCitation("My App/node_modules/dep/index.js:1-1"), CodebaseError);
    await assert.rejects(codebase.readCitation("My App/../../etc/passwd:1-1"), /not inside any folder/);
    await assert.rejects(codebase.readCitation("not a citation"), /not a citation/);
  });

  it("gives each file its own folder's conventions, named by their codebase path", async () => {
    const app = await codebase.conventionsFor("My App/src/a b.py");
    assert.deepEqual(app.map((c) => c.source), ["My App/AGENTS.md"]);
    const lib = await codebase.conventionsFor("lib/src/geometry.py");
    assert.deepEqual(lib.map((c) => c.text), ["Lib rule: pure functions only."]);
    assert.match(await codebase.conventionDigest("lib/src/util.py", 50), /pure functions/);
  });

  it("routes file events to their folder, and reports each folder's status", async () => {
    writeFileSync(path.join(parent, "lib", "src", "vectors.py"), "def dot_product(a, b):\n    return sum(x * y for x, y in zip(a, b))\n");
    const results = await codebase.update([path.join(parent, "lib", "src", "vectors.py"), path.join(parent, "elsewhere.py")]);
    assert.deepEqual(results.map((r) => [r.folder, r.filesIndexed]), [["lib", 1]]);
    assert.equal((await codebase.search("dot product of two vectors", { limit: 1 }))[0].path, "lib/src/vectors.py");
    const status = await codebase.status();
    assert.deepEqual(status.map((s) => [s.folder, s.prefix]), [["My App", "My App/"], ["lib", "lib/"]]);
    assert.ok(status[0].skipped.some((r) => r.path === ".env"));
    assert.equal((await codebase.summary()).files, status[0].filesIndexed + status[1].filesIndexed);
  });

  it("follows the workspace's folders: a removed folder's code leaves the results, a single folder has no prefix", async () => {
    await codebase.setFolders([folders()[1]]);
    try {
      assert.deepEqual(codebase.folders.map((f) => f.prefix), [""]);
      const hits = await codebase.search("settle an invoice", { limit: 5 });
      assert.ok(hits.every((h) => !h.path.startsWith("My App/") && !h.path.includes("a b.py")));
      assert.equal((await codebase.search("area of a polygon", { limit: 1 }))[0].path, "src/geometry.py");
    } finally {
      await codebase.setFolders(folders());
    }
    assert.equal((await codebase.search("settle an invoice", { limit: 1 }))[0].path, "My App/src/a b.py");
  });

  it("grounds completions by codebase paths: the file being edited is never its own snippet, its folder's rules apply", async () => {
    const server = await TestModelServer.start({ models: ["coder"] });
    try {
      const client = new ModelClient(parseProfile({ id: "c", baseURL: server.url, model: "coder", fim: "qwen2.5-coder" }), { maxRetries: 0 });
      const engine = new CompletionEngine({ client, source: codebase });
      server.enqueue({ kind: "text", text: "ledger_post(invoice.total)\n" });
      const result = await engine.complete({ path: "My App/src/ledger.py", language: "python", prefix: "def refund_invoice(invoice):\n    ledger_post(-invoice.total)\n    return settle_invoice(", suffix: "\n" });
      assert.ok(result);
      const snippets = result.context.map((item) => item.path);
      assert.ok(snippets.length > 0, "other files' snippets are sent");
      assert.ok(!snippets.includes("My App/src/ledger.py"), `the edited file came back as a snippet: ${snippets.join(", ")}`);
      const prompt = server.to("/v1/completions").at(-1)!.body.prompt as string;
      const rules = /# Team conventions:\n((?:# .*\n)*)/.exec(prompt)?.[1] ?? "";
      assert.match(rules, /money is in cents/);
      assert.doesNotMatch(rules, /pure functions only/, "the other folder's rules stay out");
    } finally {
      await server.close();
    }
  });

  it("agent tools: a path glob written for any folder matches in every folder; bad arguments say what to fix", async () => {
    const tools = new AgentTools(codebase, { caller: "test" });
    const answer = await tools.call("search_code", { query: "clamp value low high", path: "src/**/*.py", k: 5 });
    const paths = (answer.data.results as Array<{ path: string }>).map((r) => r.path);
    assert.ok(paths.includes("My App/src/util.py") && paths.includes("lib/src/util.py"), JSON.stringify(paths));
    const prefixed = await tools.call("search_code", { query: "clamp value low high", path: "lib/**", k: 5 });
    const inLib = (prefixed.data.results as Array<{ path: string }>).map((r) => r.path);
    assert.ok(inLib.includes("lib/src/util.py") && inLib.every((p) => p.startsWith("lib/")), JSON.stringify(inLib));
    await assert.rejects(tools.call("search_code", { query: "x", constructor: 1 }), (e: unknown) => e instanceof ToolInputError && /no argument "constructor"/.test(e.message));
    await assert.rejects(tools.call("read_code", { citation: "lib/src/util.py:1-2", start_line: 5 }), (e: unknown) => e instanceof ToolInputError && /not both/.test(e.message));
  });

  it("makes duplicate folder names unique", async () => {
    const twin = await Codebase.open({
      folders: [{ name: "lib", root: path.join(parent, "lib") }, { name: "lib", root: path.join(parent, "My App") }],
      storageDir: storage,
      embedder: new BuiltinEmbedder({ dims: 128 }),
    });
    try {
      assert.deepEqual(twin.folders.map((f) => f.prefix), ["lib/", "lib (2)/"]);
      assert.equal((await twin.search("settle an invoice", { limit: 1 }))[0].path, "lib (2)/src/a b.py");
    } finally {
      twin.close();
    }
  });
});

/** A codebase over `folders` (name → files) under a fresh folder, indexed, for `body`; removed after. */
async function withIndexedFolders(folders: Record<string, Record<string, string>>, body: (codebase: Codebase) => Promise<void>): Promise<void> {
  const parent = tempDir("gw-folders-");
  const storage = tempDir("gw-folders-storage-");
  for (const [name, files] of Object.entries(folders)) writeTree(path.join(parent, name), files);
  const codebase = await Codebase.open({ folders: Object.keys(folders).map((name) => ({ name, root: path.join(parent, name) })), storageDir: storage, embedder: new BuiltinEmbedder({ dims: 128 }) });
  try {
    await codebase.index();
    await body(codebase);
  } finally {
    codebase.close();
    removeTree(parent);
    removeTree(storage);
  }
}

describe("search_code's path filter", () => {
  it("finds a match in the files a glob names though a hundred others rank above it, and a glob without a slash names files anywhere", async () => {
    const files: Record<string, string> = { "special/handler.py": "def handle_request(request, retry=False):\n    return request.body\n" };
    for (let i = 0; i < 120; i++) files[`lib/mod${i}.py`] = `def retry_operation_${i}(attempts):\n    """Retry the operation with backoff, retry after retry."""\n    return retry_with_backoff(attempts, ${i})\n`;
    await withIndexedFolders({ w: files }, async (codebase) => {
      const tools = new AgentTools(codebase, { caller: "test" });
      for (const glob of ["special/**", "special/handler.py", "handler.py", "*.py"]) {
        const answer = await tools.call("search_code", { query: "retry", path: glob, k: 3 });
        const paths = (answer.data.results as Array<{ path: string }> | undefined ?? []).map((r) => r.path);
        assert.ok(glob === "*.py" ? paths.length === 3 : paths.includes("special/handler.py"), `${glob}: ${JSON.stringify(paths)}`);
      }
    });
  });
});

describe("file roles in a multi-root workspace", () => {
  it("tells a file's role by its path inside its folder: a folder named website holds code like any other", async () => {
    const cart = "export function computeCartTotal(items: Array<{ price: number; quantity: number }>): number {\n  return items.reduce((total, item) => total + item.price * item.quantity, 0);\n}\n";
    const orders = "export function orderSummary(order: { id: string }): string {\n  return `order ${order.id}: total computed`;\n}\n";
    await withIndexedFolders({ website: { "src/cart.ts": cart }, api: { "src/orders.ts": orders } }, async (codebase) => {
      const [top] = await codebase.search("compute the cart total", { limit: 3 });
      assert.equal(top?.path, "website/src/cart.ts");
      assert.equal(top.role, "code");
      assert.equal(top.scores.prior, undefined, "not lowered as a web page's");
    });
  });
});

describe("reading cited code after the files changed on disk", () => {
  it("does not follow a symbolic link put in place of an indexed file or folder, and a watched change forgets what was below the folder", async () => {
    const root = tempDir("gw-links-");
    const outside = tempDir("gw-outside-");
    const storage = tempDir("gw-links-storage-");
    writeTree(root, { "a.py": "def alpha_value():\n    return 1\n", "c.py": "def gamma_value():\n    return 3\n", "d.py": "def delta_value():\n    return 4\n", "pkg/b.py": "def beta_value():\n    return 2\n" });
    writeTree(outside, { "creds.txt": "TOP_SECRET=1\n", "b.py": "def stolen_outside_secret():\n    return 'TOP_SECRET'\n" });
    const codebase = await Codebase.open({ folders: [{ name: "w", root }], storageDir: storage, embedder: new BuiltinEmbedder({ dims: 128 }) });
    try {
      await codebase.index();
      assert.match((await codebase.readCode("pkg/b.py")).text, /beta_value/);
      // Before any update has run (the CLI, or the moment before the watcher fires).
      rmSync(path.join(root, "a.py"));
      symlinkSync(path.join(outside, "creds.txt"), path.join(root, "a.py"));
      await assert.rejects(codebase.readCode("a.py"), (e: unknown) => e instanceof CodebaseError && /a\.py is a symbolic link now/.test(e.message));
      rmSync(path.join(root, "pkg"), { recursive: true });
      symlinkSync(outside, path.join(root, "pkg"));
      await assert.rejects(codebase.readCode("pkg/b.py"), (e: unknown) => e instanceof CodebaseError && /pkg is a symbolic link now/.test(e.message));
      // The watcher reports the file below the replaced folder: the outside file is not indexed under its name.
      await codebase.update([path.join(root, "pkg", "b.py")]);
      assert.ok(!(await codebase.search("stolen outside secret", { limit: 10 })).some((hit) => hit.path.startsWith("pkg/")), "nothing from outside is searched");
      await assert.rejects(codebase.readCode("pkg/b.py"), /not an indexed file/);
      const [status] = await codebase.status();
      assert.ok(status.skipped.some((record) => record.path === "pkg" && /symbolic link to outside/.test(record.reason ?? "")), JSON.stringify(status.skipped));
      // A file deleted since indexing: said plainly, without the machine's absolute path.
      rmSync(path.join(root, "c.py"));
      await assert.rejects(codebase.readCode("c.py"), (e: unknown) => e instanceof CodebaseError && /no longer exists/.test(e.message) && !e.message.includes(root));
      // A file replaced by a folder: said without the absolute path either.
      rmSync(path.join(root, "d.py"));
      mkdirSync(path.join(root, "d.py"));
      await assert.rejects(codebase.readCode("d.py"), (e: unknown) => e instanceof CodebaseError && /d\.py is not read: it is not a regular file now/.test(e.message) && !e.message.includes(root));
    } finally {
      codebase.close();
      for (const dir of [root, outside, storage]) removeTree(dir);
    }
  });
});

describe("an index folder deleted under a running process", () => {
  it("is reported once per deletion, whether an update or a search finds it; searches find nothing there instead of failing; a whole run builds it back", async () => {
    await withIndexedFolders({ app: { "src/ledger.py": APP["src/ledger.py"], "src/a b.py": APP["src/a b.py"] }, lib: LIB }, async (codebase) => {
      const reported: string[][] = [];
      codebase.onIndexDeleted((folders) => reported.push(folders));
      const deleteAppIndex = async (): Promise<void> => {
        await codebase.maintenanceIdle();
        rmSync((await codebase.status())[0].dbPath, { recursive: true, force: true });
      };
      // Found by an update: it writes only its own files into a new index, so the rest is missing.
      await deleteAppIndex();
      await codebase.update([path.join(codebase.folders[0].root, "src", "ledger.py")]);
      assert.deepEqual(reported, [["app"]]);
      assert.deepEqual((await codebase.search("settle an invoice", { limit: 5 })).filter((hit) => hit.path.startsWith("app/")).map((hit) => hit.path), ["app/src/ledger.py"]);
      await codebase.index({ maintain: false }); // maintenance would look at the generations again anyway
      assert.equal((await codebase.search("settle an invoice", { limit: 1 }))[0]?.path, "app/src/a b.py");
      // Found by a search: the other folder still answers, reads of the deleted one find nothing.
      await deleteAppIndex();
      const hits = await codebase.search("clamp value between low and high", { limit: 5 });
      assert.equal(hits[0]?.path, "lib/src/util.py");
      assert.ok(hits.every((hit) => hit.path.startsWith("lib/")), JSON.stringify(hits.map((hit) => hit.path)));
      assert.deepEqual(await codebase.definitions("ledger_post"), []);
      assert.deepEqual((await codebase.status()).map((status) => status.filesIndexed > 0), [false, true]);
      assert.deepEqual(reported, [["app"], ["app"]]);
      // A whole run builds it back, and reports nothing.
      await codebase.index();
      assert.equal((await codebase.definitions("ledger_post"))[0]?.path, "app/src/ledger.py");
      assert.equal(reported.length, 2);
      // Cleared on purpose (Clear Index) by another process: a reader here is not told to build it again.
      await codebase.maintenanceIdle();
      const other = await Codebase.open({ folders: codebase.folders.map(({ name, root, dbPath }) => ({ name, root, dbPath })), embedder: new BuiltinEmbedder({ dims: 128 }) });
      try {
        await other.clear();
      } finally {
        other.close();
      }
      assert.deepEqual((await codebase.search("settle an invoice", { limit: 5 })).filter((hit) => hit.path.startsWith("app/")), []);
      assert.equal(reported.length, 2);
    });
  });
});

describe("the default index folder and git", () => {
  it("is kept out of git by a .gitignore of its own, which leaves the team's .groundwork/conventions/ in", async () => {
    const root = tempDir("gw-gitignore-");
    try {
      writeTree(root, { "src/app.py": "def main():\n    return 1\n", ".groundwork/conventions/style.md": "Prefer early returns.\n" });
      execFileSync("git", ["init", "-q", "-b", "main", root]);
      const codebase = await Codebase.open({ folders: [{ name: "w", root }] });
      try {
        await codebase.index();
      } finally {
        codebase.close();
      }
      const untracked = execFileSync("git", ["-C", root, "status", "--porcelain", "--untracked-files=all"], { encoding: "utf8" }).split("\n").filter(Boolean).map((line) => line.slice(3)).sort();
      assert.deepEqual(untracked, [".groundwork/.gitignore", ".groundwork/conventions/style.md", "src/app.py"]);
    } finally {
      removeTree(root);
    }
  });
});

describe("definitions and references by name", () => {
  it("puts code before a test's fake, leaves out a split class's stray lines, keeps a recursive caller, takes Ruby's names and common words", async () => {
    const cartMethods = Array.from({ length: 12 }, (_, i) => `  def item_${i}\n    @items[${i}]\n  end`).join("\n");
    const files = {
      "server/a_fake_test.go": "package server\n\ntype fakeServer struct{}\n\nfunc (f *fakeServer) Shutdown() error { return nil }\n",
      "server/server.go": "package server\n\ntype Server struct{ done chan struct{} }\n\n// Shutdown stops the server.\nfunc (s *Server) Shutdown() error {\n\tclose(s.done)\n\treturn nil\n}\n",
      "lib/cart.rb": `class Cart\n${cartMethods}\n\n  private\n\n${cartMethods.replace(/item_/g, "hidden_")}\nend\n`,
      "lib/walk.py": "def walk(node):\n    for child in node.children:\n        walk(child)\n\n\ndef main(root):\n    walk(root)\n",
      "lib/lists.rb": "def empty?(list)\n  list.size.zero?\nend\n\ndef check(list)\n  raise 'empty' if empty?(list)\nend\n",
      "src/iter.cpp": "Iter Iter::operator++(int) {\n  ++pos;\n  return *this;\n}\n",
      "server/chain.go": "package server\n\n// Then wraps h in every middleware of the chain.\nfunc (c Chain) Then(h Handler) Handler {\n\tfor i := range c {\n\t\th = c[len(c)-1-i](h)\n\t}\n\treturn h\n}\n",
      "server/router.go": "package server\n\nfunc routes(c Chain, final Handler) Handler {\n\treturn c.Then(final)\n}\n\nfunc ThenAll(c Chain) Chain {\n\treturn c\n}\n",
      "server/chain_test.go": "package server\n\nfunc TestThen(t *testing.T) {\n\tChain{}.Then(nil)\n}\n",
      "src/fact.c": "/**\n * fact computes n factorial.\n */\nlong fact(int n) {\n  return n <= 1 ? 1 : n\n    * fact(n - 1);\n}\n",
    };
    await withIndexedFolders({ w: files }, async (codebase) => {
      assert.deepEqual((await codebase.definitions("Shutdown")).map((hit) => [hit.path, hit.role]), [["server/server.go", "code"], ["server/a_fake_test.go", "test"]]);
      const cart = await codebase.definitions("Cart", 10);
      assert.ok(cart.length > 0 && cart.every((hit) => /\bclass Cart\b/.test(hit.text)), JSON.stringify(cart.map((hit) => `${hit.startLine}-${hit.endLine}: ${hit.text.slice(0, 30)}`)));
      assert.deepEqual((await codebase.references("walk")).map((hit) => hit.symbol).sort(), ["main", "walk"]);
      // A recursive call on a line that goes on with `*` is code; the doc comment's mention is not a use.
      assert.deepEqual((await codebase.references("fact")).map((hit) => `${hit.path}:${hit.symbol}`), ["src/fact.c:fact"]);
      // A name is no pattern: `@"operator++"` finds C++'s operator rather than failing.
      assert.deepEqual((await codebase.definitions("operator++")).map((hit) => hit.path), ["src/iter.cpp"]);
      // A name that is a common word, which full text and the builtin vectors leave out, is found by its definition.
      assert.deepEqual((await codebase.search("Then", { limit: 3 })).map((hit) => `${hit.path}:${hit.symbol}`), ["server/chain.go:Then"]);
      // And its uses are found in the code that holds it (full text has no terms for it), code before tests, `ThenAll` no use of it.
      assert.deepEqual((await codebase.references("Then")).map((hit) => `${hit.path}:${hit.symbol}`), ["server/router.go:routes", "server/chain_test.go:TestThen"]);
      const tools = new AgentTools(codebase, { caller: "test" });
      assert.match((await tools.call("get_definition", { symbol: "empty?" })).text, /lib\/lists\.rb:1-3/);
      assert.match((await tools.call("find_references", { symbol: "empty?" })).text, /lib\/lists\.rb:5-7/);
    });
  });
});

describe("definitions inside a chunk kept whole", () => {
  it("finds a small class's methods, an enum's methods below its constants and a grouped Go type, each at its own lines", async () => {
    const order = [
      "package shop;", "",
      "public record Order(String id, long cents, Status status) {",
      "  /** The total in cents, tax included. */",
      "  public long total() {",
      "    return cents + cents / 5;",
      "  }", "",
      "  enum Status {",
      "    OPEN, PAID, CANCELLED;", "",
      "    boolean isCancellable() {",
      "      return this == OPEN;",
      "    }",
      "  }",
      "}", "",
    ].join("\n");
    const middleware = "package server\n\ntype (\n\tMiddleware func(h Handler) Handler\n\n\t// Chain applies middlewares in order.\n\tChain struct {\n\t\tlist []Middleware\n\t}\n)\n";
    await withIndexedFolders({ w: { "src/Order.java": order, "server/middleware.go": middleware } }, async (codebase) => {
      const at = async (symbol: string): Promise<string[]> => (await codebase.definitions(symbol)).map((hit) => `${hit.path}:${hit.startLine}-${hit.endLine} ${hit.kind} ${hit.scope}`);
      assert.deepEqual(await at("total"), ["src/Order.java:4-7 method Order"]);
      assert.deepEqual(await at("isCancellable"), ["src/Order.java:12-14 method Order"]);
      assert.deepEqual(await at("Chain"), ["server/middleware.go:6-9 type Middleware"]);
      const [total] = await codebase.definitions("total");
      assert.equal(total.text, order.split("\n").slice(3, 7).join("\n"));
      // The class itself is still one chunk, found by its own name.
      assert.deepEqual(await at("Order"), ["src/Order.java:3-16 class "]);
    });
  });

  it("finds none in a generation written before the column that lists them, and fails on anything else", async () => {
    const dir = tempDir("gw-old-layout-");
    try {
      const db = await loadLanceDb().then((lancedb) => lancedb.connect(dir));
      const table = await db.createTable("old", [{ ref: JSON.stringify(["id", "a.py", "python", "A", "class", "", 1, 3, "h", "a.py > A"]), text: "class A:\n  def total(self):\n    pass", kind: "class" }]);
      assert.deepEqual(await membersDefining(table, ["total"], 10, "kind = 'class'"), []);
      const current = await db.createTable("current", [{ ref: "[]", text: "", kind: "class", defines: " total@2-3@method " }]);
      await assert.rejects(membersDefining(current, ["total"], 10, "no_such_column = 1"), /no_such_column/);
    } finally {
      removeTree(dir);
    }
  });
});
