// Groundwork's model profiles, base and LoRA, in VS Code's model picker: a language-model chat
// provider (vendor "groundwork") that streams from each profile's OpenAI-compatible server, with
// tool calls passed both ways. Requests are audited like Groundwork's own; in an untrusted
// workspace, nothing is sent before the user agrees.
import * as vscode from "vscode";
import type { ChatMessage } from "../../core/model/client";
import { ModelError } from "../../core/model/errors";
import type { ModelProfile } from "../../core/model/profiles";
import { tokenCounter } from "../../core/model/tokens";
import { auditId, serverOrigin } from "../../core/model/audit";
import { errorMessage, type Logger } from "../../core/util/host";
import type { ModelService } from "../modelService";

export const MODEL_VENDOR = "groundwork";

interface ProfileInformation extends vscode.LanguageModelChatInformation {
  profile: ModelProfile;
}

export class GroundworkModelProvider implements vscode.LanguageModelChatProvider<ProfileInformation> {
  readonly onDidChangeLanguageModelChatInformation: vscode.Event<void>;

  constructor(private readonly models: ModelService, private readonly logger: Logger) {
    this.onDidChangeLanguageModelChatInformation = models.onDidChange;
  }

  provideLanguageModelChatInformation(): ProfileInformation[] {
    return this.models.profiles().map((profile) => ({
      id: profile.id,
      name: profile.label,
      family: profile.kind === "lora" ? `lora:${profile.baseModel ?? profile.model}` : profile.model,
      version: profile.model,
      detail: profile.kind === "lora" ? `LoRA on ${profile.baseModel ?? "its base"}` : "base",
      tooltip: `${profile.model} at ${serverOrigin(profile.baseURL)} (Groundwork profile "${profile.id}")`,
      maxInputTokens: Math.max(1, profile.contextWindow - profile.maxOutputTokens),
      maxOutputTokens: profile.maxOutputTokens,
      capabilities: { toolCalling: true },
      profile,
    }));
  }

  async provideLanguageModelChatResponse(
    model: ProfileInformation, messages: readonly vscode.LanguageModelChatRequestMessage[], options: vscode.ProvideLanguageModelChatResponseOptions,
    progress: vscode.Progress<vscode.LanguageModelResponsePart>, token: vscode.CancellationToken,
  ): Promise<void> {
    const profile = this.models.profiles().find((p) => p.id === model.id) ?? model.profile;
    if (!(await this.models.mayUseModel(profile))) throw new Error("Nothing was sent: this workspace is not trusted, and sending its code was declined.");
    const abort = new AbortController();
    const cancel = token.onCancellationRequested(() => abort.abort());
    const started = performance.now();
    const openAiMessages = mergeTurns(messages.flatMap(toOpenAiMessages));
    let outcome = "ok";
    let usage: { promptTokens: number; completionTokens: number } | undefined;
    let redactions: number | undefined;
    try {
      const result = await (await this.models.client(profile)).chat({
        messages: openAiMessages,
        tools: options.tools?.length
          ? options.tools.map((tool) => ({ type: "function" as const, function: { name: tool.name, description: tool.description, parameters: (tool.inputSchema as Record<string, unknown> | undefined) ?? { type: "object", properties: {} } } }))
          : undefined,
        toolChoice: options.toolMode === vscode.LanguageModelChatToolMode.Required ? "required" : undefined,
        signal: abort.signal,
        onDelta: (text) => progress.report(new vscode.LanguageModelTextPart(text)),
      });
      usage = result.usage;
      redactions = result.redactions;
      for (const call of result.toolCalls) progress.report(new vscode.LanguageModelToolCallPart(call.id, call.name, parseArguments(call.arguments)));
    } catch (error) {
      outcome = error instanceof ModelError ? error.kind : "error";
      if (error instanceof ModelError && error.kind === "cancelled") return;
      this.logger.warn(`${profile.id} (VS Code chat): ${errorMessage(error)}`);
      throw error;
    } finally {
      cancel.dispose();
      await this.models.audit.append({
        time: new Date().toISOString(), requestId: auditId("v"), kind: "vscode-chat", profile: profile.id, model: profile.model, profileKind: profile.kind,
        server: serverOrigin(profile.baseURL), chunks: [], conventions: [], promptTokens: usage?.promptTokens ?? tokenCounter.count(JSON.stringify(openAiMessages)),
        completionTokens: usage?.completionTokens ?? 0, tokensEstimated: usage === undefined, latencyMs: Math.round(performance.now() - started), outcome, redactions,
      });
    }
  }

  async provideTokenCount(_model: ProfileInformation, text: string | vscode.LanguageModelChatRequestMessage): Promise<number> {
    return tokenCounter.count(typeof text === "string" ? text : JSON.stringify(toOpenAiMessages(text)));
  }
}

function parseArguments(json: string): object {
  try {
    const value: unknown = JSON.parse(json || "{}");
    return value && typeof value === "object" ? value : { value };
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { invalidJson: json };
  }
}

/** VS Code's system role (3): agent mode sends its instructions with it, though the typings name only User and Assistant. */
const SYSTEM_ROLE = 3;

/** A part's text for the server: text, text or JSON data decoded, other data named (an image's bytes are no text). */
function partText(part: unknown): string {
  if (part instanceof vscode.LanguageModelTextPart) return part.value;
  const data = part as { mimeType?: unknown; data?: unknown; value?: unknown };
  if (typeof data.mimeType === "string" && data.data instanceof Uint8Array) {
    // Prompt-cache markers (Copilot's "cache_control") carry nothing to send.
    if (data.mimeType === "cache_control") return "";
    const decoded = (): string => new TextDecoder().decode(data.data as Uint8Array);
    if (/prompt-tsx/i.test(data.mimeType)) return textNodes(parsedJson(decoded())) || decoded();
    if (/^text\/|json/i.test(data.mimeType)) return decoded();
    return `[${data.mimeType} content not sent: ${data.data.byteLength} bytes]`;
  }
  if (typeof data.value === "string") return data.value;
  // A prompt-tsx part (what Copilot's own tools answer with): its text nodes, else the part as JSON.
  if (data.value && typeof data.value === "object") return textNodes(data.value) || JSON.stringify(data.value);
  return "";
}

function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The strings under "text" keys of a prompt-tsx element tree, in order. */
function textNodes(value: unknown, depth = 0): string {
  if (depth > 64 || value === null || typeof value !== "object") return "";
  if (Array.isArray(value)) return value.map((item) => textNodes(item, depth + 1)).join("");
  const node = value as Record<string, unknown>;
  if (typeof node.text === "string") return node.text;
  return Object.values(node).map((item) => textNodes(item, depth + 1)).join("");
}

/** A tool result part, of either of the classes VS Code has given them (LanguageModelToolResultPart2 since 1.104). */
function isToolResult(part: unknown): part is { callId: string; content: unknown[] } {
  if (part instanceof vscode.LanguageModelToolResultPart) return true;
  const candidate = part as { callId?: unknown; content?: unknown };
  return typeof candidate.callId === "string" && Array.isArray(candidate.content);
}

/** One VS Code chat message as OpenAI messages: text and tool calls, and each tool result as its own message. */
function toOpenAiMessages(message: vscode.LanguageModelChatRequestMessage): ChatMessage[] {
  const calls = message.content.filter((part): part is vscode.LanguageModelToolCallPart => part instanceof vscode.LanguageModelToolCallPart);
  const results = message.content.filter(isToolResult);
  const text = message.content.filter((part) => !isToolResult(part) && !(part instanceof vscode.LanguageModelToolCallPart)).map(partText).join("");
  const out: ChatMessage[] = results.map((result) => ({ role: "tool" as const, tool_call_id: result.callId, content: result.content.map(partText).join("") }));
  if (message.role === vscode.LanguageModelChatMessageRole.Assistant) {
    if (text || calls.length) {
      out.push({
        role: "assistant",
        content: text || null,
        ...(calls.length ? { tool_calls: calls.map((call) => ({ id: call.callId, type: "function" as const, function: { name: call.name, arguments: JSON.stringify(call.input) } })) } : {}),
      });
    }
  } else if (text) out.push({ role: (message.role as number) === SYSTEM_ROLE ? "system" : "user", content: text });
  return out;
}

/** Back-to-back system or user messages as one: chat templates that want turns to alternate refuse two in a row. */
function mergeTurns(messages: ChatMessage[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const message of messages) {
    const last = out.at(-1);
    if (last && last.role === message.role && (message.role === "user" || message.role === "system") && typeof last.content === "string" && typeof message.content === "string") {
      out[out.length - 1] = { ...last, content: `${last.content}\n\n${message.content}` } as ChatMessage;
    } else out.push(message);
  }
  return out;
}
