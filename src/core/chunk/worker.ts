// Worker-thread entry: chunks files off the caller's thread (the extension host's, in VS Code).
import { parentPort, workerData } from "node:worker_threads";
import { errorMessage } from "../host";
import { Chunker, type ChunkerOptions } from "./chunker";

export interface ChunkRequest {
  id: number;
  path: string;
  text: string;
}

const chunker = new Chunker((workerData as ChunkerOptions | undefined) ?? {});

parentPort?.on("message", (request: ChunkRequest) => {
  chunker.chunkFile(request.path, request.text).then(
    (result) => parentPort?.postMessage({ id: request.id, result }),
    (error: unknown) => parentPort?.postMessage({ id: request.id, error: errorMessage(error) }),
  );
});
