import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Slots } from "../../src/core/util/slots";

describe("slots", () => {
  it("runs at most `size` tasks at once across callers, first come first served, and frees a slot on failure", async () => {
    const slots = new Slots(2);
    let running = 0;
    let most = 0;
    const started: string[] = [];
    const task = (name: string, fail = false) => slots.run(async () => {
      started.push(name);
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      if (fail) throw new Error(`${name} failed`);
      return name;
    });
    const first = ["a1", "a2", "a3"].map((name) => task(name, name === "a2"));
    const second = ["b1", "b2"].map((name) => task(name));
    const results = await Promise.allSettled([...first, ...second]);
    assert.equal(most, 2);
    assert.deepEqual(started, ["a1", "a2", "a3", "b1", "b2"], "the first caller's queued tasks go before the second's");
    assert.equal(results.filter((r) => r.status === "rejected").length, 1);
    assert.equal(await task("after"), "after", "the failed task's slot was given back");
    assert.throws(() => new Slots(0), /at least 1/);
  });
});
