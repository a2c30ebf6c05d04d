// Citations in an answer, checked against the context that was actually sent: `[path:12-30]` is
// valid when a sent item of that path covers those lines; anything else is flagged, so the UI can
// mark it instead of linking the user to code the model never saw. The grammar is shared/citation.
import { findCitations } from "../../shared/citation";
import type { ContextItem } from "../retrieval/contextPack";
import { samePath } from "../../shared/fsPaths";

export interface CitationCheck {
  /** As written in the answer, without brackets. */
  text: string;
  path: string;
  startLine: number;
  endLine: number;
  valid: boolean;
  /** The sent item that backs it. */
  item?: string;
}

/** Each distinct citation of an answer, in order of first appearance. */
export function parseCitations(answer: string): Array<Omit<CitationCheck, "valid" | "item">> {
  const found = new Map<string, Omit<CitationCheck, "valid" | "item">>();
  for (const { text, path, startLine, endLine } of findCitations(answer)) if (!found.has(text)) found.set(text, { text, path, startLine, endLine });
  return [...found.values()];
}

export function checkCitations(answer: string, sent: readonly Pick<ContextItem, "path" | "startLine" | "endLine" | "citation">[]): CitationCheck[] {
  return parseCitations(answer).map((citation) => {
    const item = sent.find((s) => samePath(s.path, citation.path) && s.startLine <= citation.startLine && citation.endLine <= s.endLine);
    return { ...citation, valid: item !== undefined, item: item?.citation };
  });
}
