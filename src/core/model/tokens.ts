// The token counter prompts are measured with, for hosts that report token counts (VS Code's
// model provider).
export { cl100k as tokenCounter, type TokenCounter } from "../util/tokens";
