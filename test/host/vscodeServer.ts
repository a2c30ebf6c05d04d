// A real VS Code (the server that code-server ships) on 127.0.0.1, opened in headless Chromium
// through playwright-core: the host of the integration suite and the UI tests.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as net from "node:net";
import * as path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { descendants, REPO_ROOT, running } from "../helpers/workspace";
import { CACHE, CHROMIUM, missing, NODE24, SERVER_MAIN } from "./provision";

export { REPO_ROOT };

export function assertProvisioned(): void {
  const gaps = missing();
  if (gaps.length > 0) throw new Error(`The headless VS Code is not provisioned (run node --import tsx test/host/provision.ts):\n  ${gaps.join("\n  ")}`);
}

/** The VSIX under test: GROUNDWORK_VSIX, or built now with `npm run package`. */
export function vsixUnderTest(): string {
  const given = process.env.GROUNDWORK_VSIX;
  if (given && existsSync(given)) return given;
  const out = path.join(CACHE, "groundwork-under-test.vsix");
  execFileSync(process.execPath, [path.join(REPO_ROOT, "scripts", "package.mjs"), "--out", out], { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "inherit"] });
  return out;
}

/** Unpacks a VSIX (a zip); its extension/ folder is what VS Code would install. */
export function unpackVsix(vsix: string, into: string): string {
  rmSync(into, { recursive: true, force: true });
  mkdirSync(into, { recursive: true });
  execFileSync("python3", ["-m", "zipfile", "-e", vsix, into]);
  return path.join(into, "extension");
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ServerOptions {
  /** Where this run keeps VS Code's state; fresh per run. */
  stateDir: string;
  env?: NodeJS.ProcessEnv;
}

export class VsCodeServer {
  private output = "";

  private constructor(private readonly process: ChildProcess, readonly port: number, readonly extensionsDir: string) {
    process.stdout?.on("data", (data) => (this.output += data));
    process.stderr?.on("data", (data) => (this.output += data));
  }

  static installVsix(vsix: string, stateDir: string): void {
    execFileSync(NODE24, [SERVER_MAIN, "--install-extension", vsix, "--force", "--extensions-dir", path.join(stateDir, "extensions"),
      "--user-data-dir", path.join(stateDir, "user-data"), "--accept-server-license-terms"], { stdio: ["ignore", "ignore", "inherit"] });
  }

  static async start(options: ServerOptions): Promise<VsCodeServer> {
    assertProvisioned();
    const port = await freePort();
    const extensionsDir = path.join(options.stateDir, "extensions");
    mkdirSync(extensionsDir, { recursive: true });
    const child = spawn(NODE24, [
      SERVER_MAIN, "--host", "127.0.0.1", "--port", String(port), "--without-connection-token", "--accept-server-license-terms",
      "--enable-smoke-test-driver", "--disable-telemetry", "--user-data-dir", path.join(options.stateDir, "user-data"),
      "--server-data-dir", path.join(options.stateDir, "server-data"), "--extensions-dir", extensionsDir,
    ], { env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
    const server = new VsCodeServer(child, port, extensionsDir);
    const deadline = Date.now() + 60_000;
    while (!server.output.includes("Extension host agent listening")) {
      if (child.exitCode !== null) throw new Error(`VS Code server exited (code ${child.exitCode}):\n${server.output}`);
      if (Date.now() > deadline) throw new Error(`VS Code server did not start within 60 s:\n${server.output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return server;
  }

  /** The workbench URL for a folder; with a payload, the window runs an extension's tests. */
  url(folder: string, payload?: Array<[string, string]>): string {
    const params = new URLSearchParams({ folder });
    if (payload) params.set("payload", JSON.stringify(payload));
    return `http://127.0.0.1:${this.port}/?${params.toString()}`;
  }

  remoteUri(absPath: string): string {
    return `vscode-remote://127.0.0.1:${this.port}${absPath}`;
  }

  get logs(): string {
    return this.output;
  }

  get exited(): boolean {
    return this.process.exitCode !== null;
  }

  /** Stops the server and waits for every process it started (the extension host, its indexing process) to end. */
  async stop(): Promise<void> {
    if (this.process.exitCode !== null) return;
    const started = descendants(this.process.pid!);
    this.process.kill("SIGTERM");
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.process.kill("SIGKILL");
        resolve(undefined);
      }, 5000);
      this.process.once("exit", () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
    const deadline = Date.now() + 10_000;
    while (started.some(running) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"],
  });
}

/** Clicks through VS Code's workspace-trust dialog if it shows, trusting the folder. */
export async function trustWorkspaceIfAsked(page: Page, timeoutMs = 15_000): Promise<boolean> {
  const button = page.getByRole("button", { name: /Yes, I trust the authors/ });
  try {
    await button.waitFor({ state: "visible", timeout: timeoutMs });
  } catch {
    return false;
  }
  await button.click();
  return true;
}

/** What a test run holds on to — a scratch folder, the server, the browser — and lets go of in one call. */
export class HostSession {
  readonly state: string;
  server: VsCodeServer | undefined;
  browser: Browser | undefined;
  /** Anything else to stop at the end (a local S3-compatible server). */
  s3: { stop(): Promise<void> } | undefined;

  constructor(prefix: string) {
    this.state = mkdtempSync(path.join(os.tmpdir(), prefix));
  }

  async dispose(): Promise<void> {
    await this.browser?.close();
    await this.server?.stop();
    await this.s3?.stop();
    rmSync(this.state, { recursive: true, force: true });
  }
}
