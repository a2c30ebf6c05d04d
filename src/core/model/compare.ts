// Compare: one question, retrieved once, sent with the same context to two profiles (base vs
// LoRA, or one profile with and without retrieval) in parallel; the answers come back side by
// side with their latency and token counts.
import type { AskRequest, AskResult, GroundedChat, Grounding } from "./groundedChat";

export interface CompareSide {
  chat: GroundedChat;
  /** False: this side gets no retrieved code (conventions still apply). */
  retrieval?: boolean;
}

export interface CompareRequest extends Pick<AskRequest, "question" | "activeFile" | "editorContext" | "signal"> {
  onDelta?: (side: 0 | 1, text: string) => void;
}

export interface CompareResult {
  grounding: Grounding;
  results: [AskResult, AskResult];
}

export async function compareProfiles(sides: readonly [CompareSide, CompareSide], request: CompareRequest): Promise<CompareResult> {
  const grounding = await sides[0].chat.retrieve(request.question, request.activeFile);
  const run = (side: 0 | 1): Promise<AskResult> =>
    sides[side].chat.ask({
      question: request.question, activeFile: request.activeFile, editorContext: request.editorContext, signal: request.signal, purpose: "compare",
      grounding: sides[side].retrieval === false ? { context: [], conventions: grounding.conventions } : grounding,
      retrieval: sides[side].retrieval,
      onDelta: (text) => request.onDelta?.(side, text),
    });
  const results = await Promise.all([run(0), run(1)]);
  return { grounding, results: [results[0], results[1]] };
}
