import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { buildContextPack, formatContextItem, mergeHits } from "../../src/core/retrieval/contextPack";
import { capPerFile, reciprocalRankFusion, scoreFusion } from "../../src/core/retrieval/fusion";
import { searchQuery, textQuery } from "../../src/core/retrieval/query";
import { HttpReranker } from "../../src/core/retrieval/reranker";
import { isPartial, matchTerms, termMatch, termWeight } from "../../src/core/retrieval/termMatch";
import { SEARCH_CODEBASE_TOOL, searchCodebase } from "../../src/core/retrieval/searchTool";
import { DEFAULT_SEARCH, finalScore } from "../../src/core/retrieval/retriever";
import type { ScoreParts, SearchHit } from "../../src/core/retrieval/types";
import { cl100k } from "../../src/core/util/tokens";
import { TestIndex } from "../helpers/index";
import { removeTree, tempDir, writeTree } from "../helpers/workspace";

function hit(path: string, startLine: number, endLine: number, score: number, extra: Partial<SearchHit> = {}): SearchHit {
  const text = Array.from({ length: endLine - startLine + 1 }, (_, i) => `line ${startLine + i} of ${path}`).join("\n");
  return {
    id: `${path}:${startLine}-${endLine}`, path, language: "python", symbol: `f${startLine}`, kind: "function", scope: "",
    startLine, endLine, contentHash: "", header: path, text, score, scores: { fusion: score }, ranks: { vector: 1 }, ...extra, relevance: extra.relevance ?? score,
  };
}

describe("reciprocal-rank fusion", () => {
  it("fuses known rankings into the expected order, keeping each list's rank", () => {
    const fused = reciprocalRankFusion<string>([
      { source: "vector", items: ["a", "b", "c"] },
      { source: "text", items: ["c", "a", "d"] },
    ], (x) => x, 60);
    assert.deepEqual(fused.map((f) => f.item), ["a", "c", "b", "d"]);
    assert.deepEqual(fused[0].ranks, { vector: 1, text: 2 });
    assert.ok(Math.abs(fused[0].score - (1 / 61 + 1 / 62)) < 1e-12);
  });

  it("honours list weights and the k constant", () => {
    const weighted = reciprocalRankFusion<string>([
      { source: "vector", items: ["a", "b"], weight: 0.1 },
      { source: "text", items: ["b", "a"], weight: 1 },
    ], (x) => x, 60);
    assert.equal(weighted[0].item, "b");
    const sharp = reciprocalRankFusion<string>([{ source: "vector", items: ["a", "b"] }], (x) => x, 1);
    assert.ok(sharp[0].score / sharp[1].score > 1.4);
  });

  it("score fusion keeps a clear lead that rank fusion would flatten", () => {
    const lists = [
      { source: "vector" as const, items: [{ id: "a", s: 0.9 }, { id: "b", s: 0.2 }, { id: "c", s: 0.1 }], score: (x: { s: number }) => x.s },
      { source: "text" as const, items: [{ id: "b", s: 10 }, { id: "a", s: 9.5 }, { id: "c", s: 1 }], score: (x: { s: number }) => x.s },
    ];
    const byScore = scoreFusion(lists, (x) => x.id);
    // a: 1 + (9.5-1)/9 = 1.944; b: (0.2-0.1)/0.8 + 1 = 1.125; c: 0.
    assert.deepEqual(byScore.map((f) => f.item.id), ["a", "b", "c"]);
    assert.ok(Math.abs(byScore[0].score - (1 + 8.5 / 9)) < 1e-9);
    assert.deepEqual(byScore[1].ranks, { vector: 2, text: 1 });
    assert.equal(byScore[2].score, 0);
    // Ranks alone tie a and b (1st + 2nd each): the order then falls back to insertion.
    const byRank = reciprocalRankFusion(lists, (x) => x.id, 60);
    assert.equal(byRank[0].score, byRank[1].score);
  });

  it("score fusion weights lists and counts a list without scores by rank", () => {
    const fused = scoreFusion<string>([
      { source: "vector", items: ["a", "b", "c"], weight: 0.5 },
      { source: "text", items: ["c", "b"], weight: 1 },
    ], (x) => x);
    assert.deepEqual(fused.map((f) => [f.item, f.score]), [["c", 1], ["a", 0.5], ["b", 0.25]]);
  });

  it("caps hits per file, keeping order", () => {
    const items = ["a.py", "a.py", "b.py", "a.py", "b.py"].map((p, i) => ({ path: p, i }));
    assert.deepEqual(capPerFile(items, 2).map((x) => x.i), [0, 1, 2, 4]);
  });

  it("splits identifiers in the query and drops stop words", () => {
    assert.equal(textQuery("where is parseURL used for max_retries?"), "where parseurl parse url used max_retries max maximum retries");
    assert.equal(textQuery("rmdir"), "rmdir remove directory");
  });

  it("finds symbols named by a stop word alone, and words in other scripts", async () => {
    const root = tempDir("gw-words-");
    writeTree(root, {
      "pkg.py": "class Package:\n    def install(self, target):\n        return target\n\n\nclass Session:\n    pass\n",
      "maths.py": "def вычислить_сумму(числа):\n    return sum(числа)\n\n\ndef größe_berechnen(breite, höhe):\n    return breite * höhe\n",
    });
    const index = await TestIndex.open({ root, dbPath: path.join(root, ".db") });
    try {
      await index.run();
      const top = async (query: string) => (await index.search(query, { limit: 3, mode: "text" }))[0]?.symbol;
      assert.equal(await top("Package"), "Package");
      assert.equal(await top("class Package"), "Package");
      assert.equal(await top("вычислить сумму"), "вычислить_сумму");
      assert.equal(await top("größe"), "größe_berechnen");
      assert.equal(textQuery("the Package and its install"), "install", "stop words still go when other words are left");
    } finally {
      index.close();
      removeTree(root);
    }
  });

  it("leaves the request's own words out of the lexical query, but never the identifiers or the whole query", () => {
    assert.equal(textQuery(searchQuery("Fixed the bug where hasBrowserEnv is null")), "hasbrowserenv browser env environment");
    assert.equal(textQuery(searchQuery("how does fix_path work?")), "fix_path fix path work");
    assert.equal(textQuery(searchQuery("where is fixIssue called")), "fixissue fix issue called");
    // Nothing else to search for (stop words are not something to search for): the query stays as asked.
    assert.equal(searchQuery("fix the bug"), "fix the bug");
    assert.equal(searchQuery("how do I fix this?"), "how do I fix this?");
    // Written as code, a request word is code.
    assert.equal(textQuery(searchQuery("where is shutil.which used")), "shutil which used");
    assert.equal(textQuery(searchQuery("the `fix` command")), "fix command");
  });
});

describe("context pack", () => {
  it("merges overlapping and adjacent ranges of a file, keeping the best ranks", () => {
    const merged = mergeHits([
      hit("a.py", 10, 20, 0.5, { ranks: { vector: 3 }, scores: { fusion: 0.5, coverage: 0.4, name: 0 } }),
      hit("a.py", 15, 30, 0.9, { ranks: { text: 1 }, scores: { fusion: 0.9, coverage: 0.75, name: 1 } }),
      hit("a.py", 31, 35, 0.2, { ranks: { vector: 1 } }),
      hit("a.py", 50, 55, 0.4),
      hit("b.py", 1, 5, 0.7),
    ]);
    assert.deepEqual(merged.map((m) => m.citation), ["a.py:10-35", "b.py:1-5", "a.py:50-55"]);
    assert.deepEqual(merged[0].ranks, { vector: 1, text: 1 });
    assert.equal(merged[0].coverage, 0.75, "the best term match of the merged chunks");
    assert.equal(merged[1].coverage, undefined, "no second look, no coverage");
    assert.equal(merged[0].text.split("\n").length, 26);
    assert.equal(merged[0].text.split("\n")[25], "line 35 of a.py");
  });

  it("never goes over the budget, whatever the budget", () => {
    const hits = Array.from({ length: 12 }, (_, i) => hit(`f${i}.py`, 1, 5 + i * 7, 1 - i / 100));
    for (const budget of [0, 10, 60, 200, 500, 1500, 100_000]) {
      const pack = buildContextPack(hits, { budget });
      const counted = pack.items.reduce((sum, item) => sum + cl100k.count(formatContextItem(item)), 0);
      assert.ok(counted <= budget, `budget ${budget}: ${counted} tokens`);
      assert.equal(counted, pack.tokens);
      assert.equal(pack.items.length + pack.omitted, 12);
    }
  });

  it("keeps relevance order and cuts the last item to whole lines, saying so", () => {
    const hits = [hit("a.py", 1, 3, 0.9), hit("b.py", 1, 80, 0.8), hit("c.py", 1, 3, 0.1)];
    const full = buildContextPack(hits, { budget: 100_000 });
    assert.deepEqual(full.items.map((i) => i.path), ["a.py", "b.py", "c.py"]);
    const tight = buildContextPack(hits, { budget: full.items[0].tokens + 120 });
    assert.equal(tight.items[1].path, "b.py");
    assert.equal(tight.items[1].truncated, true);
    assert.match(tight.items[1].citation, /^b\.py:1-\d+$/);
    assert.ok(tight.items[1].endLine < 80);
  });
});

describe("term match (the head's second look)", () => {
  it("measures how much of the query a chunk's code and name account for", () => {
    const rmtree = { text: "def rmtree(path):\n    for entry in listing(path):\n        unlink(entry)", symbol: "rmtree" };
    // Query words: remove, directory, tree. rmtree stands for "rm tree" (rm: remove); no "directory".
    const query = matchTerms("Remove a directory tree.");
    const match = termMatch(query, rmtree);
    const [remove, directory, tree] = [...query].map(termWeight);
    assert.ok(Math.abs(match.coverage - (remove + tree) / (remove + directory + tree)) < 1e-12, `coverage ${match.coverage}`);
    assert.ok(match.name > 0.4 && match.name < 1, `name ${match.name}`);
    assert.deepEqual(termMatch(matchTerms("the a of"), rmtree), { coverage: 0, name: 0 });
  });

  it("weighs a rare query word above a common one", () => {
    assert.ok(termWeight("logarithm") > termWeight("valu") * 2, `${termWeight("logarithm")} vs ${termWeight("valu")}`);
    const query = matchTerms("Return the logarithm of the value.");
    const rare = termMatch(query, { text: "def logarithm(x):\n    pass", symbol: "logarithm" });
    const common = termMatch(query, { text: "def get(value):\n    pass", symbol: "get" });
    assert.ok(rare.coverage > 0.5 && common.coverage < 0.5, `rare ${rare.coverage}, common ${common.coverage}`);
  });

  it("gives a statement group's label (its file's name) no name match", () => {
    const query = matchTerms("Parse the routes table.");
    const text = "routes = load_table()\nparse(routes)";
    const named = termMatch(query, { text, symbol: "parse_routes", kind: "function" });
    const label = termMatch(query, { text, symbol: "parse_routes.py", kind: "statements" });
    assert.ok(named.name > 0.5, `named ${named.name}`);
    assert.equal(label.name, 0);
    assert.equal(label.coverage, named.coverage);
  });

  it("counts a word that abbreviates or contains a query word half", () => {
    assert.ok(isPartial("log", "logarithm") && isPartial("largest", "nlargest") && isPartial("logarithm", "log"));
    assert.ok(!isPartial("log", "log") && !isPartial("re", "remove") && !isPartial("set", "offset"));
    const log10 = termMatch(matchTerms("logarithm"), { text: "def log(x):\n    pass", symbol: "log" });
    assert.equal(log10.coverage, 0.5);
    assert.equal(log10.name, 0.5);
    assert.deepEqual(termMatch(matchTerms("logarithm"), { text: "def exp(x):\n    pass", symbol: "exp" }), { coverage: 0, name: 0 });
  });

  it("scores a hit by one rule: the weighted mean of its evidence, in [0, 1]", () => {
    const settings = DEFAULT_SEARCH;
    const { coverage: wc, name: wn } = settings.termMatchWeights;
    const parts: ScoreParts = { fusion: 0.5, coverage: 0.8, name: 1 };
    assert.ok(Math.abs(finalScore(parts, settings, false) - (0.5 + wc * 0.8 + wn) / (1 + wc + wn)) < 1e-12);
    assert.equal(finalScore({ fusion: 1, coverage: 1, name: 1 }, settings, false), 1);
    assert.equal(finalScore({ fusion: 0 }, settings, false), 0);
    // Past the second look's depth a hit has no coverage: its fused score alone, on the same scale.
    assert.ok(finalScore({ fusion: 0.9 }, settings, false) < finalScore({ fusion: 0.5, coverage: 0.5, name: 0 }, settings, false));
    assert.equal(finalScore({ fusion: 0.7 }, { ...settings, termMatchDepth: 0 }, false), 0.7, "no second look: the fusion alone");
    const reranked = finalScore({ fusion: 0.2, coverage: 0, name: 0, rerank: 1 }, settings, true);
    assert.ok(Math.abs(reranked - (0.2 + settings.rerankWeight) / (1 + wc + wn + settings.rerankWeight)) < 1e-12);
  });
});

describe("retriever on a small repository", () => {
  let root: string;
  let db: string;
  let index: TestIndex;

  before(async () => {
    root = tempDir("gw-retr-");
    db = tempDir("gw-retr-db-");
    writeTree(root, {
      "app/main.py": "from app.archive import open_archive\nfrom app.checks import compute_checksum\n\n\ndef publish_release(path):\n    archive = open_archive(path)\n    digest = compute_checksum(archive)\n    return upload(archive, digest)\n",
      "app/archive.py": "import zipfile\n\n\ndef open_archive(path):\n    return zipfile.ZipFile(path)\n",
      "app/checks.py": "import hashlib\n\n\ndef compute_checksum(archive):\n    return hashlib.sha256(archive.read()).hexdigest()\n",
      "app/unrelated.py": "def render_banner(title):\n    return '*' * len(title)\n",
    });
    index = await TestIndex.open({ root, dbPath: path.join(db, "index") });
    await index.run();
  });

  after(() => {
    index.close();
    removeTree(root);
    removeTree(db);
  });

  it("ranks by the final score, which each hit's parts give, and lifts the chunk that holds the query's words", async () => {
    const hits = await index.search("compute the checksum of an archive", { limit: 4 });
    assert.equal(hits[0].symbol, "compute_checksum");
    for (const h of hits) {
      assert.ok(h.score >= 0 && h.score <= 1, `score ${h.score}`);
      assert.ok(Math.abs(h.score - finalScore(h.scores, DEFAULT_SEARCH, false)) < 1e-12, "the score is the documented function of its parts");
      assert.ok(h.scores.coverage !== undefined && h.scores.fusion >= 0 && h.scores.fusion <= 1);
    }
    assert.deepEqual(hits.map((h) => h.score), [...hits.map((h) => h.score)].sort((a, b) => b - a));
  });

  it("expands the top hits with the definitions they reference", async () => {
    const plain = await index.search("publish a release", { limit: 1 });
    assert.equal(plain[0].symbol, "publish_release");
    const expanded = await index.search("publish a release", { limit: 1, expand: true, expandFrom: 1 });
    assert.equal(expanded[0].symbol, "publish_release", "expansion never pushes a hit out");
    const byExpansion = expanded.filter((h) => h.ranks.expansion !== undefined);
    assert.deepEqual(byExpansion.map((h) => h.symbol).sort(), ["compute_checksum", "open_archive"]);
    for (const h of byExpansion) assert.equal(h.expandedFrom, "app/main.py:5-8");
  });

  it("limits definitions per name after ordering them by how much the hits use them", async () => {
    const dir = tempDir("gw-expand-");
    const files: Record<string, string> = {
      "main.py": "def orchestrate_quarterly_report(rows):\n    a = compute_total(rows)\n    b = compute_total(a)\n    c = compute_total(b)\n    d = compute_total(c)\n    return helper(d)\n",
      "zz_math.py": "def compute_total(rows):\n    return sum(rows)\n",
    };
    // A name used once but defined many times, in files the index holds before the one that matters.
    for (let i = 0; i < 30; i++) files[`aa_helpers_${String(i).padStart(2, "0")}.py`] = `def helper(x):\n    return x + ${i}\n`;
    writeTree(dir, files);
    const expanding = await TestIndex.open({ root: dir, dbPath: path.join(dir, ".gw") });
    try {
      await expanding.run();
      const hits = await expanding.search("orchestrate quarterly report", { limit: 1, expand: true, expandFrom: 1, expandLimit: 5 });
      assert.equal(hits[0].symbol, "orchestrate_quarterly_report");
      const expanded = hits.filter((h) => h.ranks.expansion !== undefined).map((h) => h.symbol);
      assert.equal(expanded[0], "compute_total", `the most used name first: ${expanded.join(", ")}`);
      assert.equal(expanded.filter((s) => s === "helper").length, 2, "at most two definitions of one name");
    } finally {
      expanding.close();
      removeTree(dir);
    }
  });

  it("fences each item so that a code block inside it (a README's) can't close the fence", () => {
    const readme = "Install:\n```sh\nnpm i\n```\nThen run it.";
    const text = formatContextItem({ citation: "README.md:1-5", symbols: ["Install"], language: "markdown", text: readme });
    assert.equal(text, `[README.md:1-5] Install\n\`\`\`\`markdown\n${readme}\n\`\`\`\`\n`);
    assert.equal(formatContextItem({ citation: "a.py:1-1", symbols: ["f"], language: "python", text: "pass" }), "[a.py:1-1] f\n```python\npass\n```\n");
  });

  it("answers the search_codebase tool with a cited context pack under the budget", async () => {
    const { pack, text } = await searchCodebase(index, JSON.stringify({ query: "publish a release", limit: 3 }), 400);
    assert.ok(pack.tokens <= 400);
    assert.match(text, /^\[app\/main\.py:5-8\] publish_release\n```python\n/);
    assert.equal(SEARCH_CODEBASE_TOOL.function.name, "search_codebase");
    // The first search's threshold holds for the model's own: nothing weak is sent, and the tool says why.
    const far = await searchCodebase(index, JSON.stringify({ query: "kubernetes ingress certificate rotation" }), 400, 0.99);
    assert.equal(far.pack.items.length, 0);
    assert.match(far.text, /^Nothing close to "kubernetes ingress certificate rotation"/);
    assert.ok((await searchCodebase(index, JSON.stringify({ query: "kubernetes ingress certificate rotation" }), 400)).pack.items.length > 0, "without a threshold the nearest are sent");
    await assert.rejects(searchCodebase(index, "{oops", 400), /not valid JSON/);
    await assert.rejects(searchCodebase(index, JSON.stringify({ query: " " }), 400), /non-empty/);
  });

  it("serves hot queries from the cache and invalidates it when the index changes", async () => {
    const before = index.codebase.searchCacheStats.hits;
    await index.search("render a banner");
    await index.search("render a banner");
    assert.equal(index.codebase.searchCacheStats.hits, before + 1);
    writeFileSync(path.join(root, "app/unrelated.py"), "def render_banner(title):\n    return title.center(40, '=')\n");
    await index.run();
    const after = await index.search("render a banner");
    assert.equal(index.codebase.searchCacheStats.hits, before + 1, "the reindex made the cached entry stale");
    assert.match(after[0].text, /center\(40/);
  });

  it("reranks through an OpenAI-style /v1/rerank server when asked", async () => {
    const requests: Array<{ query: string; documents: string[] }> = [];
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        const parsed = JSON.parse(body);
        requests.push(parsed);
        if (req.url !== "/v1/rerank") return void res.writeHead(404).end();
        // Prefers documents that mention "banner": as logits (model "logits"), or as probabilities.
        const logits = parsed.model === "logits";
        const results = parsed.documents.map((doc: string, index: number) => ({ index, relevance_score: doc.includes("banner") ? (logits ? 10 : 0.99) : logits ? index : 0.01 }));
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ results }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      const reranker = new HttpReranker({ baseURL, model: "logits" });
      // Scores outside [0, 1] are logits: mapped into it, order kept.
      const relevance = await reranker.relevance("open the archive file", ["a banner", "zip", "hash"]);
      assert.equal(requests[0].query, "open the archive file");
      assert.ok(relevance.every((r) => r !== undefined && r > 0 && r < 1));
      assert.ok(relevance[0]! > relevance[2]! && relevance[2]! > relevance[1]!);
      const reranking = await TestIndex.open({ root, dbPath: path.join(db, "index"), reranker: { baseURL, model: "test-reranker" } });
      try {
        const plain = await reranking.search("open the archive file", { limit: 10 });
        const reranked = await reranking.search("open the archive file", { limit: 10, rerank: true });
        assert.equal(requests.at(-1)!.documents.length, plain.length);
        assert.equal(reranked[0].symbol, "render_banner");
        assert.ok(reranked[0].scores.rerank !== undefined && reranked[0].score === finalScore(reranked[0].scores, DEFAULT_SEARCH, true));
        assert.deepEqual(new Set(reranked.map((h) => h.id)), new Set(plain.map((h) => h.id)));
      } finally {
        reranking.close();
      }
      const broken = new HttpReranker({ baseURL: baseURL.replace("/v1", "/nope"), model: "x" });
      await assert.rejects(broken.relevance("q", ["doc"]), /answered 404/);
      // A reranker that fails leaves the search as it is without one, and the hits say why.
      const failing = await TestIndex.open({ root, dbPath: path.join(db, "index"), reranker: { baseURL: baseURL.replace("/v1", "/nope"), model: "x" } });
      try {
        const plain = await failing.search("open the archive file", { limit: 10 });
        const unreranked = await failing.search("open the archive file", { limit: 10, rerank: true });
        assert.deepEqual(unreranked.map((h) => h.id), plain.map((h) => h.id));
        assert.ok(unreranked.every((h) => h.scores.rerank === undefined && /not reranked \(the reranker failed: .*404/.test(h.fallback ?? "")));
      } finally {
        failing.close();
      }
    } finally {
      server.close();
    }
  });
});
