// `groundwork ask` and `groundwork compare`: a grounded answer streamed to stdout with its
// checked citations, or two profiles side by side on the same retrieved context. Profiles come
// from a JSON file (--models) or flags; the key from GROUNDWORK_API_KEY or OPENAI_API_KEY.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { AuditLog } from "../core/model/audit";
import { ModelClient } from "../core/model/client";
import { compareProfiles } from "../core/model/compare";
import { type AskResult, GroundedChat } from "../core/model/groundedChat";
import { DEFAULT_PROFILE, type ModelProfile, parseProfile, parseProfiles, selectProfile } from "../core/model/profiles";
import { type Codebase, isRemoteUri } from "../core/codebase";
import type { Logger } from "../core/util/host";

export interface ModelFlags {
  models?: string;
  model?: string;
  against?: string;
  "base-url"?: string;
  "model-name"?: string;
  file?: string;
  json?: boolean;
  "without-retrieval"?: boolean;
}

export class CliModelError extends Error {}

/** The profiles the flags describe: a --models file, an ad-hoc --base-url/--model-name, or the default. */
export function loadProfiles(flags: ModelFlags): ModelProfile[] {
  const profiles: ModelProfile[] = [];
  if (flags.models) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(flags.models, "utf8"));
    } catch (error) {
      throw new CliModelError(`Cannot read model profiles from ${flags.models}: ${(error as Error).message}`);
    }
    profiles.push(...parseProfiles(Array.isArray(raw) ? raw : (raw as { models?: unknown }).models));
  }
  if (flags["base-url"] || flags["model-name"]) {
    profiles.unshift(parseProfile({ id: "cli", baseURL: flags["base-url"] ?? DEFAULT_PROFILE.baseURL, model: flags["model-name"] ?? DEFAULT_PROFILE.model }, "--base-url/--model-name"));
  }
  return profiles.length ? profiles : [DEFAULT_PROFILE];
}

/**
 * The audit log lives next to the (first folder's) index; with the index on object storage, in the
 * first folder's `.groundwork` folder (this machine's record of what it sent, never uploaded).
 */
export function auditLogFor(codebase: Codebase, logger: Logger): AuditLog {
  const [first] = codebase.folders;
  const file = isRemoteUri(first.dbPath) ? path.join(first.root, ".groundwork", "audit.jsonl") : path.join(path.dirname(first.dbPath), "audit.jsonl");
  return new AuditLog(file, logger);
}

function chatFor(codebase: Codebase, profile: ModelProfile, logger: Logger, audit: AuditLog): GroundedChat {
  const apiKey = process.env.GROUNDWORK_API_KEY ?? process.env.OPENAI_API_KEY;
  const timeoutMs = process.env.GROUNDWORK_TIMEOUT_MS ? Number(process.env.GROUNDWORK_TIMEOUT_MS) : undefined;
  const client = new ModelClient(profile, { apiKey, logger, timeoutMs, idleTimeoutMs: timeoutMs });
  return new GroundedChat({ source: codebase, client, audit, logger });
}

function codebaseFile(codebase: Codebase, file: string | undefined): string | undefined {
  return file ? codebase.pathOf(path.resolve(file)) : undefined;
}

/** What follows an answer, one fact per line: its citations (checked), the context and conventions sent, the model's figures. */
export function formatSummary(result: AskResult): string {
  const lines: string[] = [];
  if (result.mode === "model") {
    lines.push("Sources:");
    for (const citation of result.citations) lines.push(`  ${citation.valid ? "✓" : "✗"} ${citation.text}${citation.valid ? "" : "  (not in the retrieved context: unverified)"}`);
    if (result.citations.length === 0) lines.push("  (the answer cites nothing)");
  }
  lines.push(`Context sent: ${result.context.length} snippet${result.context.length === 1 ? "" : "s"}`);
  lines.push(`Conventions: ${result.conventions.join(", ") || "none"}`);
  lines.push(`Model: ${stats(result)}`);
  return lines.join("\n");
}

function stats(result: AskResult): string {
  const tokens = `${result.usage.promptTokens} prompt + ${result.usage.completionTokens} completion tokens${result.usage.estimated ? " (estimated)" : ""}`;
  return `${result.profile.label} [${result.profile.kind}${result.profile.kind === "lora" ? `: ${result.profile.model}` : ""}] ${Math.round(result.latencyMs)} ms, ${tokens}, ${result.rounds} round${result.rounds === 1 ? "" : "s"}`;
}

export async function ask(codebase: Codebase, question: string, flags: ModelFlags, logger: Logger, signal?: AbortSignal): Promise<number> {
  const profile = selectProfile(loadProfiles(flags), flags.model);
  const chat = chatFor(codebase, profile, logger, auditLogFor(codebase, logger));
  let streamed = "";
  const result = await chat.ask({
    question, activeFile: codebaseFile(codebase, flags.file), signal,
    onDelta: flags.json ? undefined : (text) => {
      streamed += text;
      process.stdout.write(text);
    },
    onEvent: (event) => {
      if (event.type === "tool-call") process.stderr.write(`[searching the codebase again: "${event.query}" → ${event.found} snippets]\n`);
    },
  });
  if (flags.json) {
    process.stdout.write(JSON.stringify({ ...result, context: result.context.map(({ text: _text, ...item }) => item) }, null, 2) + "\n");
    return 0;
  }
  if (result.notice) process.stderr.write(`${result.notice}\n`);
  // The streamed answer ends on a line of its own, then a blank line, then the summary.
  const answer = result.mode === "retrieval-only" ? `${result.answer}\n` : streamed.endsWith("\n") || !streamed ? "" : "\n";
  process.stdout.write(`${answer}\n${formatSummary(result)}\n`);
  return 0;
}

export async function compare(codebase: Codebase, question: string, flags: ModelFlags, logger: Logger, signal?: AbortSignal): Promise<number> {
  const profiles = loadProfiles(flags);
  const first = selectProfile(profiles, flags.model);
  const second = flags.against ? selectProfile(profiles, flags.against) : first;
  if (second === first && !flags["without-retrieval"]) throw new CliModelError("compare needs --against PROFILE, or --without-retrieval to compare one profile with and without retrieval.");
  const audit = auditLogFor(codebase, logger);
  const { grounding, results } = await compareProfiles(
    [{ chat: chatFor(codebase, first, logger, audit) }, { chat: chatFor(codebase, second, logger, audit), retrieval: !flags["without-retrieval"] }],
    { question, activeFile: codebaseFile(codebase, flags.file), signal },
  );
  if (flags.json) {
    process.stdout.write(JSON.stringify({ context: grounding.context.map((item) => item.citation), results: results.map(({ context: _c, ...r }) => r) }, null, 2) + "\n");
    return 0;
  }
  results.forEach((result, i) => {
    const title = `=== ${i === 0 ? "A" : "B"}: ${result.profile.label}${i === 1 && flags["without-retrieval"] ? " — without retrieval" : ""}`;
    const answer = result.mode === "retrieval-only" ? `(no answer: ${result.notice})` : result.answer.replace(/\n*$/, "");
    process.stdout.write(`${title}\n${answer}\n\n${formatSummary(result)}\n\n`);
  });
  return 0;
}
