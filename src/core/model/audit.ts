// The audit log: one JSON line per model request (time, profile, model, the chunks sent as
// path/range/content hash, token counts, latency, outcome). Never the API key, never code text:
// the record type has no field that could hold either.
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

export interface AuditRecord {
  time: string;
  requestId: string;
  kind: "chat" | "completion" | "compare";
  profile: string;
  model: string;
  profileKind: "base" | "lora";
  /** The server's origin (scheme, host, port): where the code went. */
  server: string;
  chunks: AuditChunk[];
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

export function auditChunk(item: { path: string; startLine: number; endLine: number; text: string }): AuditChunk {
  return { path: item.path, startLine: item.startLine, endLine: item.endLine, contentHash: sha256Hex(item.text).slice(0, 16) };
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
  append(record: AuditRecord): Promise<void> {
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

  async read(): Promise<AuditRecord[]> {
    await this.writing;
    const text = await fs.readFile(this.file, "utf8").catch(() => "");
    return text.split("\n").filter(Boolean).map((line) => JSON.parse(line) as AuditRecord);
  }
}
