// The chat message shape prompts are built from: the OpenAI chat format, which every
// OpenAI-compatible server takes.
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";

export type ChatMessage = ChatCompletionMessageParam;
