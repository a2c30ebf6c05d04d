// Token counting with a real tokenizer (js-tiktoken's cl100k_base, shipped in the package: no
// download). Loaded lazily: the ranks table takes ~0.3 s to load.
import { getEncoding, type Tiktoken } from "js-tiktoken";

export interface TokenCounter {
  count(text: string): number;
}

let encoding: Tiktoken | undefined;

export const cl100k: TokenCounter = {
  count(text: string): number {
    encoding ??= getEncoding("cl100k_base");
    // Text that holds a model's special tokens (`<|endoftext|>` in a tokenizer's own code, a FIM
    // training example) is counted as the text it is, never refused.
    return encoding.encode(text, [], []).length;
  },
};

/** The text cut to at most `max` cl100k tokens (unchanged when it has no more). */
export function truncateTokens(text: string, max: number): string {
  encoding ??= getEncoding("cl100k_base");
  const tokens = encoding.encode(text, [], []);
  return tokens.length <= max ? text : encoding.decode(tokens.slice(0, max));
}
