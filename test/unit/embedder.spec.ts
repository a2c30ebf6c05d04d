import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BuiltinEmbedder, featureWeights } from "../../src/core/embed/builtin";
import { Chunker } from "../../src/core/chunk/chunker";
import { embeddingInput, embedWithFields, textFields } from "../../src/core/index/rows";
import { fnv1a } from "../../src/core/util/hash";
import { codeFieldTerms } from "../../src/core/util/text";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { NO_STDLIB, STDLIB } from "../helpers/workspace";

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}

describe("builtin embedder", () => {
  const embedder = new BuiltinEmbedder();

  it("is deterministic, fixed-size and L2-normalized", async () => {
    const doc = { title: "parse_url", text: "def parse_url(text): return urlsplit(text)" };
    const [a, b] = await embedder.embedDocuments([doc, { ...doc }]);
    assert.equal(a.length, 512);
    assert.deepEqual(a, b);
    assert.ok(Math.abs(cosine(a, a) - 1) < 1e-5);
    assert.deepEqual(await embedder.embedQuery("parse url"), await new BuiltinEmbedder().embedQuery("parse url"));
  });

  it("puts a query near the code that names its words, across naming styles", async () => {
    const query = await embedder.embedQuery("parse a url");
    const [camel, snake, unrelated] = await embedder.embedDocuments([
      { title: "", text: "function parseURL(input) { return new URL(input); }" },
      { title: "", text: "def parse_url(text):\n    return urlsplit(text)" },
      { title: "", text: "class MatrixTranspose:\n    def invert(self, rows, cols): pass" },
    ]);
    assert.ok(cosine(query, camel) > cosine(query, unrelated) + 0.2);
    assert.ok(cosine(query, snake) > cosine(query, unrelated) + 0.2);
  });

  it("matches inside unsplittable identifiers through character trigrams", async () => {
    const query = await embedder.embedQuery("split");
    const [joined, other] = await embedder.embedDocuments([{ title: "", text: "def urlsplit(url): pass" }, { title: "", text: "def render_template(page): pass" }]);
    assert.ok(cosine(query, joined) > cosine(query, other));
    assert.ok(featureWeights("urlsplit").has("tspl"));
  });

  it("weights the title (symbol and signature) above the code", async () => {
    const query = await embedder.embedQuery("connection pool");
    const [named, mentioned] = await embedder.embedDocuments([
      { title: "connection_pool", text: "def connection_pool(size): return make(size, retries, timeout, factory)" },
      { title: "make_widget", text: "def make_widget(size): return connection_pool(size, retries, timeout, factory)" },
    ]);
    assert.ok(cosine(query, named) > cosine(query, mentioned));
  });

  it("returns a zero vector for text with no features instead of NaN", async () => {
    const vector = await embedder.embedQuery("   ( ) ; 42 ");
    assert.ok(vector.every((x) => x === 0));
  });

  it("embeds through its per-identifier cache exactly as the feature definition says, cache full or not", { skip: NO_STDLIB }, () => {
    const text = readFileSync(path.join(STDLIB!, "shutil.py"), "utf8").slice(0, 20_000);
    const title = "copy_tree shutil";
    // The definition: each feature string's square-rooted total weight, signed, in its FNV-1a bucket.
    const weights = featureWeights(title, 3);
    for (const [feature, weight] of featureWeights(text)) weights.set(feature, (weights.get(feature) ?? 0) + weight);
    const expected = new Float32Array(512);
    for (const [feature, weight] of weights) expected[fnv1a(feature) % 512] += (fnv1a(feature, 0x9e3779b9) & 1 ? 1 : -1) * Math.sqrt(weight);
    const norm = Math.hypot(...expected);
    const fresh = new BuiltinEmbedder();
    const cold = fresh.embedSync(text, title);
    const warm = fresh.embedSync(text, title);
    assert.deepEqual(cold, warm);
    cold.forEach((x, i) => assert.ok(Math.abs(x - expected[i] / norm) < 1e-6, `dimension ${i}: ${x} vs ${expected[i] / norm}`));
  });

  it("gives one scan's vector and words exactly as the two stages do at the edges: no prefix, digits, a cache emptied between texts", () => {
    const separate = new BuiltinEmbedder();
    const combined = new BuiltinEmbedder({ cachedIdentifiers: 2000 });
    // Three texts of 800 distinct identifiers each: the combined side's cache (2,000) is emptied between two of them.
    const generated = (from: number): string => Array.from({ length: 800 }, (_, i) => `value_${from + i}Total x${i % 7}`).join(" ");
    const cases: Array<[string, string, string]> = [
      ["", "def f(): return 42", "f"],
      ["src/v2/file10", "10 + x2 == y_3", ""],
      ["a/b.py", "", "empty"],
      ["gen/a.py", generated(0), "g"],
      ["gen/b.py", generated(800), "g"],
      ["gen/c.py", generated(1600), "g"],
      ["src/after.ts", "const parseURL = (rawUrl) => rawUrl.trim();", "parseURL"],
    ];
    for (const [prefix, code, title] of cases) {
      const both = combined.embedCode(prefix, code, title);
      assert.deepEqual(both.vector, separate.embedSync(prefix ? `${prefix}\n${code}` : code, title), `${prefix}: vector`);
      assert.equal(both.words, codeFieldTerms(code), `${prefix}: words`);
    }
  });

  it("gives a chunk's vector and its full-text words from one scan exactly as the two separate stages do", { skip: NO_STDLIB }, async () => {
    // Whole stdlib files, chunked as the index chunks them: paths with identifiers (`__init__`), titles, repeats.
    const chunker = new Chunker();
    const chunks = [];
    for (const file of ["shutil.py", "json/__init__.py", "asyncio/base_events.py"]) {
      chunks.push(...(await chunker.chunkFile(file, readFileSync(path.join(STDLIB!, file), "utf8"))).chunks);
    }
    chunker.dispose();
    const separate = new BuiltinEmbedder();
    const combined = new BuiltinEmbedder();
    assert.ok(chunks.length > 100);
    for (const chunk of chunks) {
      const input = embeddingInput(chunk);
      const both = embedWithFields(combined, chunk);
      assert.deepEqual(both.vector, separate.embedSync(input.text, input.title), `${chunk.path}:${chunk.startLine}`);
      assert.deepEqual(both.fields, textFields(chunk), `${chunk.path}:${chunk.startLine}`);
    }
  });

  it("derives its fingerprint from what makes its vectors: the same for the same settings, another for other dims", () => {
    assert.equal(new BuiltinEmbedder().fingerprint, embedder.fingerprint);
    assert.notEqual(new BuiltinEmbedder({ dims: 256 }).fingerprint, embedder.fingerprint);
    assert.throws(() => new BuiltinEmbedder({ dims: 3 }), /dims/);
  });
});
