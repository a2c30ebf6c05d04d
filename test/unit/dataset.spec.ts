import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { buildDataset } from "../../src/core/tune/dataset";
import { fimTasks, sourceFiles, testFiles } from "../../src/core/tune/tasks";
import { FAKE_SECRETS } from "../support/fakeSecrets";
import { TestIndex } from "../helpers/index";
import { CLI, removeTree, tempDir, writeTree } from "../helpers/workspace";

const run = promisify(execFile);

function pyModule(name: string, n: number): string {
  return Array.from({ length: n }, (_, i) => [
    `def ${name}_step_${i}(values, limit=${i + 2}):`,
    `    """Keep the first ${i + 2} ${name} values that pass the ${name} check, in order."""`,
    `    kept = []`,
    `    for value in values:`,
    `        if check_${name}(value) and len(kept) < limit:`,
    `            kept.append(value * ${i + 1})`,
    `    return kept`,
    "",
  ].join("\n")).join("\n");
}

const TS = [
  "// Parses one header line into its name and value, trimming the value.",
  "export function parseHeaderLine(line: string): [string, string] {",
  "  const colon = line.indexOf(':');",
  "  const name = line.slice(0, colon).toLowerCase();",
  "  return [name, line.slice(colon + 1).trim()];",
  "}",
  "",
  "export class Client {",
  "  send(body: string): Promise<Response> {",
  `    ${FAKE_SECRETS[2].line}`,
  "    return fetch(this.url, { method: 'POST', body, headers: { authorization: gh } });",
  "  }",
  "}",
  "",
].join("\n");

describe("fine-tuning data from the workspace's code (groundwork dataset)", () => {
  let dir: string;
  let root: string;
  let index: TestIndex;

  before(async () => {
    dir = tempDir("gw-dataset-");
    root = path.join(dir, "repo");
    const files: Record<string, string> = { "src/http/headers.ts": TS, ".github/copilot-instructions.md": "Prefer early returns. Name booleans is*/has*.\n" };
    for (const name of ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]) files[`pkg/${name}.py`] = pyModule(name, 3);
    files["pkg/copy_of_alpha.py"] = pyModule("alpha", 3); // the same functions again: near-duplicates
    files["tests/test_alpha.py"] = "def test_alpha():\n    assert alpha_step_0([1]) == [1]\n    assert True\n";
    files[".env"] = FAKE_SECRETS[0].line + "\n";
    writeTree(root, files);
    execFileSync("git", ["init", "-q", "-b", "main", root]);
    const commit = (message: string, paths: string[]): void => {
      execFileSync("git", ["-C", root, "add", ...paths]);
      execFileSync("git", ["-C", root, "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "commit", "-q", "-m", message]);
    };
    commit("first", ["."]);
    writeTree(root, { "pkg/kappa.py": pyModule("kappa", 3) + "\n# touched\n", "pkg/iota.py": pyModule("iota", 3) + "\n# touched\n" });
    commit("the newest change", ["pkg/kappa.py", "pkg/iota.py"]);
    index = await TestIndex.open({ root, dbPath: path.join(dir, "db") });
    await index.run();
  });
  after(() => {
    index.close();
    removeTree(dir);
  });

  const read = (out: string, name: string): Array<Record<string, unknown>> =>
    readFileSync(path.join(out, name), "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line));

  it("makes body-in-the-middle tasks from a file's functions and methods", async () => {
    const files = await sourceFiles(root);
    assert.ok(!files.some((file) => file.path.startsWith("tests/")), "tests are not source");
    const headers = files.find((file) => file.path === "src/http/headers.ts")!;
    const tasks = fimTasks(headers);
    const parse = tasks.find((task) => task.symbol === "parseHeaderLine")!;
    assert.equal(parse.middle, "  const colon = line.indexOf(':');\n  const name = line.slice(0, colon).toLowerCase();\n  return [name, line.slice(colon + 1).trim()];\n");
    assert.ok(parse.prefix.endsWith("export function parseHeaderLine(line: string): [string, string] {\n"));
    assert.ok(parse.suffix.startsWith("}"));
    assert.equal(parse.prefix + parse.middle + parse.suffix, headers.text);
  });

  it("keeps each file in one split, redacts secrets, drops near-duplicates, validates each format, and repeats with the seed", async () => {
    const out = path.join(dir, "chat");
    const report = await buildDataset({ codebase: index.codebase, root, out, seed: "7", testShare: 0.25 });
    const train = read(out, "train.jsonl");
    const test = read(out, "test.jsonl");
    assert.ok(train.length > 10 && test.length > 0);
    const pathsOf = (examples: Array<Record<string, unknown>>): Set<string> =>
      new Set(examples.map((e) => /(?:in |Write )((?:pkg|src)\/[\w/.]+\.(?:py|ts))/i.exec(JSON.stringify(e))![1]));
    const trainFiles = pathsOf(train);
    for (const file of pathsOf(test)) assert.ok(!trainFiles.has(file), `${file} is in both splits`);
    for (const example of [...train, ...test]) {
      const messages = example.messages as Array<{ role: string; content: string }>;
      assert.deepEqual(messages.map((m) => m.role), ["system", "user", "assistant"]);
      assert.ok(messages.every((m) => typeof m.content === "string" && m.content.length > 0));
    }
    const all = readdirSync(out).map((name) => readFileSync(path.join(out, name), "utf8")).join("\n");
    for (const secret of FAKE_SECRETS) assert.ok(!all.includes(secret.secret), `${secret.shape} survived`);
    assert.ok(report.redactions >= 1);
    assert.ok(report.dropped.duplicates >= 3, `the copied module's functions are near-duplicates (${report.dropped.duplicates})`);
    assert.ok(Object.keys(report.byKind).includes("doc") && Object.keys(report.byKind).includes("fim") && Object.keys(report.byKind).includes("convention"));
    const card = readFileSync(path.join(out, "README.md"), "utf8");
    assert.match(card, /seed `7`/);
    assert.match(card, /\| fim \| \d+ \| \d+ \|/);
    assert.ok(!readdirSync(out).some((name) => name.includes(".tmp")), "no temporary file left");

    const again = path.join(dir, "chat-again");
    await buildDataset({ codebase: index.codebase, root, out: again, seed: "7", testShare: 0.25 });
    for (const name of ["train.jsonl", "test.jsonl"]) assert.equal(readFileSync(path.join(again, name), "utf8"), readFileSync(path.join(out, name), "utf8"), `${name}: same seed, same file`);

    const pc = path.join(dir, "pc");
    await buildDataset({ codebase: index.codebase, root, out: pc, format: "prompt-completion", withRetrieval: true, testShare: 0.3 });
    for (const example of read(pc, "train.jsonl")) assert.deepEqual(Object.keys(example), ["prompt", "completion"]);
    assert.ok(read(pc, "train.jsonl").some((e) => String(e.prompt).includes("Code from other files of the repository")), "retrieved context in some prompts");
    // No train prompt's retrieved context comes from a test file: the held-out answers stay out of training.
    const heldOut = pathsOf(read(pc, "test.jsonl"));
    assert.ok(heldOut.size > 0);
    const cited = read(pc, "train.jsonl").flatMap((e) => [...String(e.prompt).matchAll(/^\[((?:pkg|src)\/[^\]:]+):\d+-\d+\]$/gm)].map((m) => m[1]));
    assert.ok(cited.length > 0, "train prompts cite retrieved code");
    assert.deepEqual(cited.filter((file) => heldOut.has(file)), [], "retrieved from held-out files");

    const fim = path.join(dir, "fim");
    await buildDataset({ codebase: index.codebase, root, out: fim, format: "fim", fimPreset: "starcoder2" });
    for (const example of read(fim, "train.jsonl")) {
      assert.deepEqual(Object.keys(example), ["text"]);
      assert.match(String(example.text), /<fim_prefix>[\s\S]*<fim_suffix>[\s\S]*<fim_middle>[\s\S]+<\|endoftext\|>$/);
    }
  });

  it("cancelled, it leaves no file behind", async () => {
    const out = path.join(dir, "cancelled");
    const abort = new AbortController();
    await assert.rejects(buildDataset({ codebase: index.codebase, root, out, signal: abort.signal, onProgress: (message) => message.startsWith("examples") && abort.abort() }));
    assert.ok(!existsSync(out) || readdirSync(out).length === 0, existsSync(out) ? readdirSync(out).join(", ") : "");
  });

  it("--split recent in a workspace folder below the repository's top takes the folder's newest files", async () => {
    const pkg = path.join(root, "pkg");
    const names = readdirSync(pkg).filter((name) => name.endsWith(".py"));
    const test = await testFiles(pkg, names, "recent", 0.15, "1");
    assert.deepEqual([...test].sort(), ["iota.py", "kappa.py"], "the newest commit's files, named as the folder names them");
  });

  it("a split keeps to its share and leaves train a file: a newest commit that touched every file fills the share and no more", async () => {
    const repo = tempDir("gw-split-");
    try {
      const names = Array.from({ length: 20 }, (_, i) => `m${i}.py`);
      writeTree(repo, Object.fromEntries(names.map((name) => [name, "x = 1\n"])));
      const git = (...args: string[]): void => void execFileSync("git", ["-C", repo, "-c", "user.name=Dev", "-c", "user.email=dev@example.com", ...args]);
      execFileSync("git", ["init", "-q", "-b", "main", repo]);
      git("add", ".");
      git("commit", "-q", "-m", "first");
      writeTree(repo, Object.fromEntries(names.map((name) => [name, "# License: MIT\nx = 1\n"])));
      git("commit", "-q", "-am", "license headers everywhere");
      const recent = await testFiles(repo, names, "recent", 0.2, "1");
      assert.equal(recent.size, 4, [...recent].join(", "));
      assert.deepEqual(await testFiles(repo, names, "recent", 0.2, "1"), recent, "the same seed, the same files");
      for (const rule of ["recent", "file"] as const) assert.equal((await testFiles(repo, names, rule, 0.99, "1")).size, 19, `${rule}: one file left to train`);
    } finally {
      removeTree(repo);
    }
  });

  it("--split recent puts the newest commits' files in test; the CLI writes the dataset and refuses bad options", async () => {
    const out = path.join(dir, "recent");
    const { stdout } = await run(process.execPath, [CLI, "dataset", "--workspace", root, "--db", path.join(dir, "db"), "--out", out, "--split", "recent", "--test-share", "0.15"]);
    assert.match(stdout, /wrote \d+ train and \d+ test examples/);
    const test = readFileSync(path.join(out, "test.jsonl"), "utf8");
    assert.match(test, /pkg\/(kappa|iota)\.py/);
    assert.doesNotMatch(test, /pkg\/alpha\.py/);
    assert.match(readFileSync(path.join(out, "README.md"), "utf8"), /Command: `groundwork dataset --workspace/);
    await assert.rejects(run(process.execPath, [CLI, "dataset", "--workspace", root, "--out", out, "--format", "xml"]), /--format must be/);
    // Nothing to make a dataset from: the files say so, and so does the exit status.
    const empty = path.join(dir, "no-functions");
    writeTree(empty, { "notes.txt": "nothing here\n" });
    await assert.rejects(run(process.execPath, [CLI, "dataset", "--workspace", empty, "--db", path.join(dir, "empty-db"), "--out", path.join(dir, "empty-out")]), (error: Error & { code?: number; stderr?: string }) => error.code === 1 && /no train examples/.test(error.stderr ?? ""));
    // Into a project's own folder: its README is not overwritten by the card.
    writeTree(path.join(dir, "project"), { "README.md": "# My project\n" });
    await assert.rejects(buildDataset({ codebase: index.codebase, root, out: path.join(dir, "project") }), /holds a README\.md that is not a dataset card/);
    assert.equal(readFileSync(path.join(dir, "project", "README.md"), "utf8"), "# My project\n");
    await buildDataset({ codebase: index.codebase, root, out, split: "recent", testShare: 0.15 });
    await assert.rejects(run(process.execPath, [CLI, "dataset", "--workspace", root, "--out", path.join(dir, "bad"), "--format", "fim", "--fim-preset", "native-suffix"]), (error: Error & { code?: number }) => error.code === 2 && /needs a model family's FIM tokens/.test(error.message));
    assert.ok(!existsSync(path.join(dir, "bad", "train.jsonl")));
  });
});

describe("secrets cut by the context budget", () => {
  it("a private key above the functions is redacted before the prompt is cut to fit, not after", async () => {
    const dir = tempDir("gw-dataset-pem-");
    try {
      // A long key: the budget cuts through its body, below the BEGIN line.
      const body = Array.from({ length: 48 }, (_, i) => createHash("sha512").update(`key line ${i}`).digest("base64").slice(0, 64));
      const begin = ["-----BEGIN RSA", "PRIVATE KEY-----"].join(" ");
      const end = ["-----END RSA", "PRIVATE KEY-----"].join(" ");
      const keys = [`SIGNING_KEY = """${begin}`, ...body, `${end}"""`, "", "", pyModuleWithKey()].join("\n");
      writeTree(dir, { "repo/keys.py": keys });
      const index = await TestIndex.open({ root: path.join(dir, "repo"), dbPath: path.join(dir, "db") });
      try {
        await index.run();
        const out = path.join(dir, "out");
        await buildDataset({ codebase: index.codebase, root: path.join(dir, "repo"), out, maxTokens: 1024, withRetrieval: false, testShare: 0 });
        const all = readdirSync(out).map((name) => readFileSync(path.join(out, name), "utf8")).join("\n");
        assert.ok(all.includes("sign_step_"), "examples were made from the functions below the key");
        const leaked = body.filter((line) => all.includes(line));
        assert.deepEqual(leaked, [], `${leaked.length} of the key's ${body.length} lines reached the dataset`);
      } finally {
        index.close();
      }
    } finally {
      removeTree(dir);
    }
  });
});

function pyModuleWithKey(): string {
  return Array.from({ length: 6 }, (_, i) => `def sign_step_${i}(payload):\n    """Sign the payload with the key, step ${i}."""\n    digest = hash_payload(payload, ${i})\n    return sign_digest(digest, SIGNING_KEY)\n`).join("\n\n");
}

describe("held-out code copied into a train file", () => {
  it("no train example holds a test function's body, not in a prompt's context, not in a whole file", async () => {
    const dir = tempDir("gw-dataset-copies-");
    try {
      const shared = "def parse_widget_spec(text):\n    \"\"\"Split a widget spec into its name and size.\"\"\"\n    name, _, size = text.partition(':')\n    width, height = size.split('x')\n    return name.strip(), int(width), int(height)\n";
      const own = (name: string): string => `def ${name}_only(values):\n    """Average the lengths of the values that are not ${name}."""\n    kept = [v for v in values if v != "${name}"]\n    total = sum(len(v) for v in kept)\n    return total / max(1, len(kept))\n`;
      writeTree(dir, { "repo/a/util.py": `${shared}\n\n${own("alpha")}`, "repo/b/helpers.py": `${shared}\n\n${own("beta")}` });
      const root = path.join(dir, "repo");
      const index = await TestIndex.open({ root, dbPath: path.join(dir, "db") });
      try {
        await index.run();
        const out = path.join(dir, "out");
        // A seed that holds out the second file: the train copy comes first.
        let seed = 1;
        while (!(await testFiles(root, ["a/util.py", "b/helpers.py"], "file", 0.5, String(seed))).has("b/helpers.py")) seed++;
        const report = await buildDataset({ codebase: index.codebase, root, out, testShare: 0.5, withRetrieval: true, seed: String(seed) });
        assert.equal(report.files.test, 1);
        const train = readFileSync(path.join(out, "train.jsonl"), "utf8");
        assert.ok(!train.includes("width, height = size.split"), "the held-out body reached train");
        assert.ok(report.dropped.heldOutCopies >= 1, JSON.stringify(report.dropped));
        assert.ok(train.includes("kept = [v for v in values"), "the train file's own function stays");
        // And the test file keeps its own copy: a train copy dropped for holding it does not make it a near-duplicate of itself.
        const answers = readFileSync(path.join(out, "test.jsonl"), "utf8").trim().split("\n").map((line) => (JSON.parse(line).messages as Array<{ role: string; content: string }>).at(-1)!.content);
        assert.ok(answers.some((answer) => answer.includes("width, height = size.split")), "the held-out function left test");
      } finally {
        index.close();
      }
    } finally {
      removeTree(dir);
    }
  });
});
