import assert from "node:assert/strict";
import { NO_STDLIB, STDLIB } from "../helpers/workspace";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { redactSecrets } from "../../src/core/security/redact";
import { FAKE_SECRETS, PEM } from "../support/fakeSecrets";

describe("secret redaction", () => {
  it(`removes every fake secret of ${FAKE_SECRETS.length + 1} shapes`, () => {
    const missed: string[] = [];
    for (const fake of FAKE_SECRETS) {
      const { text, count } = redactSecrets(fake.line);
      if (text.includes(fake.secret) || count === 0) missed.push(`${fake.shape}: ${text}`);
    }
    assert.deepEqual(missed, []);
    const pem = redactSecrets(`key = """\n${PEM}\n"""\nprint(key)`);
    assert.ok(!pem.text.includes("MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun"));
    assert.equal(pem.text.split("\n").length, `key = """\n${PEM}\n"""\nprint(key)`.split("\n").length, "line numbers kept");
  });

  it("removes secrets in the shapes a review found passing: a fallback literal, env-style literals, a header by name, a Basic credential, rb strings", () => {
    const cases: Array<[string, string]> = [
      ['const secret = process.env.X || "fallback-secret-123"', "fallback-secret-123"],
      ["DB_PASSWORD=mySecretPass", "mySecretPass"],
      ["export SECRET_KEY=correct_horse_battery", "correct_horse_battery"],
      ['req.setHeader("x-auth-token", "9f86d081884c7d659a2feaa0c55ad015")', "9f86d081884c7d659a2feaa0c55ad015"],
      ['const auth = "Basic dXNlcjpwYXNzd29yZA=="', "dXNlcjpwYXNzd29yZA=="],
      ['password = rb"hunter2hunter2"', "hunter2hunter2"],
    ];
    for (const [line, secret] of cases) assert.ok(!redactSecrets(line).text.includes(secret), line);
    // Still code, not secrets: calls, members, other constants, empty fallbacks, variables.
    for (const line of ["DB_PASSWORD = get_password()", "API_TOKEN = settings.api_token", "SECRET_KEY = DEFAULT_SECRET", 'token = os.getenv("T") or ""', 'headers.set("x-api-key", apiKeyFromVault)',
      'describe("Basic functionality")', 'const title = "Basic Settings"', 'config.set("tokenizer","cl100k_base")', "app.set('author','John Smith')",
      'const token = process.env.TOKEN, mode = opts.mode || "production";', "API_KEY = api_key_from_env", "TOKEN_KIND = access_token"]) {
      assert.equal(redactSecrets(line).text, line);
    }
  });

  it("keeps ordinary code and placeholders as they are", () => {
    const code = [
      "def login(user, password):",
      "    token = request.headers.get('X-Token')",
      "    password = os.environ['DB_PASSWORD']",
      "    api_key = get_api_key()",
      '    secret = "${SECRET}"',
      "    password: Optional[str] = None",
      "const tokenizer = new Tokenizer();",
      'const passwordField = document.querySelector("#password");',
      "    return check_password(user, password)",
      "interface CachedToken {",
      "  token: string;",
      "  apiKey: string | undefined;",
      "}",
      // Names that hold a credential word and no credential: flags, modes, classes, a credential's properties.
      "axios.CancelToken = CancelToken;",
      "    withCredentials: defaultToConfig2,",
      "    cancelToken: defaultToConfig2,",
      "    withCredentials = 'same-origin',",
      'const isCredentialsSupported = "credentials" in Request.prototype;',
      "token_type = 'bearer'",
      "PASSWORD_MIN_LENGTH: 12345678",
    ].join("\n");
    assert.equal(redactSecrets(code).text, code);
    // Those words beside a real credential's name still are one.
    for (const line of ['issuerToken = "c2VjcmV0LXZhbHVlLTEyMw"', 'refresh_token: "9f8e7d6c5b4a39281706"', "CANCEL_SECRET=s3cr3tValue99",
      // A flag's or a property's name, a credential's value.
      'is_admin_password = "hunter2!x"', 'has_password = "hunter2!x"', 'api_key_name = "k9Xq2Lm8Vt7Rp3Zs"', "AUTH_TOKEN_HEADER=q8Zr2mV7pL0xN4bT",
      'useSecret = "q8Zr2mV7pL0xN4bT"', "ADMIN_PASSWORD_PROMPT=hunter2!x", 'requireAuthToken: "q8Zr2mV7pL0xN4bT"']) {
      assert.equal(redactSecrets(line).count, 1, line);
    }
  });

  it("leaves almost all of Python's standard library untouched (false positives)", { skip: NO_STDLIB }, () => {
    const root = STDLIB!;
    let files = 0;
    let redacted = 0;
    for (const name of readdirSync(root).filter((n) => n.endsWith(".py"))) {
      files++;
      if (redactSecrets(readFileSync(path.join(root, name), "utf8")).count > 0) redacted++;
    }
    assert.ok(files > 150);
    assert.ok(redacted / files < 0.05, `${redacted} of ${files} stdlib modules had something redacted`);
  });
});
