// The audit log: one JSON line per model request (time, profile, model, the chunks sent as
// path/range/content hash, token counts, latency, outcome) and per agent tool call (the tool, who
// called it, the ranges it returned as path/range/content hash). Never the API key, never code
// text: the record types have no field that could hold either.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { errorMessage, type Logger, silentLogger } from "../util/host";
import { sha256Hex } from "../util/hash";

export interface AuditChunk {
  path: string;
  startLine: number;
  endLine: number;
  /** sha256 of the text sent, first 16 hex digits: proves what was sent without storing it. */
  contentHash: string;
}

export interface AuditEditorText {
  /** The file it came from, when known. */
  path?: string;
  chars: number;
  /** sha256 of the text sent, first 16 hex digits. */
  contentHash: string;
}

export interface AuditRecord {
  time: string;
  requestId: string;
  /** What made the request: Groundwork's chat, completions or compare, or VS Code's chat through Groundwork's model provider. */
  kind: "chat" | "completion" | "compare" | "vscode-chat";
  profile: string;
  model: string;
  profileKind: "base" | "lora";
  /** The server's origin (scheme, host, port): where the code went. */
  server: string;
  chunks: AuditChunk[];
  /** Text from the editor sent beside the chunks (a completion's prefix and suffix, a selection, a test file). */
  editor?: AuditEditorText;
  conventions: string[];
  promptTokens: number;
  completionTokens: number;
  /** True when the server reported no usage and the counts are the tokenizer's. */
  tokensEstimated: boolean;
  latencyMs: number;
  outcome: "ok" | "cancelled" | string;
  /** Secrets replaced before sending. */
  redactions?: number;
  toolRound?: number;
}

/** One call of an agent tool (MCP, VS Code language-model tools, the chat participant). */
export interface ToolAuditRecord {
  time: string;
  requestId: string;
  kind: "tool";
  /** Who called: "mcp", "vscode-tool", "participant". */
  caller: string;
  tool: string;
  /** The code ranges the answer held. */
  chunks: AuditChunk[];
  latencyMs: number;
  outcome: "ok" | string;
  redactions?: number;
}

export type AuditEntry = AuditRecord | ToolAuditRecord;

let auditCounter = 0;

/** A request id for the audit log, unique within the process: the time, a tag for the kind of caller, a counter. */
export function auditId(tag = ""): string {
  return `${Date.now().toString(36)}-${tag}${(auditCounter++).toString(36)}`;
}

export function auditChunk(item: { path: string; startLine: number; endLine: number; text: string }): AuditChunk {
  return { path: item.path, startLine: item.startLine, endLine: item.endLine, contentHash: sha256Hex(item.text).slice(0, 16) };
}

/** The editor's text sent with a request, as the audit log keeps it: its length and hash, never the text. */
export function auditEditorText(text: string | undefined, path?: string): AuditEditorText | undefined {
  return text ? { path, chars: text.length, contentHash: sha256Hex(text).slice(0, 16) } : undefined;
}

export function serverOrigin(baseURL: string): string {
  try {
    return new URL(baseURL).origin;
  } catch {
    return "invalid-url";
  }
}

export class AuditLog {
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly file: string, private readonly logger: Logger = silentLogger) {}

  /** Appends one line; writes are serialized so lines never interleave. A failed write is logged, not thrown. */
  append(record: AuditEntry): Promise<void> {
    const line = JSON.stringify(record) + "\n";
    this.writing = this.writing.then(async () => {
      try {
        await fs.mkdir(path.dirname(this.file), { recursive: true });
        await fs.appendFile(this.file, line, { mode: 0o600 });
      } catch (error) {
        this.logger.warn(`Could not write the audit log ${this.file}: ${errorMessage(error)}`);
      }
    });
    return this.writing;
  }

  /** The model requests recorded. */
  async read(): Promise<AuditRecord[]> {
    return (await this.entries()).filter((entry): entry is AuditRecord => entry.kind !== "tool");
  }

  /** The tool calls recorded. */
  async readToolCalls(): Promise<ToolAuditRecord[]> {
    return (await this.entries()).filter((entry): entry is ToolAuditRecord => entry.kind === "tool");
  }

  private async entries(): Promise<AuditEntry[]> {
    await this.writing;
    const text = await fs.readFile(this.file, "utf8").catch(() => "");
    return text.split("\n").filter(Boolean).map((line) => JSON.parse(line) as AuditEntry);
  }
}
