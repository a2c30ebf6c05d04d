// The builtin embedder finds a text's identifiers by scanning its characters, not by
// util/text's `identifiers` regular expression, and looks them up by hash and characters: the two
// must cut every text the same way, and the table must never hand back another identifier's entry.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hashRange, identifierEnd, IdentifierTable, nextIdentifier } from "../../src/core/embed/identifierTable";
import { identifiers } from "../../src/core/util/text";

function scanned(text: string): string[] {
  const out: string[] = [];
  for (let start = nextIdentifier(text, 0); start >= 0;) {
    const end = identifierEnd(text, start);
    out.push(text.slice(start, end));
    start = nextIdentifier(text, end);
  }
  return out;
}

/** A deterministic pseudo-random sequence (xorshift), so a failure can be reproduced. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

interface Entry {
  id: string;
  hash: number;
}

const entry = (id: string): Entry => ({ id, hash: hashRange(id, 0, id.length) });

describe("identifier table", () => {
  it("cuts every text into the identifiers util/text's expression finds", () => {
    const next = random(7);
    // Letters, digits, `_` and `$` in runs, with what ends them: spaces, punctuation, a newline, letters beyond ASCII (é, Σ, 𝑥, a lone surrogate).
    const alphabet = ["a", "Z", "q", "0", "7", "_", "$", " ", ".", "(", "-", "\n", "é", "Σ", "𝑥", "\ud800", "2to3", "0x1F", "__init__"];
    assert.deepEqual(scanned("def parse_url(raw2, $x): return 2to3 + 0x1F"), identifiers("def parse_url(raw2, $x): return 2to3 + 0x1F"));
    for (let n = 0; n < 2000; n++) {
      const text = Array.from({ length: Math.floor(next() * 40) }, () => alphabet[Math.floor(next() * alphabet.length)]).join("");
      assert.deepEqual(scanned(text), identifiers(text), JSON.stringify(text));
    }
    assert.deepEqual(scanned(""), []);
  });

  it("finds each entry by a range of another text, through growth, and nothing it does not hold", () => {
    const table = new IdentifierTable<Entry>();
    const ids = Array.from({ length: 5000 }, (_, i) => `name${i}_${(i * 7919) % 1000}`);
    ids.forEach((id) => table.add(entry(id)));
    assert.equal(table.size, 5000);
    for (const id of ids) {
      const text = `  (${id}) `;
      assert.equal(table.find(text, 3, 3 + id.length, hashRange(text, 3, 3 + id.length))?.id, id);
    }
    for (const id of ["name5000_0", "name1_791", "name", ""]) assert.equal(table.find(id, 0, id.length, hashRange(id, 0, id.length)), undefined, id);
    table.clear();
    assert.equal(table.size, 0);
    assert.equal(table.find(ids[0], 0, ids[0].length, hashRange(ids[0], 0, ids[0].length)), undefined);
  });

  it("tells apart two identifiers of the same hash and length", () => {
    // A 32-bit hash collides within a few hundred thousand strings: find two of one length.
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const id = `id${i.toString(36).padStart(6, "0")}`;
      const hash = hashRange(id, 0, id.length);
      const other = seen.get(hash);
      if (other !== undefined) pair = [other, id];
      else seen.set(hash, id);
    }
    const [a, b] = pair;
    const table = new IdentifierTable<Entry>();
    table.add(entry(a));
    assert.equal(table.find(b, 0, b.length, hashRange(b, 0, b.length)), undefined, `${b} is not ${a}`);
    table.add(entry(b));
    assert.equal(table.find(a, 0, a.length, hashRange(a, 0, a.length))?.id, a);
    assert.equal(table.find(b, 0, b.length, hashRange(b, 0, b.length))?.id, b);
  });
});
