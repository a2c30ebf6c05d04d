import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { ConventionSet, isConventionFile } from "../../src/core/conventions/conventionSet";
import { cl100k } from "../../src/core/util/tokens";
import { TestIndex } from "../helpers/index";
import { removeTree, tempDir, writeTree } from "../helpers/workspace";

describe("conventions", () => {
  let root: string;
  let set: ConventionSet;
  const sources = async (relPath: string): Promise<string[]> => (await set.forFile(relPath)).map((c) => c.source);

  before(async () => {
    root = tempDir("gw-conv-");
    writeTree(root, {
      ".github/copilot-instructions.md": "Use British spelling in messages.\n",
      ".github/instructions/typescript.instructions.md": "---\napplyTo: \"**/*.ts,**/*.tsx\"\n---\nPrefer `unknown` over `any`.\n",
      ".github/instructions/python.instructions.md": "---\napplyTo: '**/*.py'\n---\nType-annotate public functions.\n",
      "AGENTS.md": "Root agents rule: run npm test before committing.\n",
      "src/AGENTS.md": "Source rule: no default exports.\n",
      "src/deep/AGENTS.md": "Deep rule: this folder may use default exports.\n",
      "docs/CLAUDE.md": "Docs are written in plain English.\n",
      ".cursorrules": "Cursor: keep functions short.\n",
      ".cursor/rules/react.mdc": "---\ndescription: React components\nglobs: *.tsx\nalwaysApply: false\n---\nComponents are function components.\n",
      ".cursor/rules/always.mdc": "---\nalwaysApply: true\n---\nNever log secrets.\n",
      ".continue/rules/sql.md": "---\nglobs: [\"db/**/*.sql\"]\n---\nSQL keywords in upper case.\n",
      ".roo/rules/errors.md": "Errors carry a message that says what to do.\n",
      ".clinerules": "Cline: small commits.\n",
      "CONVENTIONS.md": "# Conventions\n\n- Names say what a thing is.\n",
      "CONTRIBUTING.md": "# Contributing\n\nOpen an issue first.\n",
      ".editorconfig": "root = true\n\n[*]\nindent_style = space\n\n[*.py]\nindent_size = 4\n",
      ".groundwork/conventions/tests.md": "---\nglobs: \"test/**\"\n---\nTests use real parts, not mocks.\n",
      "node_modules/pkg/AGENTS.md": "A dependency's rule that must not apply.\n",
      "src/deep/x.ts": "export default 1;\n",
    });
    set = await ConventionSet.load(root);
  });

  after(() => removeTree(root));

  it("finds every ecosystem's files, and none inside ignored folders", () => {
    const all = new Set(set.all.map((c) => c.source));
    for (const source of [".github/copilot-instructions.md", ".github/instructions/typescript.instructions.md", "AGENTS.md", "src/AGENTS.md",
      "src/deep/AGENTS.md", "docs/CLAUDE.md", ".cursorrules", ".cursor/rules/react.mdc", ".continue/rules/sql.md", ".roo/rules/errors.md",
      ".clinerules", "CONVENTIONS.md", "CONTRIBUTING.md", ".groundwork/conventions/tests.md"]) {
      assert.ok(all.has(source), `${source} not found`);
    }
    assert.ok(!all.has("node_modules/pkg/AGENTS.md"));
    assert.ok(isConventionFile("src/AGENTS.md") && isConventionFile(".cursor/rules/x.mdc") && !isConventionFile("src/index.ts"));
  });

  it("scopes rules by glob: applyTo, globs front matter and .editorconfig sections", async () => {
    const ts = await sources("src/deep/x.ts");
    assert.ok(ts.includes(".github/instructions/typescript.instructions.md"));
    assert.ok(!ts.includes(".github/instructions/python.instructions.md"));
    assert.ok(!ts.includes(".cursor/rules/react.mdc"), "react rule is for .tsx only");
    assert.ok((await sources("web/App.tsx")).includes(".cursor/rules/react.mdc"));
    assert.ok((await sources("db/migrations/001.sql")).includes(".continue/rules/sql.md"));
    assert.ok(!(await sources("sql/001.sql")).includes(".continue/rules/sql.md"));
    assert.ok((await sources("test/unit/a.spec.ts")).includes(".groundwork/conventions/tests.md"));
    const py = (await set.forFile("lib/retry.py")).map((c) => c.text).join("\n");
    assert.match(py, /indent_size = 4/);
    assert.match(py, /indent_style = space/);
    assert.match(py, /Type-annotate public functions/);
    assert.doesNotMatch((await set.forFile("src/a.ts")).map((c) => c.text).join("\n"), /indent_size/, "the [*.py] section is for Python files only");
    assert.ok((await sources("lib/retry.py")).includes(".cursor/rules/always.mdc"));
    assert.ok((await sources("lib/retry.py")).includes(".editorconfig"));
  });

  it("reads front matter as YAML: applyTo and globs as a string, a comma list, a flow list or a block list", async () => {
    const dir = tempDir("gw-conv-yaml-");
    try {
      writeTree(dir, {
        ".github/instructions/string.instructions.md": "---\napplyTo: \"**/*.go\"\n---\nString rule.\n",
        ".github/instructions/comma.instructions.md": "---\napplyTo: \"**/*.rb, **/*.erb\"\n---\nComma rule.\n",
        ".github/instructions/flow.instructions.md": "---\napplyTo: [\"**/*.rs\", \"build.rs\"]\n---\nFlow rule.\n",
        ".github/instructions/block.instructions.md": "---\napplyTo:\n  - \"**/*.java\"\n  - \"**/*.kt\"\n---\nBlock rule.\n",
        ".cursor/rules/unquoted.mdc": "---\nglobs: *.swift, *.m\nalwaysApply: false\n---\nCursor's unquoted globs.\n",
        ".continue/rules/block-globs.md": "---\nglobs:\n  - \"db/**/*.sql\"\n---\nBlock globs.\n",
        ".github/copilot-instructions.md": "Everywhere.\n",
      });
      const rules = await ConventionSet.load(dir);
      const texts = async (relPath: string): Promise<string> => (await rules.forFile(relPath)).map((c) => c.text).join(" | ");
      assert.match(await texts("cmd/main.go"), /String rule/);
      assert.match(await texts("app/views/x.erb"), /Comma rule/);
      assert.match(await texts("src/lib.rs"), /Flow rule/);
      assert.match(await texts("src/A.java"), /Block rule/);
      assert.match(await texts("src/B.kt"), /Block rule/);
      assert.match(await texts("ui/View.swift"), /unquoted globs/);
      assert.match(await texts("db/m/001.sql"), /Block globs/);
      // A block list scopes the rule: it does not apply everywhere.
      const python = await texts("lib/a.py");
      assert.doesNotMatch(python, /Block rule|Block globs|Flow rule|Comma rule|String rule|unquoted/);
      assert.match(python, /Everywhere/);
    } finally {
      removeTree(dir);
    }
  });

  it("resolves .editorconfig per file with editorconfig's own rules, nested files included", async () => {
    const dir = tempDir("gw-conv-ec-");
    try {
      writeTree(dir, {
        ".editorconfig": "root = true\n\n[*]\nindent_style = space\nindent_size = 2\n\n[*.{py,pyi}]\nindent_size = 4\n\n[Makefile]\nindent_style = tab\n",
        "legacy/.editorconfig": "[*.py]\nindent_size = 8\n",
      });
      const rules = await ConventionSet.load(dir);
      const formatting = async (relPath: string): Promise<string> => (await rules.forFile(relPath)).filter((c) => c.source.endsWith(".editorconfig")).map((c) => `${c.source}: ${c.text}`).join(" | ");
      assert.match(await formatting("a/b.pyi"), /indent_size = 4/, "brace sets match");
      assert.match(await formatting("src/x.ts"), /indent_size = 2/);
      assert.match(await formatting("Makefile"), /indent_style = tab/);
      assert.match(await formatting("legacy/old.py"), /^legacy\/\.editorconfig: .*indent_size = 8/, "the nearer file wins and is named");
      assert.match(await formatting("legacy/notes.md"), /indent_size = 2/, "the nested file adds only its own sections");
    } finally {
      removeTree(dir);
    }
  });

  it("applies nested AGENTS.md by folder, most general first so the nearest wins", async () => {
    const deep = (await sources("src/deep/x.ts")).filter((s) => s.endsWith("AGENTS.md"));
    assert.deepEqual(deep, ["AGENTS.md", "src/AGENTS.md", "src/deep/AGENTS.md"]);
    const root = (await sources("lib/retry.py")).filter((s) => s.endsWith("AGENTS.md"));
    assert.deepEqual(root, ["AGENTS.md"]);
    assert.ok(!(await sources("src/other.ts")).includes("docs/CLAUDE.md"));
    assert.ok((await sources("docs/guide.md")).includes("docs/CLAUDE.md"));
  });

  it("digests the applicable rules within a token budget, most specific first", async () => {
    const digest = await set.digest("src/deep/x.ts", 40);
    assert.ok(cl100k.count(digest) <= 40, digest);
    assert.match(digest.split("\n")[0], /Deep rule/);
    assert.equal(await set.digest("src/deep/x.ts", 0), "");
  });

  it("picks up a changed conventions file on reload", async () => {
    writeFileSync(path.join(root, "src/AGENTS.md"), "Source rule: named exports only, changed.\n");
    await set.reload();
    assert.match((await set.forFile("src/a.ts")).map((c) => c.text).join("\n"), /changed/);
  });

  it("a codebase reloads its conventions when an update touches a conventions file", async () => {
    const index = await TestIndex.open({ root, dbPath: path.join(root, ".gw-index") });
    try {
      const textFor = async (relPath: string): Promise<string> => (await index.conventionsFor(relPath)).map((c) => c.text).join("\n");
      await textFor("docs/a.md");
      writeFileSync(path.join(root, "docs/CLAUDE.md"), "Docs use short sentences.\n");
      await index.update(["src/deep/x.ts"]);
      assert.doesNotMatch(await textFor("docs/a.md"), /short sentences/, "an unrelated update does not reload");
      await index.update(["docs/CLAUDE.md"]);
      assert.match(await textFor("docs/a.md"), /short sentences/);
    } finally {
      index.close();
    }
  });
});
