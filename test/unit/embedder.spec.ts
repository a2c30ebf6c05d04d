import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BuiltinEmbedder, featureCounts } from "../../src/core/embed/builtin";
import { embedderIdentity } from "../../src/core/embed/embedder";

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}

describe("builtin embedder", () => {
  const embedder = new BuiltinEmbedder();

  it("is deterministic, fixed-size and L2-normalized", async () => {
    const [a, b] = await embedder.embedDocuments(["def parse_url(text): return urlsplit(text)", "def parse_url(text): return urlsplit(text)"]);
    assert.equal(a.length, 512);
    assert.deepEqual(a, b);
    assert.ok(Math.abs(cosine(a, a) - 1) < 1e-5);
    assert.deepEqual(await embedder.embedQuery("parse url"), await new BuiltinEmbedder().embedQuery("parse url"));
  });

  it("puts a query near the code that names its words, across naming styles", async () => {
    const query = await embedder.embedQuery("parse a url");
    const [camel, snake, unrelated] = await embedder.embedDocuments([
      "function parseURL(input) { return new URL(input); }",
      "def parse_url(text):\n    return urlsplit(text)",
      "class MatrixTranspose:\n    def invert(self, rows, cols): pass",
    ]);
    assert.ok(cosine(query, camel) > cosine(query, unrelated) + 0.2);
    assert.ok(cosine(query, snake) > cosine(query, unrelated) + 0.2);
  });

  it("matches inside unsplittable identifiers through character trigrams", async () => {
    const query = await embedder.embedQuery("split");
    const [joined, other] = await embedder.embedDocuments(["def urlsplit(url): pass", "def render_template(page): pass"]);
    assert.ok(cosine(query, joined) > cosine(query, other));
    assert.ok(featureCounts("urlsplit").has("tspl"));
  });

  it("returns a zero vector for text with no features instead of NaN", async () => {
    const vector = await embedder.embedQuery("   ( ) ; 42 ");
    assert.ok(vector.every((x) => x === 0));
  });

  it("makes its dims part of the index identity", () => {
    assert.notEqual(embedderIdentity(new BuiltinEmbedder({ dims: 256 })), embedderIdentity(embedder));
    assert.throws(() => new BuiltinEmbedder({ dims: 3 }), /dims/);
  });
});
