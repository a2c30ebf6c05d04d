// Worker-thread entry of the indexing pipeline: runs the per-file stages off the caller's thread
// (the extension host's, in VS Code): chunk, then, when set up with the builtin embedder, embed
// and fields; or only embed and fields, for chunks another worker made (the pool's embed workers).
// It also answers the chunker's fingerprint, which needs a parse.
import { getHeapStatistics } from "node:v8";
import { parentPort, workerData } from "node:worker_threads";
import { Chunker, type ChunkerOptions } from "../chunk/chunker";
import type { Chunk } from "../chunk/types";
import { parserMemoryBytes } from "../chunk/grammars";
import { BuiltinEmbedder } from "../embed/builtin";
import { errorMessage } from "../util/host";
import { chunkerFingerprint } from "./fingerprint";
import { embedWithFields } from "./rows";
import type { ProcessedFile } from "./stages";

export type StageRequest = { id: number; path: string; text: string } | { id: number; embed: Chunk[] } | { id: number; fingerprint: true };

/** The embed and fields stages' output for a file's chunks (an embed request's result). */
export type EmbeddedChunks = Required<Pick<ProcessedFile, "embedded" | "fields">>;

export interface WorkerSetup {
  chunker?: ChunkerOptions;
  /** Run the embed and fields stages too, with the builtin embedder of these dims. */
  builtinEmbedderDims?: number;
}

const setup = (workerData as WorkerSetup | undefined) ?? {};
const chunker = new Chunker(setup.chunker ?? {});
const embedder = setup.builtinEmbedderDims ? new BuiltinEmbedder({ dims: setup.builtinEmbedderDims }) : undefined;

async function process(path: string, text: string): Promise<{ result: ProcessedFile; transfer: ArrayBuffer[] }> {
  const chunked = await chunker.chunkFile(path, text); // stage: chunk
  if (!embedder) return { result: { chunked }, transfer: [] };
  const { result, transfer } = embed(chunked.chunks);
  return { result: { chunked, ...result }, transfer };
}

/** Stages embed and fields, from one scan of each chunk's identifiers; the vectors' memory moves to the caller. */
function embed(chunks: readonly Chunk[]): { result: EmbeddedChunks; transfer: ArrayBuffer[] } {
  if (!embedder) throw new Error("this indexing worker has no embedder");
  const vectors: Float32Array[] = [];
  const fields: Array<[string, string]> = [];
  for (const chunk of chunks) {
    const out = embedWithFields(embedder, chunk);
    vectors.push(out.vector);
    fields.push(out.fields);
  }
  return { result: { embedded: { embedder: embedder.fingerprint, vectors }, fields }, transfer: vectors.map((v) => v.buffer as ArrayBuffer) };
}

// The caller posts the next file before this one is done: files are worked on one at a time, in order.
let previous: Promise<unknown> = Promise.resolve();

parentPort?.on("message", (request: StageRequest) => {
  const work = previous.then(async (): Promise<{ result: unknown; transfer: ArrayBuffer[] }> => {
    if ("fingerprint" in request) return { result: await chunkerFingerprint(chunker), transfer: [] };
    return "embed" in request ? embed(request.embed) : process(request.path, request.text);
  });
  previous = work.catch(() => undefined);
  // With each reply, what this worker holds: the pool replaces a worker that grew too large.
  const held = (): { parserBytes: number; heapBytes: number } => ({ parserBytes: parserMemoryBytes(), heapBytes: getHeapStatistics().used_heap_size });
  work.then(
    ({ result, transfer }) => parentPort?.postMessage({ id: request.id, result, ...held() }, transfer),
    (error: unknown) => parentPort?.postMessage({ id: request.id, error: errorMessage(error), ...held() }),
  );
});

// Loaded and listening: the pool starts a file's time limit from here, not from the thread's start.
parentPort?.postMessage({ ready: true });
