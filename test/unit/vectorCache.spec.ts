import assert from "node:assert/strict";
import { appendFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { contentKey, VectorCache } from "../../src/core/store/vectorCache";
import { removeTree, tempDir } from "../helpers/workspace";

const vector = (seed: number): Float32Array => Float32Array.from({ length: 4 }, (_, i) => seed + i / 10);

describe("vectors kept by content", () => {
  const dir = tempDir("gw-vcache-");
  after(() => removeTree(dir));

  it("finds what was put, across instances, and misses what was not", async () => {
    const cache = new VectorCache({ dir, embedder: "a".repeat(32), dims: 4 });
    await cache.put([{ key: contentKey("one"), vector: vector(1) }, { key: contentKey("two"), vector: vector(2) }, { key: contentKey("one"), vector: vector(9) }]);
    const again = new VectorCache({ dir, embedder: "a".repeat(32), dims: 4 });
    const [one, three, two] = await again.get([contentKey("one"), contentKey("three"), contentKey("two")]);
    assert.deepEqual(Array.from(one!), Array.from(vector(1)), "the first vector of a key stays");
    assert.equal(three, undefined);
    assert.deepEqual(Array.from(two!), Array.from(vector(2)));
    assert.equal(await again.size(), 2);
    const other = new VectorCache({ dir, embedder: "b".repeat(32), dims: 4 });
    assert.deepEqual(await other.get([contentKey("one")]), [undefined], "each embedder has its own");
  });

  it("keeps every vector at its key when puts and gets overlap (two batches embedding at once)", async () => {
    const dims = 256;
    const big = (seed: number): Float32Array => Float32Array.from({ length: dims }, (_, i) => seed + i / 1000);
    const cache = new VectorCache({ dir: path.join(dir, "overlap"), embedder: "d".repeat(32), dims });
    const first = Array.from({ length: 2000 }, (_, i) => ({ key: contentKey(`first ${i}`), vector: big(i) }));
    const second = Array.from({ length: 5 }, (_, i) => ({ key: contentKey(`second ${i}`), vector: big(10_000 + i) }));
    await Promise.all([cache.put(first), cache.get([contentKey("first 0")]), cache.put(second)]);
    const reopened = new VectorCache({ dir: path.join(dir, "overlap"), embedder: "d".repeat(32), dims });
    for (const cacheNow of [cache, reopened]) {
      const got = await cacheNow.get([...first, ...second].map((entry) => entry.key));
      const wrong = [...first, ...second].filter((entry, i) => got[i]?.[0] !== entry.vector[0]).length;
      assert.equal(wrong, 0, `${wrong} keys read another key's vector`);
    }
  });

  it("two processes writing the same files (the extension and its indexing process): each reads and writes at the right places", async () => {
    const shared = { dir: path.join(dir, "two-writers"), embedder: "e".repeat(32), dims: 4 };
    const parent = new VectorCache(shared);
    const child = new VectorCache(shared);
    await parent.put([{ key: contentKey("p1"), vector: vector(1) }]);
    // Only read so far: a later write must not cut off what the child added meanwhile.
    const reader = new VectorCache(shared);
    assert.deepEqual(await reader.get([contentKey("c1")]), [undefined]);
    await child.put([{ key: contentKey("c1"), vector: vector(3) }, { key: contentKey("c2"), vector: vector(4) }]);
    await parent.put([{ key: contentKey("p2"), vector: vector(2) }]);
    await reader.put([{ key: contentKey("r1"), vector: vector(5) }]);
    const expected: Array<[string, number]> = [["p1", 1], ["c1", 3], ["c2", 4], ["p2", 2], ["r1", 5]];
    for (const cache of [parent, child, reader, new VectorCache(shared)]) {
      const got = await cache.get(expected.map(([key]) => contentKey(key)));
      assert.deepEqual(got.map((v) => v && Array.from(v)), expected.map(([, seed]) => Array.from(vector(seed))));
    }
    // Another process drops the older half: the others read the files again, not their old places.
    const dropper = new VectorCache({ ...shared, maxBytes: 4 * 4 * 5 });
    await dropper.put([{ key: contentKey("d1"), vector: vector(6) }]);
    const [p1, d1, r1] = await parent.get([contentKey("p1"), contentKey("d1"), contentKey("r1")]);
    assert.equal(p1, undefined, "dropped");
    assert.deepEqual(Array.from(d1!), Array.from(vector(6)));
    assert.deepEqual(Array.from(r1!), Array.from(vector(5)));
  });

  it("reads a torn append as the records both files hold, and appends after them", async () => {
    const torn = path.join(dir, "torn");
    const cache = new VectorCache({ dir: torn, embedder: "c".repeat(32), dims: 4 });
    await cache.put([{ key: contentKey("kept"), vector: vector(3) }]);
    appendFileSync(path.join(torn, `${"c".repeat(16)}.vec`), Buffer.alloc(7)); // a crash mid-append
    const reopened = new VectorCache({ dir: torn, embedder: "c".repeat(32), dims: 4 });
    assert.equal(await reopened.size(), 1);
    await reopened.put([{ key: contentKey("next"), vector: vector(4) }]);
    const [kept, next] = await new VectorCache({ dir: torn, embedder: "c".repeat(32), dims: 4 }).get([contentKey("kept"), contentKey("next")]);
    assert.deepEqual(Array.from(kept!), Array.from(vector(3)));
    assert.deepEqual(Array.from(next!), Array.from(vector(4)));
  });

  it("drops the older half past its size bound", async () => {
    const bounded = path.join(dir, "bounded");
    const cache = new VectorCache({ dir: bounded, embedder: "d".repeat(32), dims: 4, maxBytes: 16 * 10 });
    for (let i = 0; i < 12; i++) await cache.put([{ key: contentKey(`k${i}`), vector: vector(i) }]);
    const size = await cache.size();
    assert.ok(size > 0 && size <= 10, `kept ${size}`);
    const [oldest, newest] = await cache.get([contentKey("k0"), contentKey("k11")]);
    assert.equal(oldest, undefined);
    assert.deepEqual(Array.from(newest!), Array.from(vector(11)));
    assert.deepEqual(readdirSync(bounded).sort(), [`${"d".repeat(16)}.keys`, `${"d".repeat(16)}.vec`]);
  });
});
