// Terminal output for the CLI: a progress line on stderr, results on stdout.
import type { IndexProgress, IndexRunResult, SearchHit } from "../core/codebase";

export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): (progress: IndexProgress) => void {
  let lastPrinted = 0;
  return (progress) => {
    const now = Date.now();
    const final = progress.phase === "done" || progress.phase === "finishing";
    if (!final && now - lastPrinted < (stream.isTTY ? 100 : 2000)) return;
    lastPrinted = now;
    const line = progress.phase === "scanning"
      ? "scanning..."
      : `${progress.phase} ${progress.filesDone}/${progress.filesTotal} files, ${progress.chunksWritten} chunks` +
        (progress.embedding ? `; embedded ${progress.embedding.embedded} (${progress.embedding.cached} from the cache, ${progress.embedding.queued} to go)` : "");
    if (stream.isTTY) stream.write(`\r\x1b[K${line}${progress.phase === "done" ? "\n" : ""}`);
    else stream.write(line + "\n");
  };
}

export function summary(result: IndexRunResult): string {
  return [
    `indexed ${result.filesIndexed} files (${result.filesUnchanged} unchanged, ${result.filesSkipped} skipped, ` +
      `${result.filesRemoved} removed, ${result.filesFailed} failed)`,
    `${result.chunksWritten} chunks written, ${result.totalChunks} chunks in the index` +
      (result.chunksEmbedded || result.vectorsReused ? ` (${result.chunksEmbedded} embedded by the embedding model, ${result.vectorsReused} from its cache)` : ""),
    `${result.seconds.toFixed(1)} s${result.cancelled ? " (cancelled)" : ""}`,
  ].join("; ");
}

export function formatHits(hits: readonly SearchHit[]): string {
  if (hits.length === 0) return "No results.";
  return hits
    .map((hit, i) => {
      const why = Object.entries(hit.ranks).map(([source, rank]) => `${source} #${rank}`).join(", ");
      return `${String(i + 1).padStart(2)}. ${hit.path}:${hit.startLine}-${hit.endLine}  ${hit.kind} ${hit.symbol}  (${hit.score.toFixed(4)}; ${why})`;
    })
    .join("\n") + (hits[0].fallback ? `\nnote: ${hits[0].fallback}` : "");
}
