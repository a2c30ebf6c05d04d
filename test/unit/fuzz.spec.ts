import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { Chunker } from "../../src/core/chunk/chunker";
import { assertNothingDropped } from "../helpers/chunks";
import { POLYGLOT } from "../helpers/workspace";

/** Time per language; FUZZ_MS=5000 for a longer run. Seeded, so a failure names its reproducible seed. */
const BUDGET_MS = Number(process.env.FUZZ_MS ?? 600);
/** Seeds every run tries whatever the machine's speed: the same failures show on a slow machine and a fast one. */
const MIN_SEEDS = 30;
const SEEDS: Array<[string, string]> = [
  ["src/shapes.ts", "a.ts"], ["src/view.tsx", "a.tsx"], ["src/cache.js", "a.js"], ["lib/retry.py", "a.py"], ["lib/server.go", "a.go"],
  ["lib/Queue.java", "A.java"], ["lib/tokens.rs", "a.rs"], ["lib/buffer.c", "a.c"], ["lib/matrix.cpp", "a.cpp"], ["lib/Invoice.cs", "A.cs"],
  ["lib/inventory.rb", "a.rb"], ["lib/Router.php", "a.php"], ["docs/guide.md", "a.md"],
];
const NOISE = ["{", "}", "(", ")", "[", "]", "\"", "'", "`", "/*", "*/", "//", "#", "\n", "\r\n", "\t", "    ", "def ", "class ", "function ", "fn ", "<", ">", ";", ":", "\\", "\u00e9", "\u{1F600}", "\0"];

function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

/** One mutation of a source: delete, duplicate or move a span, insert noise, truncate, or random text. */
function mutate(source: string, random: () => number): string {
  const at = (): number => Math.floor(random() * (source.length + 1));
  const [a, b] = [at(), at()].sort((x, y) => x - y);
  switch (Math.floor(random() * 6)) {
    case 0:
      return source.slice(0, a) + source.slice(b);
    case 1:
      return source.slice(0, b) + source.slice(a, b) + source.slice(b);
    case 2: {
      let out = source;
      for (let i = 0; i < 1 + random() * 20; i++) {
        const p = Math.floor(random() * (out.length + 1));
        out = out.slice(0, p) + NOISE[Math.floor(random() * NOISE.length)] + out.slice(p);
      }
      return out;
    }
    case 3:
      return source.slice(0, a);
    case 4:
      return source.slice(a, b) + source.slice(0, a) + source.slice(b);
    default:
      return Array.from({ length: Math.floor(random() * 400) }, () => NOISE[Math.floor(random() * NOISE.length)]).join("");
  }
}

describe("fuzz: random and mutated sources for every language's chunker", () => {
  const chunker = new Chunker();
  for (const [fixture, name] of SEEDS) {
    it(`${name}: never throws, never loses a line (${BUDGET_MS} ms)`, async (t) => {
      const original = readFileSync(path.join(POLYGLOT, fixture), "utf8");
      // The grammar loads before the clock starts; then at least MIN_SEEDS seeds, more while time is left.
      assertNothingDropped(name, original, (await chunker.chunkFile(name, original)).chunks);
      const deadline = performance.now() + BUDGET_MS;
      let iterations = 0;
      for (let seed = 1; seed <= MIN_SEEDS || performance.now() < deadline; seed++) {
        const random = prng(seed * 7919 + name.length);
        let text = original;
        for (let m = 0; m < 1 + Math.floor(random() * 3); m++) text = mutate(text, random);
        try {
          const result = await chunker.chunkFile(name, text);
          assertNothingDropped(`${name} seed ${seed}`, text, result.chunks);
        } catch (error) {
          assert.fail(`${name} seed ${seed}: ${error instanceof Error ? error.message : error}`);
        }
        iterations++;
      }
      t.diagnostic(`${iterations} iterations`);
    });
  }
});
