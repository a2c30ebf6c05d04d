// LanceDB's x86-64 build needs AVX2 and FMA. Without them Groundwork must not load it (it would
// crash the process), say so once, and keep everything that needs no index working.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { lanceUnsupportedReason } from "../../src/core/store/cpu";
import { dropUnusableLanceSettings, lanceCpuThreads } from "../../src/core/store/lance";
import { CLI, removeTree, tempDir, writeTree } from "../helpers/workspace";
import { TestModelServer } from "../support/modelServer";

const run = promisify(execFile);
const OLD_CPU = "processor\t: 0\nmodel name\t: Old x86-64\nflags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr sse sse2 ssse3 sse4_1 sse4_2 popcnt avx\n";
const NEW_CPU = OLD_CPU.replace("avx\n", "avx avx2 fma bmi2\n");

describe("CPUs without AVX2 and FMA", () => {
  let dir: string;
  let oldCpu: string;
  let server: TestModelServer;
  const saved = process.env.GROUNDWORK_CPUINFO;

  before(async () => {
    dir = tempDir("gw-cpu-");
    oldCpu = path.join(dir, "cpuinfo-old");
    writeFileSync(oldCpu, OLD_CPU);
    writeFileSync(path.join(dir, "cpuinfo-new"), NEW_CPU);
    writeTree(path.join(dir, "ws"), {
      "AGENTS.md": "Rule: money is in cents.\n",
      "billing.py": "def invoice_total(lines):\n    return sum(line.cents for line in lines)\n",
    });
    server = await TestModelServer.start();
  });

  after(async () => {
    if (saved === undefined) delete process.env.GROUNDWORK_CPUINFO;
    else process.env.GROUNDWORK_CPUINFO = saved;
    await server.close();
    removeTree(dir);
  });

  it("tells from the CPU's flags whether LanceDB can load", () => {
    process.env.GROUNDWORK_CPUINFO = oldCpu;
    assert.match(lanceUnsupportedReason("x64", "linux") ?? "", /lacks AVX2 and FMA/);
    assert.equal(lanceUnsupportedReason("arm64", "darwin"), undefined, "only x86-64 builds need them");
    process.env.GROUNDWORK_CPUINFO = path.join(dir, "cpuinfo-new");
    assert.equal(lanceUnsupportedReason("x64", "linux"), undefined);
    process.env.GROUNDWORK_CPUINFO = path.join(dir, "missing");
    assert.equal(lanceUnsupportedReason("x64", "linux"), undefined, "unknown flags: believe it can");
  });

  it("the CLI says so, never loads LanceDB, and answers without retrieval, conventions still applied", async () => {
    const env = { ...process.env, GROUNDWORK_CPUINFO: oldCpu };
    const ws = path.join(dir, "ws");
    const indexing = await run(process.execPath, [CLI, "index", ws], { env }).then(() => ({ code: 0, stderr: "" }), (e: { code: number; stderr: string }) => e);
    assert.equal(indexing.code, 1);
    assert.match(indexing.stderr, /index is not available: this CPU lacks AVX2 and FMA/);
    const { stdout, stderr } = await run(process.execPath, [CLI, "ask", "how is an invoice totalled?", "-w", ws, "--base-url", server.url, "--model-name", "m"], { env });
    assert.equal(stderr.match(/index is not available/g)?.length, 1, "said once");
    assert.match(stdout, /Context sent: 0 snippets\nConventions: AGENTS\.md\n/);
    const system = server.to("/v1/chat/completions").at(-1)!.body.messages[0].content as string;
    assert.match(system, /money is in cents/);
  });
});

// Lance 8 panics on every read or index build when one of its numeric settings does not parse
// (LANCE_IO_THREADS=0 hangs every read instead): Groundwork drops such a setting and says so.
describe("LanceDB settings in the environment", () => {
  let dir: string;

  before(() => {
    dir = tempDir("gw-lance-env-");
    writeTree(path.join(dir, "ws"), { "billing.py": "def invoice_total(lines):\n    return sum(line.cents for line in lines)\n" });
  });

  after(() => removeTree(dir));

  it("keeps usable values and drops the rest", () => {
    const env: NodeJS.ProcessEnv = {
      LANCE_IO_THREADS: "8", LANCE_FTS_NUM_SHARDS: "0", LANCE_MAX_IOP_SIZE: " 4096", LANCE_IO_CORE_RESERVATION: "-1", LANCE_FTS_PARTITION_SIZE: "",
      LANCE_FTS_WRITE_QUEUE_SIZE: "0", LANCE_FTS_POSTING_BATCH_ROWS: "1e3", LANCE_FTS_POSTING_GROUP_MAX_TOKENS: "0", LANCE_FTS_POSTING_GROUP_TARGET_BYTES: "9".repeat(25),
      LANCE_FTS_FORMAT_VERSION: "2", PATH: "x",
    };
    assert.deepEqual(dropUnusableLanceSettings(env).sort(), [
      "LANCE_FTS_PARTITION_SIZE", "LANCE_FTS_POSTING_BATCH_ROWS", "LANCE_FTS_POSTING_GROUP_TARGET_BYTES", "LANCE_FTS_WRITE_QUEUE_SIZE", "LANCE_IO_CORE_RESERVATION", "LANCE_MAX_IOP_SIZE",
    ]);
    assert.deepEqual(env, { LANCE_IO_THREADS: "8", LANCE_FTS_NUM_SHARDS: "0", LANCE_FTS_POSTING_GROUP_MAX_TOKENS: "0", LANCE_FTS_FORMAT_VERSION: "2", PATH: "x" });
    assert.deepEqual(dropUnusableLanceSettings({ LANCE_FTS_FORMAT_VERSION: "3" }), ["LANCE_FTS_FORMAT_VERSION"]);
  });

  it("gives LanceDB the user's CPU threads only when it can parse them and there are at least 2", () => {
    assert.equal(lanceCpuThreads("3", 2), "3");
    for (const value of [undefined, "1", "0", "4 ", " 4", "2.0", "1e1", "0x4", "", "9".repeat(25)]) assert.equal(lanceCpuThreads(value, 8), "8", `${JSON.stringify(value)}`);
    assert.equal(lanceCpuThreads("abc", 1), "2");
  });

  it("the CLI indexes and searches with unusable values set, naming each once", async () => {
    const bad = {
      LANCE_IO_THREADS: "0", LANCE_MAX_IOP_SIZE: "abc", LANCE_FTS_NUM_SHARDS: "-1", LANCE_FTS_PARTITION_SIZE: "1.5", LANCE_IO_CORE_RESERVATION: "",
      LANCE_FTS_WRITE_QUEUE_SIZE: "0", LANCE_FTS_POSTING_BATCH_ROWS: "abc", LANCE_FTS_POSTING_GROUP_MAX_TOKENS: "x", LANCE_FTS_POSTING_GROUP_TARGET_BYTES: "-5", LANCE_FTS_FORMAT_VERSION: "64",
    };
    // Not named (Groundwork sets it), but unusable as it is: a trailing space.
    const env = { ...process.env, ...bad, LANCE_CPU_THREADS: "4 " };
    const ws = path.join(dir, "ws");
    const db = path.join(dir, "db");
    const indexed = await run(process.execPath, [CLI, "index", ws, "--db", db], { env, timeout: 60_000 });
    for (const name of Object.keys(bad)) assert.equal(indexed.stderr.split(name).length - 1, 1, `${name} named once: ${indexed.stderr}`);
    const { stdout } = await run(process.execPath, [CLI, "search", "invoice total", "-w", ws, "--db", db], { env, timeout: 60_000 });
    assert.match(stdout, /billing\.py:1-2/);
  });
});
