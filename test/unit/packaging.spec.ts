// The VSIX of every target, built as `npm run package:all` builds them (the LanceDB binaries come
// from the npm registry with `npm pack`) and opened as the zip files they are: each carries its
// platform's binary, loadable by the name LanceDB's loader asks for on that platform, and no
// other platform's; the bundles, grammars, webview assets and README images; nothing of the tests,
// sources or source maps; and stays within its size budget.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as vm from "node:vm";
import { REPO_ROOT, removeTree, tempDir } from "../helpers/workspace";

/** What a VSIX may weigh (zip size); they measure 58–67 MiB with LanceDB 0.31.0. */
const BUDGET_MIB = 80;

const TARGETS: Record<string, { platform: string; arch: string; binary: string; format: (bytes: Buffer) => string }> = {
  "linux-x64": { platform: "linux", arch: "x64", binary: "@lancedb/lancedb-linux-x64-gnu", format: elf },
  "linux-arm64": { platform: "linux", arch: "arm64", binary: "@lancedb/lancedb-linux-arm64-gnu", format: elf },
  "darwin-arm64": { platform: "darwin", arch: "arm64", binary: "@lancedb/lancedb-darwin-arm64", format: machO },
  "win32-x64": { platform: "win32", arch: "x64", binary: "@lancedb/lancedb-win32-x64-msvc", format: pe },
};
const EXPECTED_FORMAT: Record<string, string> = { "linux-x64": "ELF x86-64", "linux-arm64": "ELF AArch64", "darwin-arm64": "Mach-O arm64", "win32-x64": "PE x64" };

describe("a VSIX per platform (npm run package:all)", () => {
  let out: string;

  before(() => {
    out = tempDir("gw-vsix-");
    execFileSync(process.execPath, [path.join(REPO_ROOT, "scripts", "package.mjs"), "--all", "--out-dir", path.join(out, "vsix")], { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "inherit"] });
  });

  after(() => removeTree(out));

  for (const [target, spec] of Object.entries(TARGETS)) {
    it(`${target}: its own LanceDB binary, loadable there by name, and nothing of the others`, () => {
      const vsix = path.join(out, "vsix", `groundwork-${target}-${manifestVersion()}.vsix`);
      const size = statSync(vsix).size / 2 ** 20;
      console.log(`${path.basename(vsix)}: ${size.toFixed(1)} MiB (budget ${BUDGET_MIB} MiB)`);
      assert.ok(size <= BUDGET_MIB, `${target} VSIX is ${size.toFixed(1)} MiB, over the ${BUDGET_MIB} MiB budget`);
      const root = path.join(out, target);
      execFileSync("python3", ["-m", "zipfile", "-e", vsix, root]);
      const ext = path.join(root, "extension");
      assert.match(readFileSync(path.join(root, "extension.vsixmanifest"), "utf8"), new RegExp(`TargetPlatform="${target}"`));

      const platformPackages = readdirSync(path.join(ext, "node_modules", "@lancedb")).filter((name) => name !== "lancedb");
      assert.deepEqual(platformPackages, [spec.binary.split("/")[1]], "exactly one platform binary, the target's");
      const loaded = loadNativeFor(ext, spec.platform, spec.arch);
      assert.equal(path.relative(ext, loaded), path.join("node_modules", ...spec.binary.split("/"), `lancedb.${spec.binary.split("lancedb-")[1]}.node`));
      assert.equal(spec.format(readFileSync(loaded)), EXPECTED_FORMAT[target]);

      if (target === `${process.platform}-${process.arch}`) {
        // This machine's VSIX: its LanceDB really loads from it, with what the VSIX carries.
        const db = path.join(out, `db-${target}`);
        const script = `const l = require(${JSON.stringify(path.join(ext, "node_modules", "@lancedb", "lancedb"))}); require(${JSON.stringify(path.join(ext, "node_modules", "apache-arrow"))});` +
          `l.connect(${JSON.stringify(db)}).then((c) => c.createTable("t", [{ x: 1 }])).then((t) => t.countRows()).then((n) => process.stdout.write(String(n)));`;
        assert.equal(execFileSync(process.execPath, ["-e", script], { cwd: out, encoding: "utf8", env: { ...process.env, LANCE_CPU_THREADS: "2", LANCE_LOG: "error" } }), "1");
      }
      const files = listFiles(ext);
      for (const needed of ["dist/extension.js", "dist/cli.js", "dist/cli-main.js", "dist/worker.js", "dist/webview.js", "dist/webview.css", "package.json", "readme.md", "changelog.md", "LICENSE.txt", "media/icon.png"]) {
        assert.ok(files.includes(needed), `${target} VSIX lacks ${needed}`);
      }
      const grammars = readdirSync(path.join(REPO_ROOT, "dist", "grammars")).filter((name) => name.endsWith(".wasm"));
      assert.ok(grammars.length >= 10);
      for (const grammar of grammars) assert.ok(files.includes(`dist/grammars/${grammar}`), `${target} VSIX lacks ${grammar}`);
      for (const image of new Set(readFileSync(path.join(REPO_ROOT, "README.md"), "utf8").match(/docs\/images\/[\w.-]+/g) ?? [])) {
        assert.ok(files.includes(image), `${target} VSIX lacks the README's ${image}`);
      }
      const stray = files.filter((file) => /\.map$|(^|\/)(test|tests|fixtures|__tests__)\/|^src\/|\.ts$|^bench\/|^scripts\//.test(file) && !file.startsWith("node_modules/"));
      assert.deepEqual(stray, [], "no tests, fixtures, sources or source maps of ours");
      assert.deepEqual(files.filter((file) => file.endsWith(".map")), [], "no source maps at all");
      const manifest = JSON.parse(readFileSync(path.join(ext, "package.json"), "utf8")) as { icon: string; engines: Record<string, string> };
      assert.ok(files.includes(manifest.icon));
      assert.match(manifest.engines.vscode, /^\^1\.\d+\.\d+$/);
    });
  }
});

function manifestVersion(): string {
  return (JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;
}

function listFiles(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(path.join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`]);
}

/**
 * Runs the VSIX's own LanceDB loader (native.js) as that platform would: its `process` says the
 * platform and architecture (glibc on Linux, an MSVC build of Node on Windows), and its `require`
 * finds files and packages in the VSIX but only notes which binary it would load.
 */
function loadNativeFor(ext: string, platform: string, arch: string): string {
  const dist = path.join(ext, "node_modules", "@lancedb", "lancedb", "dist");
  const packageDir = (id: string): string => path.join(ext, "node_modules", ...id.split("/").slice(0, 2));
  const fakeRequire = (id: string): unknown => {
    if (id === "node:fs" || id === "fs") return { readFileSync: () => { throw new Error("no /usr/bin/ldd here"); } };
    if (id === "child_process") return { execSync: () => "ldd (GNU libc) 2.36" };
    if (id.endsWith(".node")) {
      const file = path.resolve(dist, id);
      if (!existsSync(file)) throw new Error(`Cannot find module '${id}'`);
      return { loadedFrom: file };
    }
    if (id.startsWith("@lancedb/")) {
      const dir = packageDir(id);
      if (!existsSync(path.join(dir, "package.json"))) throw new Error(`Cannot find module '${id}'`);
      const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { main: string; version: string };
      if (id.endsWith("/package.json")) return pkg;
      const file = path.join(dir, pkg.main);
      if (!existsSync(file)) throw new Error(`Cannot find module '${id}'`);
      return { loadedFrom: file };
    }
    throw new Error(`the loader asked for ${id}`);
  };
  const module = { exports: {} as Record<string, unknown> };
  const fakeProcess = { platform, arch, env: {}, config: { variables: {} }, report: { getReport: () => ({ header: { glibcVersionRuntime: "2.36" }, sharedObjects: [] }) } };
  vm.runInNewContext(readFileSync(path.join(dist, "native.js"), "utf8"), { require: fakeRequire, module, exports: module.exports, process: fakeProcess });
  return module.exports.loadedFrom as string;
}

function elf(bytes: Buffer): string {
  if (bytes.readUInt32BE(0) !== 0x7f454c46) return "not ELF";
  const machine = bytes.readUInt16LE(18);
  return machine === 0x3e ? "ELF x86-64" : machine === 0xb7 ? "ELF AArch64" : `ELF machine ${machine}`;
}

function machO(bytes: Buffer): string {
  if (bytes.readUInt32LE(0) !== 0xfeedfacf) return "not Mach-O (64-bit)";
  const cpu = bytes.readUInt32LE(4);
  return cpu === 0x0100000c ? "Mach-O arm64" : cpu === 0x01000007 ? "Mach-O x86-64" : `Mach-O cpu ${cpu}`;
}

function pe(bytes: Buffer): string {
  if (bytes.toString("latin1", 0, 2) !== "MZ") return "not PE";
  const header = bytes.readUInt32LE(0x3c);
  if (bytes.toString("latin1", header, header + 4) !== "PE\0\0") return "not PE";
  const machine = bytes.readUInt16LE(header + 4);
  return machine === 0x8664 ? "PE x64" : machine === 0xaa64 ? "PE arm64" : `PE machine ${machine}`;
}
