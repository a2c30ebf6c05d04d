// Secrets in code never reach a model: every request's text goes through `redactSecrets` first.
// Private keys, the common providers' token formats, credentials in URLs and headers, and values
// assigned to credential-named variables are replaced by a marker of the same line count, so the
// line numbers that citations use stay right.

export interface Redaction {
  text: string;
  /** How many secrets were replaced. */
  count: number;
}

const MARK = "[REDACTED]";

interface Rule {
  name: string;
  pattern: RegExp;
  /** Builds the replacement from the match; default: the marker (newlines kept). */
  replace?: (match: string, ...groups: string[]) => string;
}

/** Keeps a multi-line secret's line count, so citations' line numbers still hold. */
function sameLines(match: string, label = MARK): string {
  return label + "\n".repeat((match.match(/\n/g) ?? []).length);
}

const CREDENTIAL_NAME = String.raw`(?:[A-Za-z_$][\w$.-]*?)?(?:password|passwd|pwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|auth[_-]?key|credentials?|signing[_-]?key|encryption[_-]?key)[\w$]*`;

const RULES: Rule[] = [
  { name: "private key", pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/g, replace: (m) => sameLines(m, "[REDACTED private key]") },
  { name: "aws access key id", pattern: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g },
  { name: "github token", pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b/g },
  { name: "gitlab token", pattern: /\bglpat-[A-Za-z0-9_-]{20,}\b/g },
  { name: "openai / anthropic key", pattern: /\bsk-(?:ant-|proj-|svcacct-)?[A-Za-z0-9_-]{20,}\b/g },
  { name: "stripe key", pattern: /\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,}\b/g },
  { name: "slack token", pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g },
  { name: "slack webhook", pattern: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]+/g },
  { name: "google api key", pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { name: "npm token", pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { name: "pypi token", pattern: /\bpypi-[A-Za-z0-9_-]{50,}\b/g },
  { name: "sendgrid key", pattern: /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}\b/g },
  { name: "twilio key", pattern: /\bSK[0-9a-f]{32}\b/g },
  { name: "hugging face token", pattern: /\bhf_[A-Za-z0-9]{30,}\b/g },
  { name: "jwt", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  { name: "azure connection key", pattern: /((?:AccountKey|SharedAccessKey|SharedAccessSignature)=)[^;"'\s]{16,}/gi, replace: (_m, key) => key + MARK },
  { name: "connection string password", pattern: /((?:^|[;"'\s])(?:Password|Pwd)=)([^;"'\s]{3,})/gi, replace: (_m, head) => head + MARK },
  { name: "url credentials", pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@"'`]+:)([^\s@/"'`]{3,})(@)/gi, replace: (_m, head, _pass, at) => head + MARK + at },
  // A Basic credential as a literal anywhere (`const auth = "Basic dXNlcjpwYXNz"`).
  // (Base64 of `user:password`: 12 characters or more, with a digit, `+`, `/` or padding; not `"Basic Settings"`.)
  { name: "basic credential", pattern: /(["'\x60]Basic\s+)([A-Za-z0-9+/]{12,}={0,2})(?=["'\x60])/g, replace: (m, head, value) => (/[0-9+/=]/.test(value) ? head + MARK : m) },
  // A header set by its name: `setHeader("x-auth-token", "…")`, `headers.set('X-Api-Key', '…')`.
  {
    name: "credential header value",
    // A header's name: `x-…token/key/secret/auth…` or `…-token`, `…-api-key`, `…-secret` (not `author`, not a Map's key).
    pattern: /(\b(?:setHeader|set|append|header|add_header|putheader|setRequestHeader)\s*\(\s*["'](?:x-[\w-]{0,40}?(?:token|api-?key|secret|auth)[\w-]{0,40}|[\w]{1,40}(?:-[\w]{1,40}){0,4}-(?:token|api-?key|secret))["']\s*,\s*)(["'])([^"'\n]{8,})\2/gi,
    replace: (_m, head, quote, value) => (isPlaceholder(value) ? `${head}${quote}${value}${quote}` : `${head}${quote}${MARK}${quote}`),
  },
  { name: "authorization header", pattern: /\b((?:Authorization|Proxy-Authorization)["']?\s*[:=,]\s*["']?(?:Bearer|Basic|Token)\s+)[A-Za-z0-9._~+/=-]{8,}/gi, replace: (_m, head) => head + MARK },
  // A quoted value assigned to a credential-named variable, key or argument: `password = "..."`,
  // `"apiKey": "..."`, `secret: '...'`, `token=...`, `AWS_SECRET_ACCESS_KEY="..."`.
  {
    name: "credential assignment",
    pattern: new RegExp(String.raw`((?:^|[^\w$])["']?${CREDENTIAL_NAME}["']?\s*(?::=|=>|[:=])\s*[bruf]{0,2})(["'\x60])((?:(?!\2)[^\\\n]|\\.){4,})\2`, "gi"),
    replace: (_m, head, quote, value) => (isPlaceholder(value) || notACredential(head, value, false) ? `${head}${quote}${value}${quote}` : `${head}${quote}${MARK}${quote}`),
  },
  // A literal fallback after a lookup: `secret = process.env.X || "fallback-secret"`, `token = os.getenv("T") or "…"`.
  {
    name: "credential fallback",
    pattern: new RegExp(String.raw`((?:^|[^\w$])${CREDENTIAL_NAME}\s*[:=]\s*(?:process\.env|import\.meta\.env|os\.environ|os\.getenv|getenv|System\.getenv|ENV\[)[^\n,;]{0,120}?(?:\|\||\?\?|\bor\b)\s*)(["'\x60])((?:(?!\2)[^\\\n]|\\.){4,})\2`, "gi"),
    replace: (_m, head, quote, value) => (isPlaceholder(value) || notACredential(head, value, false) ? `${head}${quote}${value}${quote}` : `${head}${quote}${MARK}${quote}`),
  },
  // Unquoted values in .env / shell / properties / YAML styles: `DB_PASSWORD=hunter2`, `api_key: abc...`.
  {
    name: "credential assignment (unquoted)",
    pattern: new RegExp(String.raw`(^[ \t]*(?:export[ \t]+)?${CREDENTIAL_NAME}[ \t]*[:=][ \t]*)([^\s"'\x60#;,)\[\]]{6,})(?=[ \t]*(?:$|#|;|,|//))`, "gim"),
    // Code assigns expressions (`get_token()`, `request.auth`, `apiKey`); configs assign literals.
    // An environment-style name (DB_PASSWORD, export SECRET_KEY) is given literals: only a call, a member or another constant is not one.
    replace: (_m, head, value) => (isPlaceholder(value) || notACredential(head, value, true) || (isExpression(value, envStyle(head)) && !looksRandom(value)) ? head + value : head + MARK),
    // (envStyle: `NAME=value` with nothing around `=`, as .env files and shells write it; `NAME = name` in code is a variable.)
  },
];

/**
 * Whether an assignment names a credential word without holding a credential: a flag or mode
 * (`withCredentials = 'same-origin'`, `isCredentialsSupported`), a class or handle
 * (`axios.CancelToken = CancelToken`, `cancelToken: defaultToConfig2`), or a property of one
 * (`tokenType: 'bearer'`, `PASSWORD_MIN_LENGTH: 12`), and a value that reads as such: a word
 * (`same-origin`, `bearer`), in code an identifier (`CancelToken`), or a count for a quantity.
 * `is_admin_password = "hunter2!x"` or `API_KEY_NAME=k9Xq2Lm8Vt7Rp3Zs` are still credentials.
 */
function notACredential(head: string, value: string, code: boolean): boolean {
  const name = /[A-Za-z_$][\w$.-]*/.exec(head.replace(/^[^A-Za-z_$]*(?:export[ \t]+)?/, ""))?.[0].split(".").pop() ?? "";
  const flag = /^(?:with|is|has|use|uses|should|can|allow|allows|require|requires|enable|include|cancel|Cancel|Cancellation)[A-Z]/.test(name) || /^(?:with|is|has|use|should|can|allow|require|enable|include)_/.test(name);
  const property = /(?:password|passwd|secret|token|key|credentials?)[\w$]*?_?(?:supported|enabled|required|mode|type|types|length|count|field|fields|header|prompt|label|pattern|regex|policy|provider|manager|store|service|class|expiry|expires|expiration|ttl|url|uri|endpoint|path|file|name|names|size|min|max|timeout)$/i.test(name);
  if (!flag && !property) return false;
  const word = /^[A-Za-z][A-Za-z._-]*$/.test(value) && !looksRandom(value);
  // Words run together as code names them (`CancelToken`, `defaultToConfig2`, `default_config`), not a random run of letters and digits.
  const identifier = code && /^(?:[A-Za-z][a-z]+(?:[A-Z][a-z]+)+|[a-z]+(?:_[a-z]+)+)\d{0,2}$/.test(value);
  const count = property && /^\d{1,9}$/.test(value) && /(?:length|count|size|min|max|ttl|timeout|expiry|expires|expiration)$/i.test(name);
  return word || identifier || count;
}

/** Values that are not secrets: empty-ish, environment lookups, obvious placeholders. */
function isPlaceholder(value: string): boolean {
  return /^(?:\*+|x+|\.{3}|<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|%\([^)]*\)s|changeme|change-me|your[-_ ].*|example.*|placeholder|dummy|none|null|undefined|true|false|redacted|\[REDACTED\])$/i.test(value) ||
    /^(?:process\.env|os\.environ|os\.getenv|getenv|env\()/.test(value);
}

/** `DB_PASSWORD=`, `export SECRET_KEY=`: a name in capitals, as environment files and shells write them. */
function envStyle(head: string): boolean {
  const name = /^[ \t]*(?:export[ \t]+)?([\w$.-]+)/.exec(head)?.[1] ?? "";
  return /^[A-Z][A-Z0-9_]*$/.test(name) && /[\w$]=$/.test(head);
}

function isExpression(value: string, envName = false): boolean {
  if (/\d/.test(value) && !/[.(]/.test(value)) return false;
  if (envName) return /[.(]/.test(value) || /^[A-Z][A-Z0-9_]*$/.test(value) || /^(?:None|null|nil)$/.test(value);
  return /[.(]/.test(value) || /^[A-Za-z$][\w$]*_[\w$]*$/.test(value) || /^[a-z$][\w$]*[a-z][A-Z][\w$]*$/.test(value) || /^(?:None|null|nil|self|this)$/.test(value) ||
    // A type annotation (`token: string;`, `api_key: str`), not a value.
    /^(?:string|number|boolean|bigint|symbol|unknown|object|never|str|bytes|int|String|Optional|Option)(?:<[^>]*>|\[[^\]]*\])?\??$/.test(value);
}

/** Shannon entropy per character, for values that look generated rather than written. */
function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / value.length) * Math.log2(n / value.length);
  return bits;
}

function looksRandom(value: string): boolean {
  return value.length >= 16 && entropy(value) >= 3.5 && /\d/.test(value) && /[A-Za-z]/.test(value);
}

export function redactSecrets(text: string): Redaction {
  let count = 0;
  let out = text;
  for (const rule of RULES) {
    out = out.replace(rule.pattern, (match: string, ...rest: unknown[]) => {
      const groups = rest.slice(0, -2).map((g) => (typeof g === "string" ? g : ""));
      const replaced = rule.replace ? rule.replace(match, ...groups) : sameLines(match);
      if (replaced !== match) count++;
      return replaced;
    });
  }
  return { text: out, count };
}
