import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { cpSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { CLI, POLYGLOT, removeTree, tempDir } from "../helpers/workspace";
import { TestS3Server } from "../support/s3Server";

const run = promisify(execFile);

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

  it("wrong credentials: a clear error that quotes none of them", async () => {
    const secret = "not-the-secret-9f8e7d";
    const result = await groundwork(["search", "bounded queue", "--workspace", reader, "--db", "s3://team/main"], s3.env({ AWS_ACCESS_KEY_ID: "WRONGKEYID42", AWS_SECRET_ACCESS_KEY: secret }));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /can't be read: access denied: check the credentials/);
    for (const value of [secret, "WRONGKEYID42"]) assert.ok(!(result.stdout + result.stderr).includes(value), `${value} printed`);
  });

  it("the store stopped: a clear error, no crash; back up, it answers again", async () => {
    await s3.stop();
    try {
      const down = await groundwork(["search", "bounded queue", "--workspace", reader, "--db", "s3://team/main"], s3.env());
      assert.equal(down.code, 1);
      assert.match(down.stderr, /unreachable/);
      assert.doesNotMatch(down.stderr, /at .*\.js:\d+/, "no stack trace");
    } finally {
      await s3.start();
    }
    const up = await groundwork(["search", "bounded queue offer item", "--workspace", reader, "--db", "s3://team/main", "-k", "1"], s3.env());
    assert.match(up.stdout, /lib\/Queue\.java/);
  });
});
