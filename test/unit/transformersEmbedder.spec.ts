import assert from "node:assert/strict";
import { createRequire } from "node:module";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { TransformersEmbedder, TransformersUnavailableError } from "../../src/core/embed/transformers";
import { removeTree, tempDir, writeTree } from "../helpers/workspace";

function installed(): boolean {
  const require = createRequire(__filename);
  return ["@huggingface/transformers", "@xenova/transformers"].some((name) => {
    try {
      require.resolve(name);
      return true;
    } catch {
      return false;
    }
  });
}

describe("the local transformers.js embedder", () => {
  const dir = tempDir("gw-transformers-");
  after(() => removeTree(dir));

  it("says what is missing: a folder that is not a model, weights, or the package", async () => {
    writeTree(dir, { "empty/README.md": "not a model" });
    assert.throws(() => new TransformersEmbedder({ modelDir: path.join(dir, "empty") }), (error: Error) => error instanceof TransformersUnavailableError && /has no config\.json/.test(error.message));
    writeTree(dir, { "noweights/config.json": JSON.stringify({ hidden_size: 384 }) });
    assert.throws(() => new TransformersEmbedder({ modelDir: path.join(dir, "noweights") }), /has no onnx\/model\.onnx/);
    writeTree(dir, { "fake/config.json": JSON.stringify({ hidden_size: 384 }), "fake/onnx/model.onnx": "not really" });
    const embedder = new TransformersEmbedder({ modelDir: path.join(dir, "fake") });
    assert.equal(embedder.dims, 384);
    assert.equal(embedder.id, "fake");
    if (!installed()) await assert.rejects(embedder.embedQuery("parse a url"), /transformers\.js is not installed/);
    else await assert.rejects(embedder.embedQuery("parse a url"));
  });

  it("embeds with a real model folder (GROUNDWORK_TEST_TRANSFORMERS_MODEL)", async (t) => {
    const modelDir = process.env.GROUNDWORK_TEST_TRANSFORMERS_MODEL;
    if (!modelDir || !installed()) {
      t.skip("no model folder: set GROUNDWORK_TEST_TRANSFORMERS_MODEL to an ONNX sentence-embedding model folder and install @huggingface/transformers to run this");
      return;
    }
    const embedder = new TransformersEmbedder({ modelDir });
    const [parse, other] = await embedder.embedDocuments([{ title: "parseUrl", text: "split a URL into its parts" }, { title: "drawCircle", text: "render a circle on a canvas" }]);
    const query = await embedder.embedQuery("parse a URL");
    const dot = (a: Float32Array, b: Float32Array): number => a.reduce((sum, x, i) => sum + x * b[i], 0);
    assert.equal(parse.length, embedder.dims);
    assert.ok(dot(query, parse) > dot(query, other));
  });
});
