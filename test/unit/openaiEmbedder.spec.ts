import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { after, before, describe, it } from "node:test";
import { EmbeddingDimensionError, OpenAIEmbedder } from "../../src/core/embed/openai";
import { HttpReranker } from "../../src/core/retrieval/reranker";
import { cl100k } from "../../src/core/util/tokens";
import { TestModelServer } from "../support/modelServer";

const docs = (n: number, text = "parse the request body"): Array<{ title: string; text: string }> =>
  Array.from({ length: n }, (_, i) => ({ title: `fn${i}`, text: `${text} ${i}` }));

describe("the OpenAI-compatible embedder, over real HTTP", () => {
  let server: TestModelServer;

  before(async () => {
    server = await TestModelServer.start({ apiKey: "sk-test", maxEmbeddingInputs: 8, maxEmbeddingChars: 4000 });
  });
  after(() => server.close());

  const embedder = (options: Partial<ConstructorParameters<typeof OpenAIEmbedder>[0]> = {}): OpenAIEmbedder =>
    new OpenAIEmbedder({ baseURL: server.url, model: "test-embed", apiKey: "sk-test", dims: 32, maxRetries: 3, ...options });

  it("asks the server for the vector length when none is given, and sends the key", async () => {
    const before = server.to("/v1/embeddings").length;
    const connected = await OpenAIEmbedder.connect({ baseURL: server.url, model: "test-embed", apiKey: "sk-test" });
    assert.equal(connected.dims, 32);
    const probe = server.to("/v1/embeddings").slice(before);
    assert.equal(probe.length, 1);
    assert.equal(probe[0].headers.authorization, "Bearer sk-test");
    assert.equal(probe[0].body.encoding_format, "float");
  });

  it("batches by count and by tokens, keeps the order, and reports progress", async () => {
    const progress: number[] = [];
    const requests: number[] = [];
    const input = docs(20);
    const vectors = await embedder({ maxBatchItems: 8, onRequest: (n) => requests.push(n) }).embedDocuments(input, undefined, (count) => progress.push(count));
    assert.deepEqual(requests, [8, 8, 4]);
    assert.deepEqual([...progress].sort(), [4, 8, 8], "each request's inputs, as it is done");
    const single = await embedder().embedDocuments([input[13]]);
    assert.deepEqual(Array.from(vectors[13]), Array.from(single[0]), "each vector belongs to its input");
    const sentBefore = server.to("/v1/embeddings").length;
    await embedder({ maxBatchItems: 8, maxBatchTokens: 1000 }).embedDocuments(docs(6, "word ".repeat(300)));
    const sent = server.to("/v1/embeddings").slice(sentBefore).map((request) => (request.body.input as string[]).reduce((sum, text) => sum + cl100k.count(text), 0));
    // About 300 tokens each: three fit in 1,000, the fourth would not.
    assert.deepEqual(sent.length, 2, `token budget splits the batch: ${sent}`);
    assert.ok(sent.every((tokens) => tokens <= 1000 && tokens > 600), `each request fills but keeps the budget: ${sent}`);
  });

  it("leaves no listener on the caller's signal once its requests are done (an index run's signal lives for thousands)", async () => {
    const run = new AbortController();
    await embedder({ maxBatchItems: 2 }).embedDocuments(docs(24), run.signal);
    assert.equal(server.to("/v1/embeddings").length > 0, true);
    assert.deepEqual(getEventListeners(run.signal, "abort"), []);
  });

  it("cuts an input to the model's token limit instead of failing on it", async () => {
    const long = [{ title: "big", text: "token ".repeat(3000) }];
    const [vector] = await embedder({ maxInputTokens: 500 }).embedDocuments(long);
    assert.equal(vector.length, 32);
    const sent = server.to("/v1/embeddings").at(-1)!.body.input[0] as string;
    assert.ok(sent.length < 4000, `sent ${sent.length} characters`);
  });

  it("a model whose input limit is under the configured one: the refused input is found in its batch, cut until taken, and later inputs are cut before they go", async () => {
    const cuts: Array<[number, number]> = [];
    const strict = embedder({ maxInputTokens: 100_000, maxBatchItems: 8, onInputCut: (from, to) => cuts.push([from, to]) });
    const input = docs(7);
    input[3] = { title: "big", text: "token ".repeat(3000) };
    input[5] = { title: "bigger", text: "token ".repeat(3500) };
    const before = server.to("/v1/embeddings").length;
    const vectors = await strict.embedDocuments(input);
    assert.equal(vectors.length, 7);
    for (const i of [0, 6]) assert.deepEqual(Array.from(vectors[i]), Array.from((await embedder().embedDocuments([input[i]]))[0]), `input ${i} keeps its own vector`);
    assert.ok(cuts.length >= 1 && cuts.every(([from, to], i) => to < from && (i === 0 || to < cuts[i - 1][1])), `each cut lower than the last: ${JSON.stringify(cuts)}`);
    const limit = cuts.at(-1)![1];
    const sent = server.to("/v1/embeddings").slice(before);
    assert.ok(sent.length <= 16, `${sent.length} requests`);
    // Once the limit was learned, the second long input went cut the first time.
    const longSent = sent.flatMap((request) => request.body.input as string[]).filter((text) => text.includes("bigger"));
    assert.ok(longSent.filter((text) => text.length > 4000).length <= 1, "the later long input was refused at most once, in its first batch");
    assert.ok(cl100k.count(longSent.at(-1)!) <= limit);
    const after = server.to("/v1/embeddings").length;
    await strict.embedDocuments([{ title: "again", text: "token ".repeat(5000) }]);
    assert.equal(server.to("/v1/embeddings").length - after, 1, "a later long input is cut before it is sent");
  });

  it("takes the limit a refusal names (TEI's 413), and cuts after llama.cpp's 500 without retrying it; refusals of other kinds still fail", async () => {
    const long = [{ title: "big", text: "token ".repeat(3000) }];
    server.settings.tooLongReply = { status: 413, message: "Input validation error: `inputs` must have less than 512 tokens. Given: 3002" };
    try {
      const cuts: Array<[number, number]> = [];
      const before = server.to("/v1/embeddings").length;
      await embedder({ maxInputTokens: 100_000, onInputCut: (from, to) => cuts.push([from, to]) }).embedDocuments(long);
      assert.equal(cuts.length, 1);
      assert.equal(cuts[0][1], Math.floor(512 * 0.85), "the named limit, with the tokenizers' margin");
      assert.equal(server.to("/v1/embeddings").length - before, 2, "refused once, then taken");

      server.settings.tooLongReply = { status: 500, message: "input is too large to process. increase the physical batch size" };
      const retries: number[] = [];
      const [vector] = await embedder({ maxInputTokens: 100_000, onRetry: (_error, _wait, attempt) => retries.push(attempt) }).embedDocuments(long);
      assert.equal(vector.length, 32);
      assert.deepEqual(retries, [], "a refusal as too long is not retried as a failing server is");

      // Just over a named limit: cut to it (with the margin), not to half.
      server.settings.tooLongReply = { status: 413, message: "Input validation error: `inputs` must have less than 2600 tokens. Given: 3002" };
      const near: Array<[number, number]> = [];
      server.settings.maxEmbeddingChars = 2600 * 6; // "token " is one token of six characters
      try {
        await embedder({ maxInputTokens: 100_000, onInputCut: (from, to) => near.push([from, to]) }).embedDocuments(long);
      } finally {
        server.settings.maxEmbeddingChars = 4000;
      }
      assert.deepEqual(near.map(([, to]) => to), [Math.floor(2600 * 0.85)]);

      for (const message of ["Invalid input: the model does not exist", "worker timeout: the request took too long", "Input list exceeds the limit of 2048 inputs per request"]) {
        server.settings.tooLongReply = { status: message.startsWith("worker") ? 500 : 400, message };
        await assert.rejects(embedder({ maxInputTokens: 100_000, maxRetries: 0 }).embedDocuments(long), (error: Error) => error.message.includes(message.slice(0, 20)), message);
      }
      // Refused however short: not cut for ever, the refusal is said.
      server.settings.tooLongReply = { status: 400, message: "This model's maximum context length is 8 tokens." };
      await assert.rejects(embedder({ maxInputTokens: 100_000 }).embedDocuments(long), /maximum context length is 8 tokens/);
    } finally {
      server.settings.tooLongReply = undefined;
    }
  });

  it("waits out a 429's Retry-After, retries a 500, and gives up after its retries", async () => {
    server.enqueueEmbeddings({ kind: "error", status: 429, retryAfter: 1 }, { kind: "error", status: 500 });
    const before = server.to("/v1/embeddings").length;
    const started = Date.now();
    const [vector] = await embedder().embedDocuments(docs(1));
    const sent = server.to("/v1/embeddings").slice(before);
    assert.equal(vector.length, 32);
    assert.equal(sent.length, 3, "two failures, then the answer");
    assert.ok(sent[1].time - sent[0].time >= 900, `retried ${sent[1].time - sent[0].time} ms after the 429 that asked for 1 s`);
    assert.ok(Date.now() - started < 10_000);
    server.enqueueEmbeddings({ kind: "error", status: 503 }, { kind: "error", status: 503 });
    await assert.rejects(embedder({ maxRetries: 1 }).embedDocuments(docs(1)), /\b503\b/);
  });

  it("stops waiting out a Retry-After when cancelled; one of more than a minute gets the client's own short backoff", async () => {
    server.enqueueEmbeddings({ kind: "error", status: 429, retryAfter: 30 });
    const controller = new AbortController();
    const started = Date.now();
    const pending = embedder().embedDocuments(docs(1), controller.signal);
    setTimeout(() => controller.abort(), 200);
    await assert.rejects(pending, /abort/i);
    assert.ok(Date.now() - started < 5_000, `the cancel took ${Date.now() - started} ms`);
    server.enqueueEmbeddings({ kind: "error", status: 429, retryAfter: 600 });
    const before = server.to("/v1/embeddings").length;
    const asked = Date.now();
    const [vector] = await embedder().embedDocuments(docs(1));
    assert.equal(vector.length, 32);
    assert.ok(Date.now() - asked < 5_000, `answered after ${Date.now() - asked} ms, not ten minutes`);
    assert.equal(server.to("/v1/embeddings").length - before, 2);
  });

  it("times out a request that gets no answer, and cancels on abort", async () => {
    server.enqueueEmbeddings({ kind: "hang-before-headers" });
    await assert.rejects(embedder({ timeoutMs: 300, maxRetries: 0 }).embedDocuments(docs(1)), /timed out|timeout/i);
    server.enqueueEmbeddings({ kind: "hang-before-headers" });
    const controller = new AbortController();
    const pending = embedder({ maxRetries: 0 }).embedDocuments(docs(1), controller.signal);
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(pending, /abort/i);
  });

  it("times out an answer that stalls in its body, retries one cut off mid-body, and says what a malformed answer was", async () => {
    server.enqueueEmbeddings({ kind: "hang" });
    await assert.rejects(embedder({ timeoutMs: 300, maxRetries: 0 }).embedDocuments(docs(1)), /answer timed out: not whole after 0\.3 s/);
    server.enqueueEmbeddings({ kind: "hang" }, { kind: "cut" });
    const before = server.to("/v1/embeddings").length;
    const [vector] = await embedder({ timeoutMs: 300, maxRetries: 2 }).embedDocuments(docs(1));
    assert.equal(vector.length, 32);
    assert.equal(server.to("/v1/embeddings").length - before, 3, "a stalled answer and a cut one, each retried");
    const vectors = (values: unknown[]): string => JSON.stringify({ object: "list", data: [{ object: "embedding", index: 0, embedding: values }] });
    const answers: Array<[string, string, RegExp]> = [
      ["text/html", "<!DOCTYPE html><html><body>Web UI</body></html>", /did not answer as \/v1\/embeddings does \(text starting "<!DOCTYPE html>/],
      ["application/json", JSON.stringify({ object: "list" }), /did not answer as \/v1\/embeddings does \(no list of vectors\)/],
      ["application/json", vectors([0.5, null, ...new Array(30).fill(0.1)]), /values that are not numbers/],
      ["application/json", vectors(new Array(32).fill(0)), /a vector of zeros/],
      ["application/json", vectors(new Array(32).fill(0.1)).replace("0.1", "NaN"), /answered JSON that does not parse/],
    ];
    for (const [contentType, body, expected] of answers) {
      server.enqueueEmbeddings({ kind: "raw", contentType, body });
      await assert.rejects(embedder({ maxRetries: 0 }).embedDocuments(docs(1)), expected, body.slice(0, 60));
    }
  });

  it("refuses vectors of another length than the index holds, with a clear error", async () => {
    server.settings.embeddingDims = 16;
    try {
      await assert.rejects(embedder().embedDocuments(docs(2)), (error: Error) => {
        assert.ok(error instanceof EmbeddingDimensionError);
        assert.match(error.message, /returned 16-dimensional vectors; this index holds 32/);
        return true;
      });
    } finally {
      server.settings.embeddingDims = 32;
    }
  });

  it("refuses a server URL with a user name or password in it, without repeating them (the URL is stored in the index and shown)", async () => {
    assert.throws(() => embedder({ baseURL: server.url.replace("http://", "http://alice:s3cr3t-pw@") }), (error: Error) => /holds a user name or password/.test(error.message) && !error.message.includes("s3cr3t"));
    assert.throws(() => new HttpReranker({ baseURL: server.url.replace("http://", "http://alice:s3cr3t-pw@"), model: "r" }), (error: Error) => /holds a user name or password/.test(error.message) && !error.message.includes("s3cr3t"));
    assert.equal(server.to("/v1/embeddings").filter((request) => request.raw.includes("s3cr3t")).length, 0);
  });

  it("caches query vectors", async () => {
    const e = embedder();
    const before = server.to("/v1/embeddings").length;
    const a = await e.embedQuery("where is the body parsed");
    const b = await e.embedQuery("where is the body parsed");
    assert.equal(a, b);
    assert.equal(server.to("/v1/embeddings").length - before, 1);
  });
});
