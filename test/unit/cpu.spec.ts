// LanceDB's x86-64 build needs AVX2 and FMA. Without them Groundwork must not load it (it would
// crash the process), say so once, and keep everything that needs no index working.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { lanceUnsupportedReason } from "../../src/core/store/cpu";
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
