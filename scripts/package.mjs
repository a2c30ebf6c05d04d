// Builds a VSIX per platform: LanceDB's native binary is per platform, so each VSIX carries its
// target's binary and no other. The binary comes from the npm registry (`npm pack`, cached under
// node_modules/.cache), never installed over this machine's own; each target is packaged from a
// staging folder (out/package/<target>) holding the bundles, the docs and the runtime dependencies.
//
//   node scripts/package.mjs                      this machine's platform
//   node scripts/package.mjs --target darwin-arm64 [--out FILE | --out-dir DIR]
//   node scripts/package.mjs --all [--out-dir DIR]  every target in TARGETS
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
const lancedb = JSON.parse(readFileSync(path.join(root, "node_modules", "@lancedb", "lancedb", "package.json"), "utf8"));

/** VS Code's target → the LanceDB package with that platform's binary (glibc on Linux, MSVC on Windows). */
export const TARGETS = {
  "linux-x64": "@lancedb/lancedb-linux-x64-gnu",
  "linux-arm64": "@lancedb/lancedb-linux-arm64-gnu",
  "darwin-arm64": "@lancedb/lancedb-darwin-arm64",
  "win32-x64": "@lancedb/lancedb-win32-x64-msvc",
  // LanceDB 0.31.0 publishes no binary for Intel Macs (no @lancedb/lancedb-darwin-x64): no darwin-x64 VSIX.
};

const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const here = `${process.platform}-${process.arch}`;
const targets = args.includes("--all") ? Object.keys(TARGETS) : [option("--target") ?? here];
for (const target of targets) {
  if (!TARGETS[target]) throw new Error(`No VSIX for ${target}: the targets are ${Object.keys(TARGETS).join(", ")}.`);
  if (!lancedb.optionalDependencies?.[TARGETS[target]]) throw new Error(`LanceDB ${lancedb.version} has no ${TARGETS[target]}.`);
}
if (option("--out") && targets.length > 1) throw new Error("--out names one VSIX; with --all, use --out-dir.");
const outDir = path.resolve(option("--out-dir") ?? root);

execFileSync(process.execPath, [path.join(root, "esbuild.config.mjs"), "--production"], { cwd: root, stdio: "inherit" });
const runtime = runtimePackages();
for (const target of targets) {
  const out = path.resolve(option("--out") ?? path.join(outDir, `${manifest.name}-${target}-${manifest.version}.vsix`));
  packageTarget(target, out);
}

/** Packages one target from its staging folder. */
function packageTarget(target, out) {
  const stage = path.join(root, "out", "package", target);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  for (const entry of ["package.json", "README.md", "CHANGELOG.md", "LICENSE", ".vscodeignore", "dist", "media", path.join("docs", "images")]) {
    if (existsSync(path.join(root, entry))) cpSync(path.join(root, entry), path.join(stage, entry), { recursive: true });
  }
  for (const dir of runtime) {
    cpSync(path.join(root, dir), path.join(stage, dir), { recursive: true, filter: (from) => !path.relative(path.join(root, dir), from).split(path.sep).includes("node_modules") });
  }
  const binary = TARGETS[target];
  const unpacked = path.join(stage, "node_modules", ...binary.split("/"));
  mkdirSync(unpacked, { recursive: true });
  execFileSync("tar", ["-xzf", fetchTarball(binary, lancedb.version), "-C", unpacked, "--strip-components=1"]);
  mkdirSync(path.dirname(out), { recursive: true });
  const vsce = path.join(root, "node_modules", "@vscode", "vsce", "vsce");
  execFileSync(process.execPath, [vsce, "package", "--target", target, "--out", out, "--allow-missing-repository",
    // README images are shipped in the VSIX (docs/images) and linked relatively: no repository to rewrite them to.
    "--no-rewrite-relative-links"], { cwd: stage, stdio: ["ignore", "inherit", "inherit"] });
  rmSync(stage, { recursive: true, force: true });
  console.log(`VSIX: ${out} (${(statSync(out).size / 2 ** 20).toFixed(1)} MiB, target ${target}, ${binary}@${lancedb.version})`);
}

/** The registry's tarball of a package, fetched once into node_modules/.cache/groundwork-package. */
function fetchTarball(name, version) {
  const cache = path.join(root, "node_modules", ".cache", "groundwork-package");
  mkdirSync(cache, { recursive: true });
  const file = `${name.replace(/^@/, "").replace("/", "-")}-${version}.tgz`;
  if (!existsSync(path.join(cache, file))) {
    execFileSync("npm", ["pack", `${name}@${version}`, "--pack-destination", cache, "--silent"], { cwd: cache, stdio: ["ignore", "ignore", "inherit"] });
  }
  if (!existsSync(path.join(cache, file))) throw new Error(`npm pack ${name}@${version} wrote no ${file} in ${cache}`);
  return path.join(cache, file);
}

/**
 * The runtime dependencies' folders (relative to the repository), resolved as Node would from the
 * manifest's dependencies: each package's own dependencies, not its optional ones (LanceDB's
 * optional ones are its platform binaries and integrations the extension does not use).
 */
function runtimePackages() {
  const found = new Set();
  const visit = (name, from) => {
    const require = createRequire(path.join(from, "package.json"));
    let dir;
    try {
      dir = path.dirname(require.resolve(`${name}/package.json`));
    } catch {
      dir = findPackageDir(name, from);
    }
    const rel = path.relative(root, dir);
    if (found.has(rel)) return;
    found.add(rel);
    const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir);
  };
  for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, root);
  return [...found].sort();
}

/** A package folder found by Node's lookup (for packages whose exports hide package.json). */
function findPackageDir(name, from) {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", ...name.split("/"));
    if (existsSync(path.join(candidate, "package.json"))) return candidate;
    if (dir === path.dirname(dir)) throw new Error(`${name} is not installed (needed from ${from})`);
  }
}

