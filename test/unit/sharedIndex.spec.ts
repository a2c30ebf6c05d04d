import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { Codebase } from "../../src/core/codebase/codebase";
import { AgentTools } from "../../src/core/tools/agentTools";
import { indexInChild, type IndexJob, jobOptions } from "../../src/core/codebase/indexProcess";
import { parseStorageOptions, storageOptionsFromEnv, useStorage } from "../../src/core/codebase/storage";
import type { OwnershipEvent } from "../../src/core/codebase/types";
import type { SearchHit } from "../../src/core/retrieval/types";
import { describeStorageError, storageProblem } from "../../src/core/store/lance";
import { SharedOverlay } from "../../src/core/codebase/sharedOverlay";
import { TestIndex } from "../helpers/index";
import { CLI, POLYGLOT, REPO_ROOT, removeTree, tempDir, writeTree } from "../helpers/workspace";
import { TestS3Server } from "../support/s3Server";

const run = promisify(execFile);

/** A port nothing listens on, among those given. */
async function closedPort(candidates: number[]): Promise<number> {
  for (const port of candidates) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer().once("error", () => resolve(false)).listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error("no free port among the candidates");
}

async function groundwork(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("a team index on object storage (a real S3-compatible server)", () => {
  let dir: string;
  let s3: TestS3Server;
  let writer: string;
  let reader: string;

  before(async () => {
    dir = tempDir("gw-s3-");
    s3 = new TestS3Server(path.join(dir, "s3"));
    await s3.start();
    writer = path.join(dir, "ci-checkout");
    cpSync(POLYGLOT, writer, { recursive: true });
    execFileSync("git", ["init", "-q", "-b", "main", writer]);
    execFileSync("git", ["-C", writer, "add", "."]);
    execFileSync("git", ["-C", writer, "-c", "user.name=CI", "-c", "user.email=ci@example.com", "commit", "-q", "-m", "import"]);
    reader = path.join(dir, "developer");
    cpSync(POLYGLOT, reader, { recursive: true });
  });
  after(async () => {
    await s3.stop();
    removeTree(dir);
  });

  it("CI indexes to s3:// and records the commit; another machine searches it with nothing local", async () => {
    const indexed = await groundwork(["index", writer, "--db", "s3://team/main"], s3.env());
    assert.equal(indexed.code, 0, indexed.stderr);
    assert.match(indexed.stdout, /indexed \d+ files/);
    const status = await groundwork(["status", "--workspace", writer, "--db", "s3://team/main", "--json"], s3.env());
    const head = execFileSync("git", ["-C", writer, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
    assert.equal(JSON.parse(status.stdout).commit, head);
    const search = await groundwork(["search", "bounded queue offer item", "--workspace", reader, "--db", "s3://team/main", "-k", "3"], s3.env());
    assert.equal(search.code, 0, search.stderr);
    assert.match(search.stdout, /^ 1\. lib\/Queue\.java:\d+-\d+ {2}class BoundedQueue .*vector #1, text #1/m);
    assert.doesNotMatch(search.stderr, /No index yet/);
  });

  it("refuses a folder's own index as its shared index (it would lean on itself and drop every chunk), and leaves the index whole", async () => {
    const chunks = async (): Promise<number> => JSON.parse((await groundwork(["status", "--workspace", writer, "--db", "s3://team/main", "--json"], s3.env())).stdout).chunks;
    const before = await chunks();
    assert.ok(before > 0);
    for (const shared of ["s3://team/main", "s3://team/main/"]) {
      const result = await groundwork(["index", writer, "--db", "s3://team/main", "--shared-index", shared], s3.env());
      assert.equal(result.code, 1, result.stdout);
      assert.match(result.stderr, /is .*'s own index: a folder's index can't be the shared index it overlays/);
    }
    assert.equal(await chunks(), before);
    // A local folder named two ways is one folder.
    const local = path.join(dir, "own-local");
    await assert.rejects(Codebase.open({ folders: [{ name: "w", root: writer, dbPath: local }], shared: `${path.relative(process.cwd(), local)}/` }), /own index: a folder's index can't be the shared index it overlays/);
  });

  it("wrong credentials: a clear error that quotes none of them", async () => {
    const secret = "not-the-secret-9f8e7d";
    const result = await groundwork(["search", "bounded queue", "--workspace", reader, "--db", "s3://team/main"], s3.env({ AWS_ACCESS_KEY_ID: "WRONGKEYID42", AWS_SECRET_ACCESS_KEY: secret }));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /can't be read: access denied: check the credentials/);
    assert.doesNotMatch(result.stderr, /No index yet/, "a store that refuses the credentials is not indexed into");
    for (const value of [secret, "WRONGKEYID42"]) assert.ok(!(result.stdout + result.stderr).includes(value), `${value} printed`);
  });

  it("a bucket that does not exist: says so, and indexes nothing into it", async () => {
    for (const command of [["search", "bounded queue", "--workspace", reader], ["index", reader]]) {
      const result = await groundwork([...command, "--db", "s3://no-such-team/main"], s3.env());
      assert.equal(result.code, 1, result.stdout);
      assert.match(result.stderr, /can't be read: the bucket does not exist/);
      assert.doesNotMatch(result.stderr, /No index yet/);
    }
  });

  it("the store stopped: a clear error, no crash; back up, it answers again", async () => {
    await s3.stop();
    try {
      const down = await groundwork(["search", "bounded queue", "--workspace", reader, "--db", "s3://team/main"], s3.env());
      assert.equal(down.code, 1);
      assert.match(down.stderr, /unreachable/);
      assert.doesNotMatch(down.stderr, /No index yet/, "a store that can't be reached is not indexed into");
      assert.doesNotMatch(down.stderr, /at .*\.js:\d+/, "no stack trace");
    } finally {
      await s3.start();
    }
    const up = await groundwork(["search", "bounded queue offer item", "--workspace", reader, "--db", "s3://team/main", "-k", "1"], s3.env());
    assert.match(up.stdout, /lib\/Queue\.java/);
  });

  it("tells a store's failures by their words, not by the numbers in its addresses, source lines and timings", () => {
    // Shaped like LanceDB 0.31's messages (object_store under lance-io).
    const refused = (port: number, took: string): Error => new Error(`lance error: LanceError(IO): Generic S3 error: Error performing list request: Error performing GET http://127.0.0.1:${port}/team?delimiter=%2F&list-type=2&prefix=main%2F in ${took} - HTTP error: error sending request, /usr/local/cargo/registry/src/lance-io-8.0.0/src/object_store.rs:401:22 Caused by: tcp connect error: ConnectError("tcp connect error", 127.0.0.1:${port}, Os { code: 111 }) Connection refused (os error 111)`);
    for (const [port, took] of [[40341, "210.322µs"], [34013, "403.1ms"], [40100, "1.401s"]] as const) assert.equal(storageProblem(refused(port, took)), "unreachable", `${port} ${took}`);
    assert.equal(storageProblem(new Error("Generic S3 error: Error performing GET http://127.0.0.1:40341/team/main in 2ms - Client error with status 403 Forbidden: <Code>InvalidAccessKeyId</Code>")), "denied");
    assert.equal(storageProblem(new Error("Generic S3 error: Client error with status 401: unauthorized")), "denied");
    assert.equal(storageProblem(new Error("Generic S3 error: Error performing GET http://127.0.0.1:41557/no-such-team?list-type=2&prefix=main%2Fg-x%2Fmeta.lance%2F_versions%2F in 3.05ms - Server returned non-2xx status code: 404 Not Found: <?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>no-such-team</BucketName></Error>, /usr/local/cargo/registry/src/lance-io-8.0.0/src/object_store.rs:849:92")), "no-bucket");
    assert.equal(storageProblem(new Error("Object at location main/chunks.lance/_versions not found: Client error with status 404")), "missing");
    assert.equal(storageProblem(new Error("Object at location team/main/g-1/chunks.lance/_versions/403.manifest not found: Client error with status 404: <Error><Code>NoSuchKey</Code><Key>reset-connect/401</Key><RequestId>4O3DNSX</RequestId><HostId>dns+timeout/403=</HostId></Error>")), "missing", "the names in a key and the ids in a reply say nothing");
    const retried = (inner: string): Error => new Error(`Generic S3 error: Error performing GET http://127.0.0.1:9000/team/main/g-1/meta.lance/_versions in 1.2s, after 1 retries, max_retries: 3, retry_timeout: 15s  - ${inner}`);
    assert.equal(storageProblem(retried("Server returned non-2xx status code: 404 Not Found: <Error><Code>NoSuchKey</Code></Error>")), "missing", "a retried request is told by its last answer");
    assert.equal(storageProblem(retried("HTTP error: error sending request")), "unreachable");
    assert.equal(storageProblem(retried("Server returned non-2xx status code: 503 Service Unavailable: SlowDown")), "other", "a busy store is neither unreachable nor gone");
    assert.equal(storageProblem(new Error("Table 'meta' was not found: Error performing GET http://127.0.0.1:40341/team/main/meta.lance in 401.7µs - <Code>NoSuchKey</Code>")), "missing", "a generation not made yet");
  });

  it("never shows an endpoint's user, password, path or a request's query in a store's error, and ends it with one period", () => {
    useStorage(["s3://audit-redact/main"], { aws_endpoint: "http://alice:SECRETPW@127.0.0.1:4569/SECRETPATHTOKEN", aws_access_key_id: "KEYID12345" });
    const raw = "Generic S3 error: Error performing GET http://alice:SECRETPW@127.0.0.1:4569/SECRETPATHTOKEN/team?list-type=2&X-Amz-Signature=deadbeefcafe in 2ms - Server returned non-2xx status code: 418 I'm a teapot.";
    const said = describeStorageError("s3://audit-redact/main", new Error(raw));
    for (const secret of ["alice", "SECRETPW", "SECRETPATHTOKEN", "deadbeefcafe"]) assert.ok(!said.includes(secret), `${secret} in: ${said}`);
    assert.match(said, /127\.0\.0\.1:4569/, "the endpoint's host stays: it says where");
    assert.doesNotMatch(said, /\.\.$/);
  });

  it("gives up a store that takes connections and never answers, instead of holding the search for minutes", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      useStorage(["s3://silent/main"], { ...storageOptionsFromEnv(s3.env()), aws_endpoint: `http://127.0.0.1:${port}` });
      const started = Date.now();
      const overlay = await SharedOverlay.open("s3://silent/main", "g-test", { trace() {}, debug() {}, info() {}, warn() {}, error() {} }, 1500);
      assert.ok(Date.now() - started < 10_000, `gave up after ${Date.now() - started} ms`);
      assert.equal(overlay.active, false);
      assert.match(overlay.problem ?? "", /unreachable/);
      overlay.close();
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it("takes AWS_ENDPOINT_URL_S3 before AWS_ENDPOINT_URL, and never echoes a storage option it can't parse", () => {
    assert.equal(storageOptionsFromEnv({ AWS_ENDPOINT_URL: "http://general:4566", AWS_ENDPOINT_URL_S3: "http://s3-only:9000" }).aws_endpoint, "http://s3-only:9000");
    assert.equal(storageOptionsFromEnv({ AWS_ENDPOINT_URL: "http://general:4566" }).aws_endpoint, "http://general:4566");
    const secret = ["wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYEXAMPLEKEY"].join("");
    assert.throws(() => parseStorageOptions([`aws_secret_access_key:${secret}`]), (error: Error) => /key=value/.test(error.message) && !error.message.includes(secret.slice(4, 12)));
  });

  it("CI republishes: the overlay follows the new shared index at its next update or run, and never shows shared code that is not this checkout's", async () => {
    const v1 = "export function computeInvoiceTotal(items: number[]): number {\n  return items.reduce((a, b) => a + b, 0);\n}\n";
    const v2 = "export function computeInvoiceTotal(items: number[]): number {\n  // zebraunicorn rounding policy\n  return Math.round(items.reduce((a, b) => a + b, 0) * 100) / 100;\n}\n";
    const ship = "export function shipParcelExpress(id: string): string {\n  return `parcel ${id} shipped express`;\n}\n";
    const ci = path.join(dir, "repub-ci");
    const mine = path.join(dir, "repub-dev");
    writeTree(ci, { "src/invoice.ts": v1, "src/ship.ts": ship, "src/other.ts": "export const answer = 42;\n" });
    cpSync(ci, mine, { recursive: true });
    useStorage(["s3://team/repub"], storageOptionsFromEnv(s3.env()));
    const publish = async (): Promise<void> => {
      const writing = await TestIndex.open({ root: ci, dbPath: "s3://team/repub" });
      try {
        await writing.run();
        await writing.maintenanceIdle();
      } finally {
        writing.close();
      }
    };
    await publish();
    const dev = await TestIndex.open({ root: mine, dbPath: path.join(dir, "repub-db"), shared: "s3://team/repub" });
    try {
      assert.equal((await dev.run()).totalChunks, 0, "everything leans on the shared index");
      // CI changes a file, deletes one and adds one; this developer has not pulled.
      writeFileSync(path.join(ci, "src/invoice.ts"), v2);
      rmSync(path.join(ci, "src/ship.ts"));
      writeFileSync(path.join(ci, "src/upstream.ts"), "export function kangarooLedgerSync(): void {}\n");
      await publish();
      const shown = async (): Promise<string[]> => [
        ...(await dev.search("zebraunicorn rounding policy", { limit: 3 })).filter((hit) => hit.text.includes("zebraunicorn")).map((hit) => `upstream ${hit.path}`),
        ...(await dev.search("kangaroo ledger sync", { limit: 3 })).filter((hit) => hit.path === "src/upstream.ts").map((hit) => `upstream ${hit.path}`),
      ];
      assert.deepEqual(await shown(), [], "until it moves on, the overlay reads the version it read");
      const run = await dev.run();
      assert.equal(run.filesIndexed, 2, "the file CI changed and the one it deleted are indexed here, as they are here");
      assert.deepEqual(await shown(), []);
      assert.ok((await dev.search("compute invoice total", { limit: 3 })).some((hit) => hit.path === "src/invoice.ts" && !hit.text.includes("zebraunicorn")));
      assert.equal((await dev.search("ship parcel express", { limit: 1 }))[0]?.path, "src/ship.ts", "deleted upstream, still here: found");
      const again = await dev.run();
      assert.equal(again.filesIndexed, 0, "a second run has nothing to do");
    } finally {
      dev.close();
    }
  });

  it("a one-off search after CI republished indexes here first what no longer leans on the team index; one it can't read says how much goes unsearched", async () => {
    const ci = path.join(dir, "stale-ci");
    const mine = path.join(dir, "stale-dev");
    const db = path.join(dir, "stale-db");
    writeTree(ci, { "src/invoice.ts": "export function computeInvoiceTotal(items: number[]): number {\n  return items.length;\n}\n", "src/ship.ts": "export function shipParcelExpress(id: string): string {\n  return `parcel ${id} shipped express`;\n}\n", "src/other.ts": "export const answer = 42;\n" });
    cpSync(ci, mine, { recursive: true });
    assert.equal((await groundwork(["index", ci, "--db", "s3://team/stale"], s3.env())).code, 0);
    const local = await groundwork(["index", mine, "--db", db, "--shared-index", "s3://team/stale"], s3.env());
    assert.match(local.stdout, /0 chunks in the index/, local.stdout);
    // CI changes a file and deletes one; this developer has not pulled.
    writeFileSync(path.join(ci, "src/invoice.ts"), "export function computeInvoiceTotal(items: number[]): number {\n  return items.length * 2;\n}\n");
    rmSync(path.join(ci, "src/ship.ts"));
    assert.equal((await groundwork(["index", ci, "--db", "s3://team/stale"], s3.env())).code, 0);
    const statusOf = async (shared: string): Promise<{ shared: { overlaid: number; stale: number } }> => JSON.parse((await groundwork(["status", "--workspace", mine, "--db", db, "--shared-index", shared, "--json"], s3.env())).stdout);
    assert.deepEqual([(await statusOf("s3://team/stale")).shared.stale, (await statusOf("s3://team/stale")).shared.overlaid], [2, 0]);
    const search = await groundwork(["search", "ship parcel express", "--workspace", mine, "--db", db, "--shared-index", "s3://team/stale", "-k", "1"], s3.env());
    assert.match(search.stderr, /The shared index changed since this checkout's overlay was updated: indexing the 2 files it no longer holds as they are here/);
    assert.match(search.stdout, /src\/ship\.ts/, "deleted upstream, still here: found");
    assert.deepEqual([(await statusOf("s3://team/stale")).shared.stale, (await statusOf("s3://team/stale")).shared.overlaid], [0, 2]);
    useStorage(["s3://team/stale"], storageOptionsFromEnv(s3.env()));
    const codebase = await Codebase.open({ folders: [{ name: "dev", root: mine, dbPath: db }], shared: "s3://team/stale" });
    try {
      assert.match((await new AgentTools(codebase, { caller: "test" }).call("index_status", {})).text, /shared index s3:\/\/team\/stale: 2 files, 2 overlaid here/);
    } finally {
      codebase.close();
    }
    // A team index that can't be read: what leans on it is not searched, and the search says how much.
    const missing = await groundwork(["search", "compute invoice total", "--workspace", mine, "--db", db, "--shared-index", "s3://team/none", "-k", "1"], s3.env());
    assert.match(missing.stderr, /1 files of .* lean on the shared index, which is not used: they are not searched/);
  });

  it("a store down at a port whose number holds 403 or 401 reads as unreachable, not as access denied", async () => {
    const candidates = Array.from({ length: 100 }, (_, i) => [40300 + i, 40100 + i]).flat();
    const port = await closedPort(candidates);
    const down = await groundwork(["search", "bounded queue", "--workspace", reader, "--db", "s3://team/main", "--storage-option", "client_max_retries=0"], s3.env({ AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` }));
    assert.equal(down.code, 1);
    assert.match(down.stderr, /the store is unreachable/, `port ${port}`);
  });

  it("a developer's overlay: the shared index answers for what is the same, the local one for an edited, an added and a deleted file", async () => {
    useStorage(["s3://team/main"], storageOptionsFromEnv(s3.env()));
    const mine = path.join(dir, "overlay");
    cpSync(POLYGLOT, mine, { recursive: true });
    writeTree(mine, {
      "lib/retry.py": "def retry_with_jitter(attempt):\n    \"\"\"Wait a random share of the backoff before the next attempt.\"\"\"\n    return random.uniform(0, 2 ** attempt)\n",
      "lib/quarantine.ts": "export function quarantineInvoice(id: string): string {\n  return `quarantined ${id}`;\n}\n",
    });
    rmSync(path.join(mine, "lib/inventory.rb"));
    // This developer's settings exclude a file the team's index holds.
    const index = await TestIndex.open({ root: mine, dbPath: path.join(dir, "overlay-db"), shared: "s3://team/main", scan: { excludes: ["docs/notes.txt"] } });
    try {
      const result = await index.run();
      assert.equal(result.totalChunks, 2, "only the edited and the added file are indexed here");
      const status = await index.status();
      assert.equal(status.shared?.problem, undefined);
      assert.ok(status.shared!.files >= 10);
      assert.equal(status.shared!.overlaid, 4, "edited, added, deleted, excluded here");
      // Reading code follows the index that speaks for the file: excluded here, it is not read, though the shared index holds it.
      await assert.rejects(index.codebase.readCode("docs/notes.txt"), /not an indexed file/);
      assert.match((await index.codebase.readCode("lib/Queue.java", 1, 3)).text, /\S/, "a file the shared index answers for is read");
      assert.equal((await index.search("bounded queue offer item", { limit: 1 }))[0]?.path, "lib/Queue.java", "the shared index answers");
      assert.equal((await index.search("quarantine invoice", { limit: 1 }))[0]?.path, "lib/quarantine.ts", "the added file");
      const retry = await index.search("retry jitter random backoff attempt", { limit: 5 });
      assert.equal(retry[0]?.path, "lib/retry.py");
      assert.ok(retry.filter((hit) => hit.path === "lib/retry.py").every((hit) => hit.text.includes("jitter")), "the local version, not the shared one");
      assert.ok(!(await index.search("inventory stock items", { limit: 10 })).some((hit) => hit.path === "lib/inventory.rb"), "deleted here: hidden");

      // The store stops while Groundwork runs: searches answer from what is local and say so; the next run indexes everything here.
      await s3.stop();
      try {
        const hits = await index.search("quarantine invoice", { limit: 3 });
        assert.equal(hits[0]?.path, "lib/quarantine.ts");
        assert.match(hits[0].fallback ?? "", /the shared index at s3:\/\/team\/main could not be read: local results only/);
        // Definitions, mentions and `@` completion answer from the local index too.
        assert.equal((await index.search("quarantine invoice", { limit: 3, expand: true }))[0]?.path, "lib/quarantine.ts");
        assert.equal((await index.codebase.definitions("quarantineInvoice"))[0]?.path, "lib/quarantine.ts");
        assert.ok((await index.codebase.suggestMentions("quarantine", "file")).some((item) => item.value === "lib/quarantine.ts"));
        assert.equal((await index.codebase.mention("@lib/quarantine.ts"))[0]?.path, "lib/quarantine.ts");
        // A reload (the extension's, after its indexing process wrote) can't ask the store for its version: the team index is kept for when it answers again.
        await index.codebase.refresh();
        assert.equal((await index.status()).shared?.problem, undefined, "a reload's failed look at the store does not drop the team index");
        const full = await index.run();
        assert.ok(full.totalChunks > 10, `the whole folder indexed here (${full.totalChunks} chunks)`);
        assert.match((await index.status()).shared?.problem ?? "", /unreachable/);
        assert.equal((await index.search("bounded queue offer item", { limit: 1 }))[0]?.path, "lib/Queue.java");
      } finally {
        await s3.start();
      }
    } finally {
      index.close();
    }
    // Back online, the next session leans on the shared index again: what this one indexed while it was down goes.
    const next = await TestIndex.open({ root: mine, dbPath: path.join(dir, "overlay-db"), shared: "s3://team/main", scan: { excludes: ["docs/notes.txt"] } });
    try {
      assert.equal((await next.run()).totalChunks, 2, "only the edited and the added file are held here again");
    } finally {
      next.close();
    }
  });
  it("a Windows checkout (CRLF line endings) leans on the team index CI built from LF files", async () => {
    const root = path.join(dir, "crlf");
    cpSync(POLYGLOT, root, { recursive: true });
    let converted = 0;
    for (const file of readdirSync(root, { recursive: true, encoding: "utf8" })) {
      const absPath = path.join(root, file);
      if (!statSync(absPath).isFile()) continue;
      const text = readFileSync(absPath, "utf8");
      if (!text.includes("\n") || text.includes("\r")) continue;
      writeFileSync(absPath, text.replace(/\n/g, "\r\n"));
      converted++;
    }
    assert.ok(converted >= 10);
    useStorage(["s3://team/main"], storageOptionsFromEnv(s3.env()));
    const index = await TestIndex.open({ root, dbPath: path.join(dir, "crlf-db"), shared: "s3://team/main" });
    try {
      const result = await index.run();
      assert.equal(result.totalChunks, 0, "nothing indexed here: the shared index holds the same content");
      assert.equal((await index.status()).shared?.overlaid, 0);
      const [hit] = await index.search("bounded queue offer item", { limit: 1 });
      assert.equal(hit?.path, "lib/Queue.java");
      const lines = readFileSync(path.join(root, "lib/Queue.java"), "utf8").split("\r\n").slice(hit.startLine - 1, hit.endLine).join("\n");
      assert.equal(hit.text, lines, "the shared chunk's lines are this checkout's");
      // Touched without a change but its line endings: still nothing to index here.
      writeFileSync(path.join(root, "lib/Queue.java"), readFileSync(path.join(root, "lib/Queue.java"), "utf8").replace(/\r\n/g, "\n"));
      assert.equal((await index.update(["lib/Queue.java"])).filesIndexed, 0);
    } finally {
      index.close();
    }
  });

  /** A folder the same as CI's, indexed here in full before the team index was turned on. */
  const indexedHere = async (name: string): Promise<{ root: string; dbPath: string }> => {
    const root = path.join(dir, name);
    const dbPath = path.join(dir, `${name}-db`);
    cpSync(POLYGLOT, root, { recursive: true });
    const alone = await TestIndex.open({ root, dbPath });
    try {
      assert.ok((await alone.run()).totalChunks > 10);
    } finally {
      alone.close();
    }
    return { root, dbPath };
  };
  /** What a search for the queue shows: whether it comes first, and whether any of its chunks comes twice (from both indexes). */
  const queueShown = (hits: SearchHit[]): string => {
    const queue = hits.filter((hit) => hit.path === "lib/Queue.java").map((hit) => hit.startLine);
    return hits[0]?.path !== "lib/Queue.java" ? `top hit ${hits[0]?.path}` : new Set(queue).size !== queue.length ? `twice: lines ${queue.join(", ")}` : "once";
  };

  it("turning the team index on: while the run hands files to it, searches see each file once (in this process)", async () => {
    const { root, dbPath } = await indexedHere("handover-here");
    useStorage(["s3://team/main"], storageOptionsFromEnv(s3.env()));
    // One file a batch: each batch's change of ownership comes before its write, which waits for the search made then.
    const index = await TestIndex.open({ root, dbPath, shared: "s3://team/main", batchChunks: 1 });
    try {
      const seen: string[] = [];
      let handedOver = false;
      await index.codebase.index({
        onOwnership: async ({ change }) => {
          const before = handedOver;
          handedOver ||= change.leaning.some((file) => file.path === "lib/Queue.java");
          seen.push(`${before ? "after" : "before"} its write: ${queueShown(await index.search("bounded queue offer item", { limit: 10 }))}`);
        },
      });
      assert.ok(handedOver, "the queue now leans on the shared index");
      assert.ok(seen.filter((line) => line.startsWith("after")).length >= 2, seen.join("\n"));
      assert.deepEqual(seen.filter((line) => !line.endsWith(": once")), [], "every search while the run wrote");
      assert.equal(queueShown(await index.search("bounded queue offer item", { limit: 10 })), "once");
    } finally {
      index.close();
    }
  });

  /** The extension's indexing process over a codebase the extension host (`host`) searches meanwhile. */
  const childRun = (job: IndexJob, onOwnership: (event: OwnershipEvent) => Promise<void>) => indexInChild(job, {
    entry: path.join(REPO_ROOT, "src", "core", "codebase", "indexerMain.ts"), execArgv: ["--import", "tsx"],
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} }, onOwnership,
  });

  it("turning the team index on: the indexing process tells the extension host which files it hands over, and writes once the host knows", async () => {
    const { root, dbPath } = await indexedHere("handover-child");
    // One file a batch: each hand-over is told, and its write waits for the host.
    const job: IndexJob = { folders: [{ name: "ws", root, dbPath }], batchChunks: 1, shared: { uri: "s3://team/main", storage: storageOptionsFromEnv(s3.env()) } };
    const host = await Codebase.open(jobOptions(job));
    try {
      const chunks = async (): Promise<number> => (await host.status())[0].chunks;
      const indexed = await chunks();
      const seen: string[] = [];
      let handled = 0;
      const run = childRun(job, async (event) => {
        const before = await chunks();
        await host.applyOwnership(event);
        await new Promise((resolve) => setTimeout(resolve, 200));
        if (event.change.leaning.length > 0) {
          const held = handled > 0 || before === indexed ? (await chunks()) === before : false;
          seen.push(`${held ? "held" : "written before the host knew"}, queue ${queueShown(await host.search("bounded queue offer item", { limit: 10 }))}`);
        }
        handled++;
      });
      const [result] = await run.results;
      assert.equal(result.totalChunks, 0, "everything leans on the shared index");
      assert.ok(seen.length >= 5, seen.join("\n"));
      assert.deepEqual(seen.filter((line) => line !== "held, queue once"), [], "at every hand-over");
      // Before the host reads the index again (it does once the process has ended).
      assert.equal(queueShown(await host.search("bounded queue offer item", { limit: 10 })), "once");
      // A change of another generation (a rebuild the host does not read yet) is not this one's.
      await host.applyOwnership({ folder: "ws", change: { store: path.join(dbPath, "g-elsewhere"), leaning: [], local: ["lib/Queue.java"] } });
      assert.equal(queueShown(await host.search("queue that refuses an item when full", { limit: 10 })), "once");
      await run.exited;
    } finally {
      host.close();
    }
  });

  it("the extension host reads the team index again when the indexing process leans on what CI republished since the host read it", async () => {
    const ci = path.join(dir, "handover-ci");
    cpSync(POLYGLOT, ci, { recursive: true });
    const storage = storageOptionsFromEnv(s3.env());
    useStorage(["s3://team/handover"], storage);
    const publish = async (): Promise<void> => {
      const writing = await TestIndex.open({ root: ci, dbPath: "s3://team/handover" });
      try {
        await writing.run();
      } finally {
        writing.close();
      }
    };
    await publish();
    const { root, dbPath } = await indexedHere("handover-pulled");
    const job: IndexJob = { folders: [{ name: "ws", root, dbPath }], shared: { uri: "s3://team/handover", storage } };
    const host = await Codebase.open(jobOptions(job));
    try {
      // CI adds a file and republishes; this developer pulls it; the indexing process finds it in the republished index.
      const ledger = "def reconcile_ledger_entries(entries):\n    \"\"\"Match each ledger entry with its bank statement line.\"\"\"\n    return [e for e in entries if e.matched]\n";
      writeTree(ci, { "lib/reconcile.py": ledger });
      writeTree(root, { "lib/reconcile.py": ledger });
      await publish();
      const run = childRun(job, (event) => host.applyOwnership(event));
      const [result] = await run.results;
      assert.equal(result.totalChunks, 0);
      assert.equal((await host.search("reconcile ledger entries bank statement", { limit: 3 }))[0]?.path, "lib/reconcile.py", "before the host reads the index again");
      await run.exited;
    } finally {
      host.close();
    }
  });
});
