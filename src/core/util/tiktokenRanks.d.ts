// js-tiktoken exports its rank tables by subpath only, which "moduleResolution": "node" does not read.
declare module "js-tiktoken/ranks/cl100k_base" {
  import type { TiktokenBPE } from "js-tiktoken/lite";
  const ranks: TiktokenBPE;
  export default ranks;
}
