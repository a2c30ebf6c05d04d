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
    const openAiMessages = messages.flatMap(toOpenAiMessages);
    let outcome = "ok";
    let usage: { promptTokens: number; completionTokens: number } | undefined;
    let redactions: number | undefined;
    try {
      const result = await (await this.models.client(profile)).chat({
        messages: openAiMessages,
        tools: options.tools?.length
          ? options.tools.map((tool) => ({ type: "function" as const, function: { name: tool.name, description: tool.description, parameters: (tool.inputSchema as Record<string, unknown> | undefined) ?? { type: "object", properties: {} } } }))
          : undefined,
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

/** One VS Code chat message as OpenAI messages: text and tool calls, and each tool result as its own message. */
function toOpenAiMessages(message: vscode.LanguageModelChatRequestMessage): ChatMessage[] {
  const text = message.content.filter((part): part is vscode.LanguageModelTextPart => part instanceof vscode.LanguageModelTextPart).map((part) => part.value).join("");
  const calls = message.content.filter((part): part is vscode.LanguageModelToolCallPart => part instanceof vscode.LanguageModelToolCallPart);
  const results = message.content.filter((part): part is vscode.LanguageModelToolResultPart => part instanceof vscode.LanguageModelToolResultPart);
  const out: ChatMessage[] = results.map((result) => ({
    role: "tool" as const,
    tool_call_id: result.callId,
    content: result.content.map((part) => (part instanceof vscode.LanguageModelTextPart ? part.value : JSON.stringify(part))).join(""),
  }));
  if (message.role === vscode.LanguageModelChatMessageRole.Assistant) {
    if (text || calls.length) {
      out.push({
        role: "assistant",
        content: text || null,
        ...(calls.length ? { tool_calls: calls.map((call) => ({ id: call.callId, type: "function" as const, function: { name: call.name, arguments: JSON.stringify(call.input) } })) } : {}),
      });
    }
  } else if (text) out.push({ role: "user", content: text });
  return out;
}
