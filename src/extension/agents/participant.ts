// `@groundwork` in VS Code's chat: a question answered from the codebase by the model the user
// picked in the chat (request.model, which may be one of Groundwork's own profiles), grounded the
// way the sidebar grounds it: retrieval and `@` mentions through the Codebase under one budget,
// the conventions of the active file, citations checked against what was sent and shown as
// anchors, the sent code as references. `/search` lists the codebase's answer without a model;
// `/conventions` shows the rules for the active file.
import * as vscode from "vscode";
import type { Codebase, ContextItem } from "../../core/codebase";
import { auditChunk, auditEditorText, auditId } from "../../core/model/audit";
import { redactMessages } from "../../core/model/client";
import { groundQuestion } from "../../core/model/groundedChat";
import { tokenCounter } from "../../core/model/tokens";
import { buildChatPrompt, type ChatTurn, promptBudget } from "../../core/prompt/chatPrompt";
import { checkCitations } from "../../core/prompt/citations";
import { fenced } from "../../core/prompt/codeActions";
import { formatCitation } from "../../shared/citation";
import { activeCodebasePath } from "../editorPaths";
import { errorMessage, type Logger } from "../../core/util/host";
import type { IndexService } from "../indexService";
import type { ModelService } from "../modelService";
import { MODEL_VENDOR } from "./modelProvider";

export const PARTICIPANT_ID = "groundwork.chat";

export interface ParticipantDeps {
  indexService: IndexService;
  models: ModelService;
  logger: Logger;
  extensionUri: vscode.Uri;
}

export function registerParticipant(deps: ParticipantDeps): vscode.ChatParticipant {
  const participant = vscode.chat.createChatParticipant(PARTICIPANT_ID, participantHandler(deps));
  participant.iconPath = vscode.Uri.joinPath(deps.extensionUri, "media", "groundwork.svg");
  return participant;
}

/** The participant's handler (exported so tests can drive it with a real model and a recording stream). */
export function participantHandler(deps: ParticipantDeps): vscode.ChatRequestHandler {
  return async (request, context, stream, token) => {
    const codebase = await deps.indexService.codebase();
    try {
      if (request.command === "search") return await searchOnly(codebase, request.prompt, stream);
      if (request.command === "conventions") return await conventions(codebase, request.prompt, stream);
      return await answer(deps, codebase, request, context, stream, token);
    } catch (error) {
      deps.logger.error("@groundwork failed", error);
      stream.markdown(`\n\nGroundwork could not answer: ${errorMessage(error)}`);
      return { errorDetails: { message: errorMessage(error) } };
    }
  };
}

function location(codebase: Codebase, item: Pick<ContextItem, "path" | "startLine" | "endLine">): vscode.Location | undefined {
  const file = codebase.resolve(item.path);
  // The whole of the cited lines: up to the start of the line after the last one.
  return file ? new vscode.Location(vscode.Uri.file(file.absPath), new vscode.Range(item.startLine - 1, 0, Math.max(item.startLine, item.endLine), 0)) : undefined;
}

async function searchOnly(codebase: Codebase, query: string, stream: vscode.ChatResponseStream): Promise<vscode.ChatResult> {
  if (!query.trim()) {
    stream.markdown("Say what to look for, e.g. `/search where are retries configured`.");
    return {};
  }
  const hits = await codebase.search(query, { limit: 10 });
  if (hits.length === 0) {
    stream.markdown(`No code found for "${query}".`);
    return {};
  }
  stream.markdown(`Groundwork found ${hits.length} places for "${query}":\n\n`);
  hits.forEach((hit, i) => {
    const where = location(codebase, hit);
    stream.markdown(`${i + 1}. `);
    if (where) {
      stream.anchor(where, formatCitation(hit));
      stream.reference(where);
    }
    stream.markdown(` ${hit.kind} \`${hit.symbol}\`\n`);
  });
  return { metadata: { command: "search", results: hits.length } };
}

async function conventions(codebase: Codebase, prompt: string, stream: vscode.ChatResponseStream): Promise<vscode.ChatResult> {
  const target = prompt.trim() || activeCodebasePath(codebase) || "";
  const rules = await codebase.conventionsFor(target);
  if (rules.length === 0) {
    stream.markdown(`No team conventions apply${target ? ` to \`${target}\`` : ""}.`);
    return {};
  }
  stream.markdown(`The team's rules${target ? ` for \`${target}\`` : ""}, most general first:\n\n`);
  for (const rule of rules) stream.markdown(`**${rule.source}**\n\n${rule.text}\n\n`);
  return { metadata: { command: "conventions", rules: rules.length } };
}

async function answer(
  deps: ParticipantDeps, codebase: Codebase, request: vscode.ChatRequest, context: vscode.ChatContext, stream: vscode.ChatResponseStream, token: vscode.CancellationToken,
): Promise<vscode.ChatResult> {
  const model = request.model;
  // Groundwork's own profiles ask for themselves, where they run (the model provider).
  if (model.vendor !== MODEL_VENDOR && !(await deps.models.mayUseModelNamed(model.name, model.vendor))) {
    stream.markdown("Nothing was sent: this workspace is not trusted. `/search` works without a model.");
    return {};
  }
  stream.progress("Searching the codebase…");
  const limits = { contextWindow: model.maxInputTokens, maxOutputTokens: Math.min(4096, Math.floor(model.maxInputTokens / 4)), minRelevance: deps.indexService.minRelevance };
  const activeFile = activeCodebasePath(codebase);
  const budget = promptBudget(limits.contextWindow, limits.maxOutputTokens);
  // What the user attached (a selection, a file) is part of the question.
  const attached = await attachments(codebase, request.references, Math.floor(budget.input / 4));
  const asked = request.prompt.trim() || (attached ? "the attached code" : "");
  const question = request.command === "explain" ? `Explain: ${asked}` : asked;
  const grounding = await groundQuestion(codebase, question, activeFile, { ...limits, editorContext: attached?.text });
  const prompt = buildChatPrompt({
    question, history: history(context), conventions: grounding.conventions, context: grounding.context, editorContext: attached?.text,
    budget, tokenizer: tokenCounter, toolsOffered: false,
  });
  // Secrets in the code never reach a model, whoever's it is (Groundwork's own client redacts again, to no effect).
  const { messages: redacted, count: redactions } = redactMessages(prompt.messages);
  // The language-model API has no system role: the instructions and the quoted context lead the first user message.
  const messages = redacted.map((message) => message.role === "assistant"
    ? vscode.LanguageModelChatMessage.Assistant(String(message.content))
    : vscode.LanguageModelChatMessage.User(String(message.content)));
  const started = performance.now();
  let text = "";
  let outcome = "ok";
  try {
    const response = await model.sendRequest(messages, { justification: "Groundwork answers from your codebase's retrieved code." }, token);
    for await (const fragment of response.text) {
      text += fragment;
      stream.markdown(fragment);
    }
    // A model stopped by the user may simply end its stream.
    if (token.isCancellationRequested) outcome = "cancelled";
  } catch (error) {
    outcome = token.isCancellationRequested ? "cancelled" : error instanceof vscode.LanguageModelError ? error.code || "model-error" : "error";
    if (outcome === "cancelled") return { metadata: { command: request.command ?? "ask", cancelled: true } };
    throw error;
  } finally {
    await deps.models.audit.append({
      time: new Date().toISOString(), requestId: auditId("p"), kind: "vscode-chat", profile: `@groundwork:${model.vendor}`, model: model.id,
      profileKind: "base", server: `vscode:${model.vendor}`, chunks: grounding.context.map(auditChunk), editor: auditEditorText(attached?.text, attached?.path),
      conventions: grounding.conventions.map((c) => c.source), promptTokens: prompt.tokens, completionTokens: 0, tokensEstimated: true,
      latencyMs: Math.round(performance.now() - started), outcome, redactions: redactions || undefined,
    });
  }
  // Stopped: what streamed is not an answer to cite.
  if (outcome === "cancelled") return { metadata: { command: request.command ?? "ask", cancelled: true } };
  // The citations, checked against what was sent, as anchors; what was sent, as references.
  const citations = checkCitations(text, [...grounding.context, ...(attached?.ranges ?? [])]);
  if (citations.length > 0) {
    stream.markdown("\n\n**Sources:** ");
    for (const citation of citations) {
      const where = citation.valid ? location(codebase, citation) : undefined;
      if (where) stream.anchor(where, citation.text);
      else stream.markdown(`~~${citation.text}~~ (not in the code sent: unverified)`);
      stream.markdown(" ");
    }
  }
  for (const item of grounding.context) {
    const where = location(codebase, item);
    if (where) stream.reference(where);
  }
  return { metadata: { command: request.command ?? "ask", citations: citations.map((c) => ({ text: c.text, valid: c.valid })), sent: grounding.context.map((item) => item.citation) } };
}

/** What the user attached: its text for the prompt, its files for the audit, its lines for checking citations. */
interface Attached {
  text: string;
  path: string;
  ranges: Array<Pick<ContextItem, "path" | "startLine" | "endLine" | "citation">>;
}

/**
 * The code the user attached to the request (a selection, a file: Location and Uri references) as
 * quoted editor text, within `maxTokens`; undefined when nothing is attached.
 */
async function attachments(codebase: Codebase, references: readonly vscode.ChatPromptReference[], maxTokens: number): Promise<Attached | undefined> {
  const parts: string[] = [];
  const paths: string[] = [];
  const ranges: Attached["ranges"] = [];
  let tokens = 0;
  for (const reference of references) {
    const value = reference.value;
    const uri = value instanceof vscode.Location ? value.uri : value instanceof vscode.Uri ? value : undefined;
    if (!uri || uri.scheme !== "file") continue;
    const document = await vscode.workspace.openTextDocument(uri).then((d) => d, () => undefined);
    if (!document) continue;
    const range = value instanceof vscode.Location ? value.range : undefined;
    const first = range ? range.start.line : 0;
    const lines = document.getText(range ? new vscode.Range(first, 0, range.end.line + 1, 0) : undefined).replace(/\n$/, "").split("\n");
    const shown: string[] = [];
    for (const line of lines) {
      const cost = tokenCounter.count(line) + 1;
      if (tokens + cost > maxTokens) break;
      tokens += cost;
      shown.push(line);
    }
    if (shown.length === 0) break;
    const where = codebase.pathOf(uri.fsPath) ?? vscode.workspace.asRelativePath(uri, false);
    paths.push(where);
    const cut = shown.length < lines.length ? " (cut to fit)" : "";
    const lineRange = { path: where, startLine: first + 1, endLine: first + shown.length };
    ranges.push({ ...lineRange, citation: formatCitation(lineRange) });
    parts.push(`Attached by the user, ${where}:${first + 1}-${first + shown.length}${cut}:\n${fenced(shown.join("\n"), document.languageId)}`);
  }
  return parts.length > 0 ? { text: parts.join("\n\n"), path: paths.join(", "), ranges } : undefined;
}

/** Earlier turns with @groundwork, as chat history. */
function history(context: vscode.ChatContext): ChatTurn[] {
  const turns: ChatTurn[] = [];
  for (const turn of context.history) {
    if (turn instanceof vscode.ChatRequestTurn) turns.push({ role: "user", content: turn.prompt });
    else if (turn instanceof vscode.ChatResponseTurn) {
      const text = turn.response.map((part) => (part instanceof vscode.ChatResponseMarkdownPart ? part.value.value : "")).join("");
      if (text) turns.push({ role: "assistant", content: text });
    }
  }
  return turns;
}
