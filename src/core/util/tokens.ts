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
    return encoding.encode(text).length;
  },
};
