import assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { buildEvalCorpus, firstSentence, sampleTargets } from "../../src/core/eval/docQueries";
import { runEval, score } from "../../src/core/eval/runEval";
import { removeTree, tempDir, writeTree } from "../helpers/workspace";

describe("code-search eval corpus", () => {
  let root: string;
  before(() => {
    root = tempDir("gw-eval-");
    writeTree(root, {
      "pkg/mod.py": '"""Module doc."""\n\n\ndef fetch_rows(query):\n    """Fetch the rows that match a query.\n\n    More details.\n    """\n    return run(query)\n\n\ndef undocumented():\n    return 1\n',
      "lib/util.js": "/**\n * Clamps a number between two bounds.\n * @param {number} x\n */\nexport function clamp(x, lo, hi) {\n  return Math.min(hi, Math.max(lo, x));\n}\n\n/** Short. */\nfunction tiny() {}\n",
    });
  });
  after(() => removeTree(root));

  it("takes the first doc sentence as the query and strips docs from the indexed copy, keeping lines", async () => {
    const python = await buildEvalCorpus(root, "python");
    assert.deepEqual(python.targets.map((t) => [t.query, t.path, t.line, t.symbol]), [["Fetch the rows that match a query.", "pkg/mod.py", 4, "fetch_rows"]]);
    const stripped = python.files[0].text;
    assert.ok(!/Fetch the rows|Module doc/.test(stripped));
    assert.equal(stripped.split("\n").length, 14, "as many lines as the original");
    assert.equal(stripped.split("\n")[3], "def fetch_rows(query):");

    const js = await buildEvalCorpus(root, "javascript");
    assert.deepEqual(js.targets.map((t) => [t.query, t.line, t.symbol]), [["Clamps a number between two bounds.", 5, "clamp"]]);
    assert.ok(!js.files[0].text.includes("Clamps"));
    assert.equal(js.files[0].text.split("\n")[4], "export function clamp(x, lo, hi) {");
  });

  it("ignores too-short docs and samples deterministically", () => {
    assert.equal(firstSentence("Short."), undefined);
    assert.equal(firstSentence("Return the {@link Vector3} length.  Then more."), "Return the Vector3 length.");
    const targets = Array.from({ length: 50 }, (_, i) => ({ id: `f${i}`, query: "q", path: "p", line: i, symbol: "s" }));
    assert.deepEqual(sampleTargets(targets, 10), sampleTargets([...targets].reverse(), 10));
  });

  it("says so when a corpus has no documented function to ask for (no zero scores over nothing)", async () => {
    const bare = tempDir("gw-eval-bare-");
    try {
      writeTree(bare, { "corpus/plain.py": "def a():\n    return 1\n" });
      await assert.rejects(runEval({ corpus: path.join(bare, "corpus"), language: "python", workDir: path.join(bare, "work") }), /No documented functions in/);
    } finally {
      removeTree(bare);
    }
  });

  it("scores MRR@10 and recall from ranks (0 = not in the top 10)", () => {
    assert.deepEqual(score([1, 2, 0, 10]), { mrr10: (1 + 0.5 + 0 + 0.1) / 4, recall1: 0.25, recall5: 0.5, recall10: 0.75 });
  });
});
