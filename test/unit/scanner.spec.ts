import assert from "node:assert/strict";
import { symlinkSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { classifyContent } from "../../src/core/scan/rules";
import { scanAll, scanPaths } from "../../src/core/scan/scanner";
import { HOST_PATHS } from "../../src/shared/fsPaths";
import { removeTree, tempDir, writeTree } from "../helpers/workspace";

describe("scanner", () => {
  let root: string;
  let outside: string;
  let result: Awaited<ReturnType<typeof scanAll>>;
  const reasonOf = (relPath: string): string | undefined => result.skipped.find((s) => s.path === relPath)?.reason;
  const indexed = (relPath: string): boolean => result.files.some((f) => f.path === relPath);

  before(async () => {
    root = tempDir();
    outside = tempDir();
    writeTree(outside, { "elsewhere.py": "x = 1\n" });
    writeTree(root, {
      ".gitignore": "*.log\nbuild-cache/\n",
      "app.py": "print('hi')\n",
      "debug.log": "log line\n",
      "build-cache/data.py": "x = 1\n",
      "src/.gitignore": "generated_*.py\n!generated_keep.py\n",
      "src/generated_a.py": "a = 1\n",
      "src/generated_keep.py": "b = 2\n",
      "src/deep/generated_b.py": "c = 3\n",
      "src/secrets.py": "import os\n",
      ".groundworkignore": "fixtures/\n",
      "fixtures/sample.py": "y = 2\n",
      "node_modules/lib/index.js": "module.exports = 1;\n",
      ".git/config": "[core]\n",
      "dist/app.js": "var a;\n",
      "package-lock.json": "{}\n",
      "web/app.min.js": "var a=1;\n",
      ".env": "API_KEY=abc\n",
      ".env.production": "API_KEY=abc\n",
      "keys/id_rsa": "-----BEGIN RSA PRIVATE KEY-----\n",
      "keys/server.pem": "-----BEGIN CERTIFICATE-----\n",
      "config/credentials.json": "{}\n",
      "images/logo.png": new Uint8Array([137, 80, 78, 71, 0, 0]),
      "big.txt": "x".repeat(2000),
      "venv/pyvenv.cfg": "home = /usr/bin\n",
      "venv/lib/site.py": "z = 1\n",
    });
    symlinkSync(root, path.join(root, "src", "loop"));
    symlinkSync(outside, path.join(root, "outside-link"));
    symlinkSync(path.join(root, "app.py"), path.join(root, "app-link.py"));
    result = await scanAll(root, { maxFileBytes: 1000 });
  });

  after(() => {
    removeTree(root);
    removeTree(outside);
  });

  it("indexes ordinary source files, including names that only look secret", () => {
    assert.ok(indexed("app.py"));
    assert.ok(indexed("src/secrets.py"));
    assert.ok(indexed(".gitignore"));
  });

  it("honours nested .gitignore files with negations, and .groundworkignore", () => {
    assert.match(reasonOf("debug.log")!, /\.gitignore/);
    assert.match(reasonOf("build-cache/")!, /ignored by \.gitignore/);
    assert.match(reasonOf("src/generated_a.py")!, /src\/\.gitignore/);
    assert.match(reasonOf("src/deep/generated_b.py")!, /src\/\.gitignore/);
    assert.ok(indexed("src/generated_keep.py"), "a negated pattern re-includes the file");
    assert.match(reasonOf("fixtures/")!, /\.groundworkignore/);
  });

  it("leaves out dependencies, VCS folders, build outputs, lock files and minified files by default", () => {
    for (const relPath of ["node_modules/", ".git/", "dist/", "package-lock.json", "web/app.min.js"]) {
      assert.match(reasonOf(relPath) ?? "(indexed)", /default excludes/, relPath);
    }
    assert.match(reasonOf("venv/")!, /virtual environment/);
  });

  it("never indexes files that commonly hold secrets", () => {
    for (const relPath of [".env", ".env.production", "keys/id_rsa", "keys/server.pem", "config/credentials.json"]) {
      assert.match(reasonOf(relPath) ?? "(indexed)", /secrets/, relPath);
    }
  });

  it("skips binaries and files over the size cap, with the size in the reason", () => {
    assert.match(reasonOf("images/logo.png")!, /binary/);
    assert.match(reasonOf("big.txt")!, /too large \(2000 bytes, limit 1000\)/);
  });

  it("does not follow symbolic links, so loops and escapes are safe", () => {
    assert.match(reasonOf("src/loop")!, /symbolic link/);
    assert.match(reasonOf("outside-link")!, /outside the workspace/);
    assert.match(reasonOf("app-link.py")!, /indexed at its own path/);
    assert.ok(!result.files.some((f) => f.path.includes("loop/")));
  });

  it("records a reason for every skipped entry and reports each path once", () => {
    for (const entry of result.skipped) assert.ok(entry.reason.length > 5, entry.path);
    const all = [...result.files.map((f) => f.path), ...result.skipped.map((s) => s.path)];
    assert.equal(new Set(all).size, all.length);
  });

  it("judges single paths (from a file watcher) exactly as a full scan does", async () => {
    const paths = ["app.py", "debug.log", "build-cache/data.py", "src/generated_a.py", "src/generated_keep.py",
      "src/deep/generated_b.py", "fixtures/sample.py", "node_modules/lib/index.js", ".env", "big.txt", "src/secrets.py", "venv/lib/site.py", "gone.py"];
    const { entries, missing } = await scanPaths(root, paths, { maxFileBytes: 1000 });
    assert.deepEqual(missing, ["gone.py"]);
    for (const entry of entries) {
      if (entry.kind === "file") assert.ok(indexed(entry.file.path), `${entry.file.path} should be skipped`);
      else assert.ok(!indexed(entry.skipped.path), `${entry.skipped.path} should be indexed (${entry.skipped.reason})`);
    }
    assert.equal(entries.length, paths.length - 1);
  });
});

describe("build output folders", () => {
  it("are left out at the root and next to a project's manifest, and kept as source elsewhere", async () => {
    const root = tempDir();
    try {
      writeTree(root, {
        "dist/bundle.js": "x()\n",
        "packages/web/package.json": "{}\n",
        "packages/web/dist/index.js": "x()\n",
        "packages/web/src/build/plan.ts": "export const plan = 1;\n",
        "crates/store/Cargo.toml": "[package]\n",
        "crates/store/target/debug/build.rs": "fn main() {}\n",
        "src/go/build/context.go": "package build\n",
        "src/cmd/dist/main.go": "package main\n",
        "src/main/java/com/acme/build/BuildPlan.java": "class BuildPlan {}\n",
        "lib/out/writer.rb": "class Writer; end\n",
        "tools/app/App.csproj": "<Project/>\n",
        "tools/app/obj/Debug/App.cs": "class App {}\n",
      });
      const { files, skipped } = await scanAll(root);
      const indexed = new Set(files.map((file) => file.path));
      for (const folder of ["dist/", "packages/web/dist/", "crates/store/target/", "tools/app/obj/"]) {
        assert.match(skipped.find((entry) => entry.path === folder)?.reason ?? "(indexed)", /default excludes/, folder);
      }
      for (const file of ["packages/web/src/build/plan.ts", "src/go/build/context.go", "src/cmd/dist/main.go", "src/main/java/com/acme/build/BuildPlan.java", "lib/out/writer.rb"]) {
        assert.ok(indexed.has(file), file);
      }
      // A file watcher's single paths are judged the same way.
      const { entries } = await scanPaths(root, ["packages/web/dist/index.js", "src/go/build/context.go", "crates/store/target/debug/build.rs"]);
      assert.deepEqual(entries.map((entry) => (entry.kind === "file" ? entry.file.path : entry.skipped.path)), ["packages/web/dist/", "src/go/build/context.go", "crates/store/target/"]);
    } finally {
      removeTree(root);
    }
  });
});

describe("taking back what is left out by default", () => {
  it("a negation in settings or an ignore file, at any depth, takes back a default exclude and what is inside it, not the files its own rules leave out", async () => {
    const root = tempDir();
    try {
      writeTree(root, {
        ".gitignore": "!vendor/\n",
        "packages/web/.gitignore": "!dist/\n",
        "package.json": "{}\n",
        "dist/bundle.js": "x()\n",
        "vendor/acme/lib.go": "package acme\n",
        "vendor/acme/lib.min.js": "x()\n",
        "packages/web/package.json": "{}\n",
        "packages/web/dist/index.js": "x()\n",
        "packages/api/package.json": "{}\n",
        "packages/api/dist/server.js": "x()\n",
        "docs/make.bat": "@ECHO OFF\n",
        "docs/conf.py": "project = 'x'\n",
        "docs/build/html/_static/searchtools.js": "x()\n",
        "app/mix.exs": "defmodule App.MixProject do\nend\n",
        "app/_build/dev/lib/app.ex": "defmodule App do\nend\n",
      });
      const verdicts = async (excludes?: string[]): Promise<Record<string, boolean>> => {
        const { files } = await scanAll(root, { excludes });
        const paths = ["dist/bundle.js", "vendor/acme/lib.go", "vendor/acme/lib.min.js", "packages/web/dist/index.js", "packages/api/dist/server.js", "docs/conf.py", "docs/build/html/_static/searchtools.js", "app/_build/dev/lib/app.ex"];
        const { entries } = await scanPaths(root, paths, { excludes });
        const watched = new Set(entries.flatMap((entry) => (entry.kind === "file" ? [entry.file.path] : [])));
        return Object.fromEntries(paths.map((file) => {
          const scanned = files.some((f) => f.path === file);
          assert.equal(watched.has(file), scanned, `${file}: a watched path is judged as the full scan judges it`);
          return [file, scanned];
        }));
      };
      assert.deepEqual(await verdicts(), {
        "dist/bundle.js": false, "vendor/acme/lib.go": true, "vendor/acme/lib.min.js": false, "packages/web/dist/index.js": true,
        "packages/api/dist/server.js": false, "docs/conf.py": true, "docs/build/html/_static/searchtools.js": false, "app/_build/dev/lib/app.ex": false,
      });
      const taken = await verdicts(["!dist/"]);
      assert.equal(taken["dist/bundle.js"], true, "the setting's negation takes back the root's output folder");
      assert.equal(taken["packages/api/dist/server.js"], true, "and one next to a manifest");
      // A root ignore file that lets every folder in (a whitelist) does not take back a nested output folder: that folder's own ignore file would.
      writeTree(root, { ".gitignore": "*\n!*/\n!*.js\n!*.go\n" });
      const whitelisted = await verdicts();
      assert.equal(whitelisted["packages/api/dist/server.js"], false);
      assert.equal(whitelisted["packages/web/dist/index.js"], true);
    } finally {
      removeTree(root);
    }
  });
});

describe("ignore files and letter case", () => {
  it("a watched path below an ignored folder that holds a link is just ignored (no rescan)", async () => {
    const dir = tempDir("gw-ignored-link-");
    const target = tempDir("gw-ignored-target-");
    try {
      writeTree(target, { "index.js": "module.exports = 1;\n" });
      writeTree(dir, { "main.py": "print(1)\n", "node_modules/.keep": "" });
      symlinkSync(target, path.join(dir, "node_modules", "pkg"));
      const { entries, folders } = await scanPaths(dir, ["node_modules/pkg/index.js"]);
      assert.deepEqual(folders, []);
      assert.deepEqual(entries.map((e) => e.kind === "skipped" && e.skipped.path), ["node_modules/"]);
    } finally {
      removeTree(dir);
      removeTree(target);
    }
  });

  it("match names as git does on this machine's file system: case-sensitive on Linux, not on macOS or Windows", async () => {
    const dir = tempDir("gw-case-");
    try {
      writeTree(dir, { ".gitignore": "Tools/\n*.TXT\n", "tools/run.py": "x = 1\n", "Tools/gen.py": "y = 2\n", "notes.txt": "z\n", "main.py": "print(1)\n" });
      const files = (await scanAll(dir)).files.map((f) => f.path).filter((p) => p !== ".gitignore").sort();
      const expected = HOST_PATHS.caseInsensitive ? ["main.py"] : ["main.py", "notes.txt", "tools/run.py"];
      assert.deepEqual(files, expected);
      const { entries } = await scanPaths(dir, ["tools/run.py", "notes.txt"]);
      assert.deepEqual(entries.filter((e) => e.kind === "file").map((e) => e.kind === "file" && e.file.path), HOST_PATHS.caseInsensitive ? [] : ["tools/run.py", "notes.txt"]);
    } finally {
      removeTree(dir);
    }
  });
});

describe("content classification", () => {
  it("rejects binary, minified and generated content and accepts ordinary code", () => {
    assert.deepEqual(classifyContent(Buffer.from("def f():\n    return 1\n")), { ok: true });
    assert.match((classifyContent(Buffer.from([65, 0, 66])) as { reason: string }).reason, /binary/);
    assert.match((classifyContent(Buffer.from("var a=" + "1,".repeat(4000) + "2;")) as { reason: string }).reason, /minified/);
    assert.match((classifyContent(Buffer.from("// Code generated by protoc. DO NOT EDIT.\npackage x\n")) as { reason: string }).reason, /generated/);
 
    // Below a build tag and a license (Kubernetes' deep copies), or in .NET's header: still the header.
    const license = Array.from({ length: 16 }, (_, i) => `// License line ${i + 1}.`).join("\n");
    assert.match((classifyContent(Buffer.from(`//go:build !ignore_autogenerated\n\n/*\nCopyright 2024.\n*/\n${license}\n\n// Code generated by controller-gen. DO NOT EDIT.\n\npackage v1\n`)) as { reason: string }).reason, /generated/);
    assert.match((classifyContent(Buffer.from("//------\n// <auto-generated>\n//     This code was generated by a tool.\n// </auto-generated>\n//------\nnamespace X {}\n")) as { reason: string }).reason, /generated/);
    // Further down, only a tool's own marker counts: a heading that asks people not to edit does not.
    const notes = `# Release process\n\n${Array.from({ length: 8 }, (_, i) => `# Step ${i + 1}`).join("\n")}\n# DO NOT EDIT the version by hand\n`;
    assert.deepEqual(classifyContent(Buffer.from(notes)), { ok: true });
    // Past the header, the words are the code's business.
    const code = `package x\n\n${Array.from({ length: 8 }, () => "func f() {}").join("\n")}\n// DO NOT EDIT the table below by hand: run make.\nvar table = 1\n`;
    assert.deepEqual(classifyContent(Buffer.from(code)), { ok: true });
  });
});
