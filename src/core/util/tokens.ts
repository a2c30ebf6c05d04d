// Token counting with a real tokenizer (js-tiktoken's cl100k_base, shipped in the package: no
// download). The encoder is built on first use: turning the ranks table into maps takes ~0.3 s.
// Only cl100k's table is imported: the package's main entry holds every encoding's (5.6 MB that the
// CLI and the extension parsed at each start).
import { Tiktoken } from "js-tiktoken/lite";
import cl100kRanks from "js-tiktoken/ranks/cl100k_base";

export interface TokenCounter {
  count(text: string): number;
}

let encoding: Tiktoken | undefined;
const encoder = (): Tiktoken => (encoding ??= new Tiktoken(cl100kRanks));

/** Builds the encoder now (about 0.3 s) rather than at its first count. */
export function prepareTokenizer(): void {
  encoder();
}

export const cl100k: TokenCounter = {
  count(text: string): number {
    // Text that holds a model's special tokens (`<|endoftext|>` in a tokenizer's own code, a FIM
    // training example) is counted as the text it is, never refused.
    return encoder().encode(text, [], []).length;
  },
};

/** The text cut to at most `max` cl100k tokens (unchanged when it has no more). */
export function truncateTokens(text: string, max: number): string {
  const tokens = encoder().encode(text, [], []);
  return tokens.length <= max ? text : encoder().decode(tokens.slice(0, max));
}
