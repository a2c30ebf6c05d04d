// Fake secrets in the shapes they take in real code, for the redaction tests. Built from parts
// so that no secret scanner flags this file.
const j = (...parts: string[]): string => parts.join("");
export const FAKE_SECRETS: Array<{ shape: string; line: string; secret: string }> = [
  { shape: "AWS access key id", line: `aws_id = "${j("AKIA", "IOSFODNN7EXAMPLX")}"`, secret: j("AKIA", "IOSFODNN7EXAMPLX") },
  { shape: "AWS secret key", line: `AWS_SECRET_ACCESS_KEY = "${j("wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYEXAMPLEKEY")}"`, secret: j("wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYEXAMPLEKEY") },
  { shape: "GitHub token", line: `const gh = '${j("ghp_", "1234567890abcdefghijABCDEFGHIJ123456")}';`, secret: j("ghp_", "1234567890abcdefghijABCDEFGHIJ123456") },
  { shape: "GitHub fine-grained token", line: `GH=${j("github_pat_", "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS")}`, secret: j("github_pat_", "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS") },
  { shape: "GitLab token", line: `gitlab: ${j("glpat-", "xxYYzz1234567890abcd")}`, secret: j("glpat-", "xxYYzz1234567890abcd") },
  { shape: "OpenAI key", line: `client = OpenAI(api_key="${j("sk-proj-", "AbCdEf1234567890GhIjKlMnOpQrStUv")}")`, secret: j("sk-proj-", "AbCdEf1234567890GhIjKlMnOpQrStUv") },
  { shape: "Anthropic key", line: `key := "${j("sk-ant-", "api03-abcdefghijklmnopqrstuvwxyz012345")}"`, secret: j("sk-ant-", "api03-abcdefghijklmnopqrstuvwxyz012345") },
  { shape: "Stripe key", line: `Stripe.apiKey = "${j("sk_live_", "51Habcdefghijklmnop1234")}";`, secret: j("sk_live_", "51Habcdefghijklmnop1234") },
  { shape: "Slack bot token", line: `SLACK = "${j("xoxb-", "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx")}"`, secret: j("xoxb-", "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx") },
  { shape: "Slack webhook", line: `hook = "${j("https://hooks.slack.com/services/", "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX")}"`, secret: j("T00000000/B00000000/", "XXXXXXXXXXXXXXXXXXXXXXXX") },
  { shape: "Google API key", line: `const maps = "${j("AIza", "SyA1234567890abcdefghijklmnopqrstuv")}";`, secret: j("AIza", "SyA1234567890abcdefghijklmnopqrstuv") },
  { shape: "npm token", line: `//registry.npmjs.org/:_authToken=${j("npm_", "abcdefghijklmnopqrstuvwxyz0123456789")}`, secret: j("npm_", "abcdefghijklmnopqrstuvwxyz0123456789") },
  { shape: "PyPI token", line: `password = ${j("pypi-", "AgEIcHlwaS5vcmcCJGFiY2RlZmdoLWlqa2wtbW5vcC1xcnN0LXV2d3h5ejAxMjM0NQ")}`, secret: j("pypi-", "AgEIcHlwaS5vcmcCJGFiY2RlZmdoLWlqa2wtbW5vcC1xcnN0LXV2d3h5ejAxMjM0NQ") },
  { shape: "SendGrid key", line: `SENDGRID = '${j("SG.", "abcdefghijklmnopqrstuv.ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg")}'`, secret: j("SG.", "abcdefghijklmnopqrstuv.ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg") },
  { shape: "Twilio key", line: `twilio_sid = "${j("SK", "0123456789abcdef0123456789abcdef")}"`, secret: j("SK", "0123456789abcdef0123456789abcdef") },
  { shape: "Hugging Face token", line: `HF = "${j("hf_", "AbCdEfGhIjKlMnOpQrStUvWxYz01234567")}"`, secret: j("hf_", "AbCdEfGhIjKlMnOpQrStUvWxYz01234567") },
  { shape: "JWT", line: `const t = "${j("eyJhbGciOiJIUzI1NiJ9", ".eyJzdWIiOiIxMjM0NTY3ODkwIn0", ".dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U")}";`, secret: j(".eyJzdWIiOiIxMjM0NTY3ODkwIn0", ".dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U") },
  { shape: "Azure storage connection string", line: `conn = "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${j("Zm9vYmFyYmF6cXV4", "MTIzNDU2Nzg5MA==abcdEFGH")};EndpointSuffix=core.windows.net"`, secret: j("Zm9vYmFyYmF6cXV4", "MTIzNDU2Nzg5MA==abcdEFGH") },
  { shape: "database URL with password", line: `DATABASE_URL = "postgres://admin:${j("Tr0ub4dor", "-and-3")}@db.internal:5432/app"`, secret: j("Tr0ub4dor", "-and-3") },
  { shape: "Authorization header", line: `headers = {"Authorization": "Bearer ${j("abc123def456", "ghi789jkl012mno")}"}`, secret: j("abc123def456", "ghi789jkl012mno") },
  { shape: "password assignment (Python)", line: `    password = "${j("hunter2", "hunter2")}"`, secret: j("hunter2", "hunter2") },
  { shape: "password in a dict", line: `config = {"db_password": "${j("s3cr3t", "-Passw0rd")}"}`, secret: j("s3cr3t", "-Passw0rd") },
  { shape: "secret in JS object", line: `  clientSecret: '${j("9f8e7d6c", "5b4a3928")}',`, secret: j("9f8e7d6c", "5b4a3928") },
  { shape: "token in Go", line: `	apiToken := "${j("tok", "_live_77aa88bb99cc")}"`, secret: j("tok", "_live_77aa88bb99cc") },
  { shape: "password in YAML", line: `  password: ${j("yaml", "Secret99")}`, secret: j("yaml", "Secret99") },
  { shape: "secret in .properties", line: `app.secret=${j("propS3cret", "Value")}`, secret: j("propS3cret", "Value") },
  { shape: "export in shell", line: `export API_KEY=${j("shell", "Key0123456789")}`, secret: j("shell", "Key0123456789") },
  { shape: "private key in Java string", line: `String privateKey = "${j("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "BKcwggSjAgEAAoIBAQC7")}";`, secret: j("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "BKcwggSjAgEAAoIBAQC7") },
  { shape: "Ruby credentials", line: `  config.api_key = '${j("rb", "_4f3e2d1c0b9a")}'`, secret: j("rb", "_4f3e2d1c0b9a") },
  { shape: "C# connection password", line: `var cs = "Server=db;User Id=sa;Password=${j("C#", "pass!word12")};";`, secret: j("C#", "pass!word12") },
];

export const PEM = [
  j("-----BEGIN RSA ", "PRIVATE KEY-----"),
  "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
  "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK",
  j("-----END RSA ", "PRIVATE KEY-----"),
].join("\n");

