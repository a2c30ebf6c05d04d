// Worker-thread entry: chunks files off the caller's thread (the extension host's, in VS Code),
// and embeds the chunks too when asked to (the builtin embedder is plain computation).
import { parentPort, workerData } from "node:worker_threads";
import { BuiltinEmbedder } from "../embed/builtin";
import { embedderIdentity } from "../embed/embedder";
import { errorMessage } from "../host";
import { embeddingInput, textFields } from "../index/rows";
import { Chunker, type ChunkerOptions } from "./chunker";

export interface ChunkRequest {
  id: number;
  path: string;
  text: string;
}

export interface WorkerSetup {
  chunker?: ChunkerOptions;
  /** Embed with the builtin embedder of these dims. */
  builtinEmbedderDims?: number;
}

const setup = (workerData as WorkerSetup | undefined) ?? {};
const chunker = new Chunker(setup.chunker ?? {});
const embedder = setup.builtinEmbedderDims ? new BuiltinEmbedder({ dims: setup.builtinEmbedderDims }) : undefined;

parentPort?.on("message", (request: ChunkRequest) => {
  chunker.chunkFile(request.path, request.text).then(
    (result) => {
      if (!embedder) return parentPort?.postMessage({ id: request.id, result });
      const vectors = result.chunks.map((chunk) => {
        const input = embeddingInput(chunk);
        return embedder.embedSync(input.text, input.title);
      });
      const texts = result.chunks.map(textFields);
      parentPort?.postMessage({ id: request.id, result: { ...result, vectors, texts, embedderId: embedderIdentity(embedder) } }, vectors.map((v) => v.buffer as ArrayBuffer));
    },
    (error: unknown) => parentPort?.postMessage({ id: request.id, error: errorMessage(error) }),
  );
});
