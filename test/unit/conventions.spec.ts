import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { ConventionSet, isConventionFile } from "../../src/core/conventions/conventionSet";
import { cl100k } from "../../src/core/util/tokens";
import { WorkspaceIndex } from "../../src/core/workspaceIndex";
import { removeTree, tempDir, writeTree } from "../helpers/workspace";

describe("conventions", () => {
  let root: string;
  let set: ConventionSet;
  const sources = (relPath: string): string[] => set.forFile(relPath).map((c) => c.source);

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
      ".clinerules", "CONVENTIONS.md", "CONTRIBUTING.md", ".editorconfig", ".groundwork/conventions/tests.md"]) {
      assert.ok(all.has(source), `${source} not found`);
    }
    assert.ok(!all.has("node_modules/pkg/AGENTS.md"));
    assert.ok(isConventionFile("src/AGENTS.md") && isConventionFile(".cursor/rules/x.mdc") && !isConventionFile("src/index.ts"));
  });

  it("scopes rules by glob: applyTo, globs front matter and .editorconfig sections", () => {
    const ts = sources("src/deep/x.ts");
    assert.ok(ts.includes(".github/instructions/typescript.instructions.md"));
    assert.ok(!ts.includes(".github/instructions/python.instructions.md"));
    assert.ok(!ts.includes(".cursor/rules/react.mdc"), "react rule is for .tsx only");
    assert.ok(sources("web/App.tsx").includes(".cursor/rules/react.mdc"));
    assert.ok(sources("db/migrations/001.sql").includes(".continue/rules/sql.md"));
    assert.ok(!sources("sql/001.sql").includes(".continue/rules/sql.md"));
    assert.ok(sources("test/unit/a.spec.ts").includes(".groundwork/conventions/tests.md"));
    const py = set.forFile("lib/retry.py").map((c) => c.text).join("\n");
    assert.match(py, /indent_size = 4/);
    assert.match(py, /Type-annotate public functions/);
    assert.ok(sources("lib/retry.py").includes(".cursor/rules/always.mdc"));
  });

  it("applies nested AGENTS.md by folder, most general first so the nearest wins", () => {
    const deep = sources("src/deep/x.ts").filter((s) => s.endsWith("AGENTS.md"));
    assert.deepEqual(deep, ["AGENTS.md", "src/AGENTS.md", "src/deep/AGENTS.md"]);
    const root = sources("lib/retry.py").filter((s) => s.endsWith("AGENTS.md"));
    assert.deepEqual(root, ["AGENTS.md"]);
    assert.ok(!sources("src/other.ts").includes("docs/CLAUDE.md"));
    assert.ok(sources("docs/guide.md").includes("docs/CLAUDE.md"));
  });

  it("digests the applicable rules within a token budget, most specific first", () => {
    const digest = set.digest("src/deep/x.ts", 40);
    assert.ok(cl100k.count(digest) <= 40, digest);
    assert.match(digest.split("\n")[0], /Deep rule/);
    assert.equal(set.digest("src/deep/x.ts", 0), "");
  });

  it("picks up a changed conventions file on reload", async () => {
    writeFileSync(path.join(root, "src/AGENTS.md"), "Source rule: named exports only, changed.\n");
    await set.reload();
    assert.match(set.forFile("src/a.ts").map((c) => c.text).join("\n"), /changed/);
  });

  it("a workspace index reloads its conventions when an update touches a conventions file", async () => {
    const index = await WorkspaceIndex.open({ root, dbPath: path.join(root, ".gw-index") });
    try {
      const conventions = await index.conventions();
      const textFor = (relPath: string): string => conventions.forFile(relPath).map((c) => c.text).join("\n");
      writeFileSync(path.join(root, "docs/CLAUDE.md"), "Docs use short sentences.\n");
      await index.update(["src/deep/x.ts"]);
      assert.doesNotMatch(textFor("docs/a.md"), /short sentences/, "an unrelated update does not reload");
      await index.update(["docs/CLAUDE.md"]);
      assert.match(textFor("docs/a.md"), /short sentences/);
      assert.strictEqual(await index.conventions(), conventions);
    } finally {
      index.close();
    }
  });
});
