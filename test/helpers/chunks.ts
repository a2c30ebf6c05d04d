// Checks shared by the chunker tests: no line of a file is ever lost.
import assert from "node:assert/strict";
import type { Chunk } from "../../src/core/chunk/types";

/** Every non-blank line is inside some chunk; chunk texts are exactly their lines; no range twice. */
export function assertNothingDropped(relPath: string, text: string, chunks: readonly Chunk[]): void {
  const lines = text.split(/\r?\n/);
  const ranges = chunks.map((c) => `${c.startLine}-${c.endLine}`);
  assert.equal(new Set(ranges).size, ranges.length, `${relPath}: two chunks share a range`);
  const covered = new Uint8Array(lines.length + 1);
  for (const chunk of chunks) {
    assert.ok(chunk.startLine >= 1 && chunk.endLine >= chunk.startLine && chunk.endLine <= lines.length, `${relPath}: bad range ${chunk.startLine}-${chunk.endLine}`);
    assert.equal(chunk.text, lines.slice(chunk.startLine - 1, chunk.endLine).join("\n"), `${relPath}:${chunk.startLine} text mismatch`);
    covered.fill(1, chunk.startLine, chunk.endLine + 1);
  }
  lines.forEach((line, i) => {
    if (line.trim()) assert.ok(covered[i + 1], `${relPath}:${i + 1} dropped: ${JSON.stringify(line.slice(0, 80))}`);
  });
}
