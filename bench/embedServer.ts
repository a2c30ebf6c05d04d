// The local OpenAI-protocol test server in a process of its own, as a real embedding server is
// (bench/embedOverlap.ts): answers each /v1/embeddings request after `delayMs(inputs)`. Tells its
// URL, and on request its requests in flight, over IPC.
import { TestModelServer } from "../test/support/modelServer";

const [base, perInput, dims] = process.argv.slice(2).map(Number);

void (async () => {
  const server = await TestModelServer.start({ embeddingDims: dims, embeddingDelayMs: (inputs) => base + perInput * inputs });
  process.on("message", (message: { ask: "stats" | "reset" | "close" }) => {
    const flight = server.embeddingsInFlight;
    if (message.ask === "stats") {
      process.send!({ stats: { ...flight, timeOrigin: performance.timeOrigin, requests: server.to("/v1/embeddings").length, bodies: server.to("/v1/embeddings").map((r) => r.raw) } });
    } else if (message.ask === "reset") {
      Object.assign(flight, { now: 0, max: 0, weightedMs: 0, since: undefined, last: undefined });
      server.requests.length = 0;
      process.send!({ reset: true });
    } else void server.close().then(() => process.exit(0));
  });
  process.send!({ url: server.url });
})();
