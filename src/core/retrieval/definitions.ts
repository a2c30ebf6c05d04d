// Which stored chunks answer "where is NAME defined?" and "what uses NAME?", and in what order.
import type { StoredChunk } from "../store/store";
import { codeLines } from "../util/text";
import { type FileRole, ROLE_PRIOR } from "./roles";

/** A symbol's name as it is asked for: an identifier, with Ruby's `?` or `!` at its end (`empty?`, `save!`). */
export const SYMBOL_NAME = /^[A-Za-z_$][\w$]*[?!]?$/;

/** Matches `name` as a whole identifier in code. */
export function occurrencesOf(name: string): RegExp {
  return new RegExp(`(^|[^\\w$])${name.replace(/[.*+?^${}()|[\]\\$!]/g, "\\$&")}(?![\\w$])`, "g");
}

/**
 * Definitions in the order to show them: code before test helpers, tests, examples and docs (the
 * symbol table lists them as stored, a test's fake first as often as not), and only chunks whose
 * text names the symbol: a split container's stray lines (a lone `private`) carry its name but are
 * not where it is defined; a member found inside another definition found goes with it.
 */
export function rankDefinitions<T extends Pick<StoredChunk, "text" | "symbol" | "path" | "startLine" | "endLine"> & { role?: FileRole }>(chunks: readonly T[]): T[] {
  // A member inside another definition found (a class's constructor of the class's name) is shown with it.
  const inside = (a: T, b: T): boolean => a !== b && a.path === b.path && a.startLine >= b.startLine && a.endLine <= b.endLine && (a.startLine > b.startLine || a.endLine < b.endLine);
  const named = chunks.filter((chunk) => occurrencesOf(chunk.symbol).test(chunk.text) && !chunks.some((other) => inside(chunk, other)));
  return byRole(named);
}

/** Code first, then test helpers, tests, examples and docs; in their order within each. */
export function byRole<T extends { role?: FileRole }>(chunks: readonly T[]): T[] {
  const prior = (chunk: T): number => ROLE_PRIOR[chunk.role ?? "code"];
  return chunks.map((chunk, i) => ({ chunk, i })).sort((a, b) => prior(b.chunk) - prior(a.chunk) || a.i - b.i).map(({ chunk }) => chunk);
}

/**
 * Whether a chunk found by a name's full-text search uses it: the name occurs as a whole identifier,
 * and in a chunk that defines the name, more than once outside its comment lines (a recursive call,
 * an overload calling another; not its doc comment).
 */
export function usesName(chunk: Pick<StoredChunk, "text" | "symbol">, name: string): boolean {
  if (chunk.symbol !== name) return occurrencesOf(name).test(chunk.text);
  return (codeLines(chunk.text).join("\n").match(occurrencesOf(name))?.length ?? 0) > 1;
}
