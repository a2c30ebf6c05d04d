// The index fingerprint is derived from everything that decides the stored rows. A golden file
// pins sample embeddings, full-text fields and chunks to the fingerprints they were made under: a
// change to the features without a new fingerprint fails here; a new fingerprint needs its goldens
// recorded (GOLDEN_UPDATE=1 npm run test:unit adds them, and never rewrites an existing entry).
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { Chunker } from "../../src/core/chunk/chunker";
import type { Chunk } from "../../src/core/chunk/types";
import { BuiltinEmbedder } from "../../src/core/embed/builtin";
import { chunkerFingerprint, fieldsFingerprint, indexFingerprint, queryFingerprint } from "../../src/core/index/fingerprint";
import { embeddingInput, toRow } from "../../src/core/index/rows";
import { InProcessStages } from "../../src/core/index/stages";
import { WorkerStages } from "../../src/core/index/workerPool";
import { chunkerPart, KEPT_FINGERPRINT_FILE, keepChunkerPart } from "../../src/core/codebase/keptFingerprint";
import { sha256Hex } from "../../src/core/util/hash";
import { removeTree, REPO_ROOT, tempDir, WORKER } from "../helpers/workspace";

const GOLDEN = path.join(REPO_ROOT, "test", "golden", "fingerprint.json");

interface Goldens {
  query: Record<string, unknown>;
  chunker: Record<string, unknown>;
}

function sample(path: string, symbol: string, kind: Chunk["kind"], scope: string, signature: string, text: string): Chunk {
  return { path, language: "x", symbol, kind, scope, startLine: 10, endLine: 9 + text.split("\n").length, text, header: [path, scope, signature].filter(Boolean).join(" > "), signature, contentHash: sha256Hex(text) };
}

/** Chunks unlike the fingerprint's own probe: other identifiers, other languages. */
const SAMPLES: Chunk[] = [
  sample("pkg/server/handler.go", "ServeHTTP", "method", "Handler", "func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request)",
    "func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {\n\tr.Body = http.MaxBytesReader(w, r.Body, h.maxBodyBytes)\n\tjsonErr := json.NewDecoder(r.Body).Decode(&h.payload)\n}"),
  sample("app/models/user.rb", "full_name", "method", "User", "def full_name", "def full_name\n  \"#{first_name} #{last_name}\".strip\nend"),
  sample("src/main/java/com/acme/OrderService.java", "OrderService.java", "statements", "", "", "package com.acme;\nimport java.util.List;\nimport java.util.concurrent.ConcurrentHashMap;"),
];

const SAMPLE_FILES: Array<[string, string]> = [
  ["sample/orders.py", "from dataclasses import dataclass\n\n\n@dataclass\nclass Order:\n    id: int\n\n    def total(self, tax_rate):\n        return sum(line.price for line in self.lines) * (1 + tax_rate)\n"],
  ["sample/cart.ts", "export type Item = { sku: string; qty: number };\n\nexport class Cart {\n  private items = new Map<string, Item>();\n  add(item: Item): void {\n    this.items.set(item.sku, item);\n  }\n}\n"],
];

function rounded(vector: Float32Array): { sha256: string; head: number[] } {
  const values = Array.from(vector, (x) => Math.round(x * 1e6) / 1e6);
  return { sha256: sha256Hex(JSON.stringify(values)), head: values.filter((x) => x !== 0).slice(0, 6) };
}

function queryOutputs(embedder: BuiltinEmbedder): unknown {
  return {
    embeddings: SAMPLES.map((chunk) => {
      const input = embeddingInput(chunk);
      return { chunk: chunk.path, document: rounded(embedder.embedSync(input.text, input.title)), query: rounded(embedder.embedSync(chunk.symbol)) };
    }),
    fields: SAMPLES.map((chunk) => {
      const row = toRow(chunk, new Float32Array(0));
      return { chunk: chunk.path, id: row.id, ftsText: row.ftsText, ftsName: row.ftsName };
    }),
  };
}

async function chunkerOutputs(chunker: Chunker): Promise<unknown> {
  const out = [];
  for (const [file, text] of SAMPLE_FILES) out.push({ file, chunks: (await chunker.chunkFile(file, text)).chunks.map((c) => [c.kind, c.symbol, c.scope, c.startLine, c.endLine, c.header, c.signature]) });
  return out;
}

function readGoldens(): Goldens {
  return existsSync(GOLDEN) ? (JSON.parse(readFileSync(GOLDEN, "utf8")) as Goldens) : { query: {}, chunker: {} };
}

describe("index fingerprint", () => {
  it("pins sample embeddings and full-text fields to the query fingerprint", () => {
    const embedder = new BuiltinEmbedder();
    const fingerprint = queryFingerprint(embedder);
    const outputs = JSON.parse(JSON.stringify(queryOutputs(embedder)));
    const goldens = readGoldens();
    if (!(fingerprint in goldens.query) && process.env.GOLDEN_UPDATE === "1") {
      goldens.query[fingerprint] = outputs;
      writeFileSync(GOLDEN, JSON.stringify(goldens, null, 1) + "\n");
    }
    assert.ok(fingerprint in goldens.query, `The query fingerprint is new (${fingerprint}): indexes built before are rebuilt. Record its goldens with GOLDEN_UPDATE=1.`);
    assert.deepEqual(outputs, goldens.query[fingerprint], "the embeddings or full-text fields changed while the fingerprint did not: make the fingerprint's probe cover the change");
  });

  it("pins sample chunks to the chunker fingerprint", async () => {
    const chunker = new Chunker();
    try {
      const fingerprint = await chunkerFingerprint(chunker);
      const outputs = JSON.parse(JSON.stringify(await chunkerOutputs(chunker)));
      const goldens = readGoldens();
      if (!(fingerprint in goldens.chunker) && process.env.GOLDEN_UPDATE === "1") {
        goldens.chunker[fingerprint] = outputs;
        writeFileSync(GOLDEN, JSON.stringify(goldens, null, 1) + "\n");
      }
      assert.ok(fingerprint in goldens.chunker, `The chunker fingerprint is new (${fingerprint}). Record its goldens with GOLDEN_UPDATE=1.`);
      assert.deepEqual(outputs, goldens.chunker[fingerprint], "the chunks changed while the chunker fingerprint did not: make its probe cover the change");
    } finally {
      chunker.dispose();
    }
  });

  it("changes with anything that changes the stored rows, and only then", async () => {
    const base = queryFingerprint(new BuiltinEmbedder());
    assert.equal(queryFingerprint(new BuiltinEmbedder()), base, "derived: the same code gives the same fingerprint");
    assert.notEqual(queryFingerprint(new BuiltinEmbedder({ dims: 256 })), base, "the embedder's dims");
    assert.notEqual(queryFingerprint({ fingerprint: "another-model" }), base, "another embedder");
    assert.match(fieldsFingerprint(), /^[0-9a-f]{32}$/);
    const narrow = new Chunker({ limits: { windowLines: 30 } });
    const wide = new Chunker();
    try {
      const [a, b] = [await chunkerFingerprint(narrow), await chunkerFingerprint(wide)];
      assert.notEqual(a, b, "the chunker's limits");
      assert.notEqual(indexFingerprint(base, a), indexFingerprint(base, b));
    } finally {
      narrow.dispose();
      wide.dispose();
    }
  });
});

describe("the chunker's fingerprint kept in the index folder", () => {
  /** A copy of the built worker and its grammars in a folder of its own. */
  function workerCopy(root: string): string {
    mkdirSync(path.join(root, "grammars"), { recursive: true });
    const grammars = path.join(path.dirname(WORKER), "grammars");
    for (const name of readdirSync(grammars)) copyFileSync(path.join(grammars, name), path.join(root, "grammars", name));
    copyFileSync(WORKER, path.join(root, "worker.js"));
    return path.join(root, "worker.js");
  }

  it("digests the worker script, its grammars and the chunker's options, without starting a worker", () => {
    const dir = tempDir("gw-inputs-");
    const pools: WorkerStages[] = [];
    const pool = (options: ConstructorParameters<typeof WorkerStages>[0]): WorkerStages => {
      pools.push(new WorkerStages(options));
      return pools[pools.length - 1];
    };
    try {
      const base = pool({ workerPath: WORKER, poolSize: 1 });
      assert.match(base.chunkerInputs() ?? "", /^[0-9a-f]{32}$/);
      assert.equal(pool({ workerPath: WORKER, poolSize: 2, builtinEmbedderDims: 256 }).chunkerInputs(), base.chunkerInputs(), "the same script, grammars and chunker options");
      assert.notEqual(pool({ workerPath: WORKER, chunker: { limits: { windowLines: 30 } } }).chunkerInputs(), base.chunkerInputs(), "the chunker's limits");
      const copy = workerCopy(path.join(dir, "copy"));
      const copied = pool({ workerPath: copy });
      assert.equal(copied.chunkerInputs(), base.chunkerInputs(), "the same bytes elsewhere");
      symlinkSync(copy, path.join(dir, "linked.js"));
      assert.equal(pool({ workerPath: path.join(dir, "linked.js") }).chunkerInputs(), base.chunkerInputs(), "a link to the script: its grammars are beside the file it links to");
      const grammar = path.join(dir, "copy", "grammars", "tree-sitter-go.wasm");
      writeFileSync(grammar, Buffer.concat([readFileSync(grammar), Buffer.from([0])]));
      assert.notEqual(pool({ workerPath: copy }).chunkerInputs(), base.chunkerInputs(), "another grammar");
      assert.equal(copied.chunkerInputs(), base.chunkerInputs(), "worked out once");
      assert.notEqual(copied.chunkerInputs({ again: true }), base.chunkerInputs(), "or again, from the files as they are now");
      copyFileSync(path.join(path.dirname(WORKER), "grammars", "tree-sitter-go.wasm"), grammar);
      writeFileSync(copy, readFileSync(WORKER, "utf8") + "\n// one more line\n");
      assert.notEqual(pool({ workerPath: copy }).chunkerInputs(), base.chunkerInputs(), "another worker script");
      rmSync(grammar);
      assert.equal(pool({ workerPath: copy }).chunkerInputs(), undefined, "a grammar the worker would load from its npm package instead");
      assert.equal(pools.reduce((sum, p) => sum + p.workersStarted, 0), 0);
    } finally {
      pools.forEach((p) => p.dispose());
      removeTree(dir);
    }
  });

  it("is computed and kept by a writer; a later process reads it without a worker; other inputs or a damaged file compute it again", async () => {
    const dir = tempDir("gw-kept-");
    const pools: WorkerStages[] = [];
    const fresh = (): WorkerStages => {
      pools.push(new WorkerStages({ workerPath: WORKER, poolSize: 1 }));
      return pools[pools.length - 1];
    };
    const chunker = new Chunker();
    try {
      const expected = await chunkerFingerprint(chunker);
      const db = path.join(dir, "index");
      mkdirSync(db);
      const file = path.join(db, KEPT_FINGERPRINT_FILE);
      const first = fresh();
      assert.equal(await chunkerPart(first, db), expected);
      assert.equal(first.workersStarted, 1);
      assert.deepEqual(readdirSync(db), [], "reading writes nothing (an index opened to search)");
      await keepChunkerPart(first, db, expected);
      assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), { inputs: first.chunkerInputs(), fingerprint: expected });

      const later = fresh();
      assert.equal(await chunkerPart(later, db), expected);
      assert.equal(later.workersStarted, 0, "read from the folder");

      for (const kept of [JSON.stringify({ inputs: "another worker", fingerprint: "0".repeat(32) }), "{ damaged", JSON.stringify({ inputs: first.chunkerInputs(), fingerprint: "not hex" })]) {
        writeFileSync(file, kept);
        const again = fresh();
        assert.equal(await chunkerPart(again, db), expected, kept);
        assert.equal(again.workersStarted, 1, kept);
        await keepChunkerPart(again, db, expected);
        assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), { inputs: first.chunkerInputs(), fingerprint: expected }, "kept again");
      }

      // Inputs that changed since they were worked out (the worker rebuilt meanwhile): not kept.
      const copyDir = path.join(dir, "worker");
      const copy = workerCopy(copyDir);
      const rebuilt = new WorkerStages({ workerPath: copy, poolSize: 1 });
      pools.push(rebuilt);
      const elsewhere = path.join(dir, "index-2");
      mkdirSync(elsewhere);
      assert.ok(rebuilt.chunkerInputs(), "worked out before the rebuild");
      writeFileSync(copy, readFileSync(WORKER, "utf8") + "\n// rebuilt\n");
      await keepChunkerPart(rebuilt, elsewhere, expected);
      assert.deepEqual(readdirSync(elsewhere), []);

      // A folder that isn't there, an index on object storage, stages that can't tell: nothing kept, computed each time.
      await keepChunkerPart(first, path.join(dir, "missing"), expected);
      const remote = fresh();
      assert.equal(await chunkerPart(remote, "s3://bucket/index"), expected);
      assert.equal(remote.workersStarted, 1);
      await keepChunkerPart(remote, "s3://bucket/index", expected);
      assert.equal(await chunkerPart(new InProcessStages(chunker), db), expected);
      assert.deepEqual(readdirSync(dir).sort(), ["index", "index-2", "worker"], "no temporary file left, nothing made");
      assert.deepEqual(readdirSync(db), [KEPT_FINGERPRINT_FILE]);
    } finally {
      pools.forEach((p) => p.dispose());
      chunker.dispose();
      removeTree(dir);
    }
  });
});
