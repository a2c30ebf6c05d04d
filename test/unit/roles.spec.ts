import assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { groundQuestion } from "../../src/core/model/groundedChat";
import { contextBlock } from "../../src/core/prompt/chatPrompt";
import { MIN_RELEVANCE } from "../../src/core/retrieval/confidence";
import { buildContextPack } from "../../src/core/retrieval/contextPack";
import { fileRole, ROLE_PRIOR, rolesAskedFor } from "../../src/core/retrieval/roles";
import { TestIndex } from "../helpers/index";
import { removeTree, tempDir, writeTree } from "../helpers/workspace";

describe("file roles", () => {
  it("tells code from tests, docs, changelogs, examples and generated files in many languages", () => {
    const expected: Record<string, string> = {
      "src/net/http/request.go": "code",
      "src/net/http/request_test.go": "test",
      "src/go/build/build.go": "code",
      "src/testing/testing.go": "code",
      "lib/axios.js": "code",
      "test/unit/core/Axios.js": "test",
      "lib/helpers/buildURL.spec.ts": "test",
      "src/main/java/com/acme/Queue.java": "code",
      "src/test/java/com/acme/QueueTest.java": "test",
      "app/models/user.rb": "code",
      "spec/models/user_spec.rb": "test",
      "base/strings/string_util_unittest.cc": "test",
      "base/strings/string_util.cc": "code",
      "src/parser.rs": "code",
      "tests/parser.rs": "test",
      "flask/app.py": "code",
      "tests/test_basic.py": "test",
      "test_helpers.py": "test",
      "CHANGELOG.md": "changelog",
      "CHANGES.rst": "changelog",
      "History.md": "changelog",
      "docs/api.rst": "docs",
      "README.md": "docs",
      "examples/tutorial/app.py": "example",
      "dist/axios.min.js": "generated",
      "index.d.ts": "generated",
      "proto/user.pb.go": "generated",
      "index.d.cts": "generated",
      "Lib/test/support/os_helper.py": "test-helper",
      "test/helpers/server.js": "test-helper",
      "test/unit/adapters/http.js": "test",
      "Lib/test/libregrtest/setup.py": "test-helper",
      "tests/conftest.py": "test",
      "test/support/test_os_helper.py": "test",
      ".github/workflows/ci.yml": "config",
      "karma.conf.cjs": "config",
      "vite.config.ts": "config",
      "gulpfile.js": "config",
      "package.json": "config",
      "go.mod": "config",
      "Makefile": "config",
      "sandbox/client.js": "example",
      "lib/core/config.js": "code",
      "cmd/build/main.go": "code",
    };
    for (const [file, role] of Object.entries(expected)) assert.equal(fileRole(file), role, file);
  });

  it("hears a query ask for tests, docs, changelogs or examples", () => {
    assert.deepEqual([...rolesAskedFor("where is the request body size limited")], []);
    assert.deepEqual([...rolesAskedFor("the test for the body size limit")], ["test", "test-helper"]);
    assert.deepEqual([...rolesAskedFor("the CI workflow that runs the linter")], ["config"]);
    assert.deepEqual([...rolesAskedFor("changelog entry for the body limit")], ["changelog"]);
    assert.deepEqual([...rolesAskedFor("docs on limits")], ["docs"]);
    assert.deepEqual([...rolesAskedFor("an example of reading a limited body")], ["example"]);
    assert.deepEqual([...rolesAskedFor("what changed in the latest release")], ["changelog"]);
    // Words that name code as often as they name a changelog: the release script, HTTP upgrades, deprecation warnings, migrations.
    for (const query of ["fixed release notification action", "handle the connection upgrade", "replace deprecated substr with slice", "run pending migrations"]) {
      assert.deepEqual([...rolesAskedFor(query)], [], query);
    }
  });
});

describe("code first", () => {
  let root: string;
  let index: TestIndex;

  before(async () => {
    root = tempDir("gw-roles-");
    // A test and a changelog that say the query's words more often than the code that does it.
    writeTree(path.join(root, "ws"), {
      "body/limit.go": [
        "package body",
        "",
        "// MaxBytesReader limits the size of a request body: reads past n bytes fail.",
        "func MaxBytesReader(r Reader, n int64) Reader {",
        "\treturn &maxBytesReader{r: r, n: n}",
        "}",
        "",
      ].join("\n"),
      "body/limit_test.go": [
        "package body",
        "",
        "// A request body over the size limit is refused.",
        "func TestMaxBytesReader(t *T) {",
        "\tbody := MaxBytesReader(newBody(\"a request body\"), 4)",
        "\tif size(body) > 4 { t.Fatal(\"request body over the limit\") }",
        "}",
        "",
      ].join("\n"),
      "CHANGELOG.md": "# Changes\n\n## 1.2.0\n\n- MaxBytesReader: the request body size limit now holds for chunked bodies too.\n",
      "docs/limits.md": "# Limits\n\nServers limit the request body size with MaxBytesReader, to protect themselves.\n",
    });
    index = await TestIndex.open({ root: path.join(root, "ws"), dbPath: path.join(root, "db") });
    await index.run();
  });

  after(async () => {
    await index.codebase.close();
    removeTree(root);
  });

  it("keeps each non-code hit's role share of its evidence, leaves code as it was, and says why", async () => {
    const query = "where is the request body size limited";
    const flat = await index.search(query, { rolePrior: false, limit: 8 });
    const hits = await index.search(query, { rolePrior: true, limit: 8 });
    assert.ok(flat.some((hit) => fileRole(hit.path) !== "code") && flat.some((hit) => fileRole(hit.path) === "code"));
    const before = new Map(flat.map((hit) => [hit.id, hit.score]));
    for (const hit of hits) {
      const role = fileRole(hit.path);
      assert.equal(hit.scores.prior, role === "code" ? undefined : ROLE_PRIOR[role], hit.path);
      assert.ok(Math.abs(hit.score - before.get(hit.id)! * ROLE_PRIOR[role]) < 1e-9, hit.path);
    }
    for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1].score >= hits[i].score, "ordered by the score with the prior");
    const code = (list: typeof hits): number => list.findIndex((hit) => hit.path === "body/limit.go");
    assert.ok(code(hits) < code(flat), "the code moves up");
    const pack = buildContextPack(hits, { budget: 4000 });
    for (const item of pack.items) assert.equal(item.loweredAs, fileRole(item.path) === "code" ? undefined : fileRole(item.path), item.citation);
  });

  it("lifts the prior when the question asks for tests or the changelog", async () => {
    const tests = await index.search("the test for the request body size limit", { rolePrior: true, limit: 8 });
    const test = tests.find((hit) => hit.path === "body/limit_test.go");
    assert.ok(test && test.scores.prior === undefined, "a test is not lowered when tests are asked for");
    assert.ok(tests.filter((hit) => hit.path.endsWith(".md")).every((hit) => hit.scores.prior !== undefined));
    const changes = await index.search("changelog: when was the request body size limited", { rolePrior: true, limit: 8 });
    assert.equal(changes.find((hit) => hit.path === "CHANGELOG.md")?.scores.prior, undefined);
  });

  it("sends what the question matches, not the tail, and nothing when the index has nothing close", async () => {
    const query = "where is the request body size limited";
    const hits = await index.search(query, { limit: 12, expand: true });
    assert.ok(hits.length >= 4, "the search itself lists more");
    for (let i = 1; i < hits.length; i++) assert.ok(hits[i].relevance <= hits[i - 1].relevance + 1e-9 || hits[i].expandedFrom, "relevance follows the order");
    const pack = buildContextPack(hits, { budget: 4000, minRelevance: MIN_RELEVANCE });
    assert.deepEqual([...new Set(pack.items.map((item) => item.path))], ["body/limit.go"]);
    assert.ok(pack.belowThreshold >= 3);
    assert.equal(buildContextPack(hits, { budget: 4000 }).items.length > pack.items.length, true, "without a threshold the tail goes in");

    const none = await index.search("kubernetes pod autoscaling policy for gpu nodes", { limit: 12 });
    assert.ok(none.length > 0, "the search still lists its nearest chunks");
    const empty = buildContextPack(none, { budget: 4000, minRelevance: MIN_RELEVANCE });
    assert.equal(empty.items.length, 0);
    assert.ok(empty.bestRelevance < MIN_RELEVANCE);
    const source = { search: index.search.bind(index), conventionsFor: async () => [], conventionDigest: async () => "" };
    const grounding = await groundQuestion(source, "kubernetes pod autoscaling policy for gpu nodes", undefined, { contextWindow: 8000, maxOutputTokens: 1000 });
    assert.equal(grounding.context.length, 0);
    assert.match(contextBlock(grounding.context), /the index has nothing close to this question/);
  });
});

describe("Rust's test module inside a source file", () => {
  it("is a test: ranked below the code it tests, and said to be lowered", async () => {
    const root = tempDir("gw-rust-tests-");
    writeTree(path.join(root, "ws"), {
      "src/lib.rs": [
        "/// Reads the value stored under a key; None when the key is missing.",
        "pub fn get(key: &str) -> Option<String> {",
        "    lookup(key)",
        "}",
        "",
        "#[cfg(test)]",
        "mod tests {",
        "    use super::*;",
        "",
        "    #[test]",
        "    fn get_missing_key_returns_none() {",
        "        // reading a missing key returns none: the value stored under it is missing",
        "        assert_eq!(get(\"missing key\"), None);",
        "    }",
        "}",
        "",
      ].join("\n"),
    });
    const index = await TestIndex.open({ root: path.join(root, "ws"), dbPath: path.join(root, "db") });
    try {
      await index.run();
      const hits = await index.search("read the value stored under a missing key", { rolePrior: true, limit: 5 });
      const test = hits.find((hit) => hit.text.includes("get_missing_key_returns_none"));
      assert.equal(test?.role, "test");
      assert.equal(test?.scores.prior, ROLE_PRIOR.test);
      assert.equal(hits[0].symbol, "get");
      assert.equal(hits[0].role, "code");
    } finally {
      await index.codebase.close();
      removeTree(root);
    }
  });
});
