// Chunkers for text without a grammar: Markdown by headings, anything else by line windows.
import type { ChunkerLimits, Piece } from "./types";

const FENCE = /^\s{0,3}(```|~~~)/;
const ATX = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const SETEXT = /^\s{0,3}(=+|-+)\s*$/;

interface Heading {
  row: number;
  level: number;
  title: string;
}

function headings(lines: readonly string[]): Heading[] {
  const found: Heading[] = [];
  let fence: string | undefined;
  for (let row = 0; row < lines.length; row++) {
    const line = lines[row];
    const fenceMatch = FENCE.exec(line);
    if (fenceMatch) {
      if (!fence) fence = fenceMatch[1];
      else if (fenceMatch[1] === fence) fence = undefined;
      continue;
    }
    if (fence) continue;
    const atx = ATX.exec(line);
    if (atx) {
      found.push({ row, level: atx[1].length, title: atx[2] });
      continue;
    }
    const next = lines[row + 1];
    if (next !== undefined && line.trim() && !/^\s*[-*+>]/.test(line) && SETEXT.exec(next)) {
      found.push({ row, level: next.trim()[0] === "=" ? 1 : 2, title: line.trim() });
      row++;
    }
  }
  return found;
}

/** Markdown split at headings; each section's scope is the path of headings above it. */
export function markdownPieces(lines: readonly string[], limits: ChunkerLimits, fileLabel: string): Piece[] {
  const found = headings(lines);
  const pieces: Piece[] = [];
  const trail: Heading[] = [];
  const starts = found.length > 0 && found[0].row === 0 ? found : [{ row: 0, level: 0, title: fileLabel }, ...found];
  for (let i = 0; i < starts.length; i++) {
    const heading = starts[i];
    while (trail.length > 0 && trail[trail.length - 1].level >= heading.level) trail.pop();
    const scope = trail.map((h) => h.title).join(" > ");
    trail.push(heading);
    const end = i + 1 < starts.length ? starts[i + 1].row - 1 : lines.length - 1;
    const label = { symbol: heading.title, kind: "section" as const, scope, signature: lines[heading.row]?.trim() ?? "" };
    pieces.push(...lineWindows(lines, heading.row, end, limits, label));
  }
  return pieces;
}

/** Rows [start, end] cut into windows of at most `windowLines` lines and `maxChars` characters. */
export function lineWindows(
  lines: readonly string[],
  start: number,
  end: number,
  limits: ChunkerLimits,
  label: Omit<Piece, "start" | "end">,
): Piece[] {
  const pieces: Piece[] = [];
  let row = start;
  while (row <= end) {
    let last = row;
    let chars = lines[row].length + 1;
    while (last < end && last - row + 1 < limits.windowLines && chars + lines[last + 1].length + 1 <= limits.maxChars) {
      last++;
      chars += lines[last].length + 1;
    }
    if (lines.slice(row, last + 1).some((line) => line.trim())) pieces.push({ start: row, end: last, ...label });
    row = last + 1;
  }
  return pieces;
}
