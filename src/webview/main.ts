// The chat view: a conversation of grounded answers (streamed, rendered as sanitized Markdown,
// with clickable citations and the sources and why each was chosen), an input with @file and
// @symbol completion, Stop and New Chat, and the active model. Talks to the extension only
// through the typed protocol in src/shared, after saying `ready`.
import type { AnswerView, ExtensionToWebview, Mention, ModelView, WebviewToExtension } from "../shared/protocol";
import { type CodeBlock, renderAnswer } from "./render";
import { LatestReply } from "./replies";
import "./style.css";

declare function acquireVsCodeApi(): { postMessage(message: WebviewToExtension): void; getState(): unknown; setState(state: unknown): void };

const vscode = acquireVsCodeApi();
const post = (message: WebviewToExtension): void => vscode.postMessage(message);

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const app = document.getElementById("app")!;
const header = element("div", "header");
const modelSelect = element("select", "model-select");
modelSelect.setAttribute("aria-label", "Chat model");
const indexState = element("span", "index-state", "Index: starting…");
indexState.setAttribute("role", "status");
const newChat = element("button", "new-chat", "New Chat");
newChat.type = "button";
newChat.title = "Start a new conversation";
header.append(modelSelect, indexState, newChat);

const conversation = element("div", "conversation");
conversation.setAttribute("role", "log");
conversation.setAttribute("aria-live", "polite");
conversation.setAttribute("aria-label", "Conversation");
const empty = element("div", "empty", "Ask about this codebase. Answers cite the code they use; type @ to pin a file or symbol.");

const form = element("form", "composer");
const input = element("textarea", "question");
input.rows = 3;
input.placeholder = "Ask about the code… (Enter to send, Shift+Enter for a new line, @ for files and symbols)";
input.setAttribute("aria-label", "Question");
const suggestions = element("ul", "mentions");
suggestions.setAttribute("role", "listbox");
suggestions.hidden = true;
const send = element("button", "send", "Send");
send.type = "submit";
const stop = element("button", "stop", "Stop");
stop.type = "button";
stop.hidden = true;
const buttons = element("div", "composer-buttons");
buttons.append(send, stop);
form.append(suggestions, input, buttons);
app.append(header, conversation, form);

const codeBlocks = new Map<string, CodeBlock[]>();
const streaming = new Map<string, { text: string; body: HTMLElement; scheduled: boolean }>();
let busy = false;
let mentionItems: Mention[] = [];
const mentionReplies = new LatestReply();
let mentionIndex = 0;

const saved = vscode.getState() as { draft?: string } | undefined;
if (saved?.draft) input.value = saved.draft;

function setBusy(value: boolean): void {
  busy = value;
  stop.hidden = !value;
  send.disabled = value;
}

function renderModels(models: readonly ModelView[]): void {
  modelSelect.replaceChildren(...models.map((model) => {
    const option = element("option", undefined, `${model.label}${model.kind === "lora" ? " (LoRA)" : ""}`);
    option.value = model.id;
    option.selected = model.active;
    return option;
  }));
}

function whySummary(answer: AnswerView): HTMLElement {
  const details = element("details", "sources");
  details.open = true;
  details.append(element("summary", undefined, `Sources (${answer.sources.length})${answer.conventions.length ? ` · conventions: ${answer.conventions.join(", ")}` : ""}`));
  const list = element("ol");
  for (const source of answer.sources) {
    const item = element("li");
    const button = element("button", "citation", source.citation);
    button.type = "button";
    button.dataset.citation = source.citation;
    item.append(button, element("span", "symbols", ` ${source.symbols.join(", ")}`), element("span", "why", ` — ${source.why}`));
    list.append(item);
  }
  details.append(list);
  if (answer.sources.length === 0) details.append(element("p", "nothing-close", "The index has nothing close to this question."));
  return details;
}

function answerShell(id: string, question: string, label: string, side?: string): HTMLElement {
  empty.remove();
  let turn = conversation.querySelector<HTMLElement>(`.turn[data-question-id="${CSS.escape(id.replace(/:.*$/, ""))}"]`);
  if (!turn) {
    turn = element("div", "turn");
    turn.dataset.questionId = id.replace(/:.*$/, "");
    turn.append(element("div", "question-text", question));
    conversation.append(turn);
  }
  if (side) turn.classList.add("compare");
  const answer = element("div", "answer");
  answer.dataset.id = id;
  answer.append(element("div", "answer-meta", label), element("div", "answer-body"));
  turn.append(answer);
  return answer;
}

function finishAnswer(view: AnswerView): void {
  const shell = conversation.querySelector<HTMLElement>(`.answer[data-id="${CSS.escape(view.id)}"]`) ?? answerShell(view.id, view.question, view.compareSide ?? view.profileLabel, view.compareSide);
  streaming.delete(view.id);
  const body = shell.querySelector<HTMLElement>(".answer-body")!;
  const rendered = renderAnswer(view.answer, view.mode === "model" ? view.citations.filter((c) => c.valid).map((c) => c.text) : undefined);
  codeBlocks.set(view.id, rendered.codeBlocks);
  body.innerHTML = rendered.html;
  shell.querySelector(".notice")?.remove();
  if (view.notice) {
    const notice = element("div", view.mode === "retrieval-only" ? "notice retrieval-only" : "notice", view.notice);
    if (view.mode === "retrieval-only") {
      const configure = element("button", "configure", "Configure a model");
      configure.type = "button";
      configure.dataset.action = "configure";
      notice.append(" ", configure);
    }
    shell.insertBefore(notice, body);
  }
  if (view.sources.length) shell.append(whySummary(view));
  const meta = [view.latencyMs !== undefined ? `${Math.round(view.latencyMs)} ms` : "", view.tokens ?? ""].filter(Boolean).join(" · ");
  if (meta) shell.append(element("div", "answer-stats", meta));
  conversation.scrollTop = conversation.scrollHeight;
}

function scheduleRender(id: string): void {
  const entry = streaming.get(id);
  if (!entry || entry.scheduled) return;
  entry.scheduled = true;
  requestAnimationFrame(() => {
    entry.scheduled = false;
    // The answer may have ended (or the chat been cleared) before this frame: its final rendering stays.
    if (streaming.get(id) !== entry) return;
    entry.body.innerHTML = renderAnswer(entry.text).html;
    conversation.scrollTop = conversation.scrollHeight;
  });
}

function showMentions(items: Mention[]): void {
  mentionItems = items;
  mentionIndex = 0;
  suggestions.replaceChildren(...items.map((item, i) => {
    const option = element("li", i === 0 ? "active" : undefined);
    option.setAttribute("role", "option");
    option.append(element("span", "mention-label", item.label), element("span", "mention-detail", ` ${item.detail}`));
    option.dataset.index = String(i);
    return option;
  }));
  suggestions.hidden = items.length === 0;
}

function currentMention(): { start: number; query: string } | undefined {
  const upTo = input.value.slice(0, input.selectionStart ?? input.value.length);
  const match = /(^|\s)@([\w./-]*)$/.exec(upTo);
  return match ? { start: upTo.length - match[2].length - 1, query: match[2] } : undefined;
}

function acceptMention(index: number): void {
  const item = mentionItems[index];
  const mention = currentMention();
  if (!item || !mention) return;
  const end = input.selectionStart ?? input.value.length;
  input.value = `${input.value.slice(0, mention.start)}${item.label} ${input.value.slice(end)}`;
  showMentions([]);
  input.focus();
}

function submit(): void {
  const question = input.value.trim();
  if (!question || busy) return;
  const id = `q${Date.now().toString(36)}`;
  post({ type: "ask", id, question });
  input.value = "";
  vscode.setState({ draft: "" });
  setBusy(true);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  submit();
});
input.addEventListener("keydown", (event) => {
  if (!suggestions.hidden && mentionItems.length) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      mentionIndex = (mentionIndex + (event.key === "ArrowDown" ? 1 : mentionItems.length - 1)) % mentionItems.length;
      suggestions.querySelectorAll("li").forEach((li, i) => li.classList.toggle("active", i === mentionIndex));
      return;
    }
    if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      acceptMention(mentionIndex);
      return;
    }
    if (event.key === "Escape") {
      showMentions([]);
      return;
    }
  }
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    submit();
  }
});
input.addEventListener("input", () => {
  vscode.setState({ draft: input.value });
  const mention = currentMention();
  if (mention) post({ type: "mentions", id: mentionReplies.next(), query: mention.query, kind: /[./]/.test(mention.query) ? "file" : "symbol" });
  else {
    mentionReplies.forget();
    showMentions([]);
  }
});
suggestions.addEventListener("mousedown", (event) => {
  const li = (event.target as HTMLElement).closest("li");
  if (li?.dataset.index) {
    event.preventDefault();
    acceptMention(Number(li.dataset.index));
  }
});
stop.addEventListener("click", () => post({ type: "stop" }));
newChat.addEventListener("click", () => post({ type: "newChat" }));
modelSelect.addEventListener("change", () => post({ type: "switchModel", profileId: modelSelect.value }));
conversation.addEventListener("click", (event) => {
  const target = (event.target as HTMLElement).closest<HTMLElement>("button");
  if (!target) return;
  if (target.dataset.citation) return post({ type: "openCitation", citation: target.dataset.citation });
  if (target.dataset.action === "configure") return post({ type: "configureModel" });
  const answerId = target.closest<HTMLElement>(".answer")?.dataset.id;
  const block = answerId ? codeBlocks.get(answerId)?.[Number(target.dataset.index)] : undefined;
  if (!block) return;
  if (target.dataset.action === "copy") post({ type: "copy", code: block.code });
  if (target.dataset.action === "insert") post({ type: "insert", code: block.code });
  if (target.dataset.action === "apply") post({ type: "apply", code: block.code, language: block.language });
});

window.addEventListener("message", (event: MessageEvent<ExtensionToWebview>) => {
  const message = event.data;
  switch (message.type) {
    case "state":
      indexState.textContent = message.indexState;
      renderModels(message.models);
      conversation.replaceChildren();
      if (message.history.length === 0) conversation.append(empty);
      for (const answer of message.history) finishAnswer(answer);
      break;
    case "indexState":
      indexState.textContent = message.text;
      break;
    case "models":
      renderModels(message.models);
      break;
    case "answerStart": {
      const shell = answerShell(message.id, message.question, message.profileLabel, message.compareSide);
      streaming.set(message.id, { text: "", body: shell.querySelector<HTMLElement>(".answer-body")!, scheduled: false });
      setBusy(true);
      break;
    }
    case "delta": {
      const entry = streaming.get(message.id);
      if (entry) {
        entry.text += message.text;
        scheduleRender(message.id);
      }
      break;
    }
    case "status": {
      const shell = conversation.querySelector<HTMLElement>(`.answer[data-id="${CSS.escape(message.id)}"]`);
      shell?.querySelector(".answer-meta")?.setAttribute("data-status", message.text);
      break;
    }
    case "answerEnd":
      finishAnswer(message.answer);
      if (streaming.size === 0) setBusy(false);
      break;
    case "mentions":
      // Only the reply to the latest request, while a mention is still being typed.
      if (mentionReplies.isLatest(message.id) && currentMention()) showMentions(message.items);
      break;
    case "cleared":
      conversation.replaceChildren(empty);
      codeBlocks.clear();
      streaming.clear();
      setBusy(false);
      break;
    case "askFromCommand":
      input.value = message.question;
      submit();
      break;
  }
});

post({ type: "ready" });
input.focus();
