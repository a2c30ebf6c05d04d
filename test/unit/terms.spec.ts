// The full-text index's terms are worked out by us (util/terms.ts) instead of by LanceDB's own
// English analysis. Whether documents and queries still meet as they did is asked of LanceDB
// itself: the same texts indexed both ways must give the same hits with the same BM25 scores.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { FULL_TEXT_CONFIG } from "../../src/core/store/store";
import { indexTerms, joinTerms } from "../../src/core/util/terms";
import { codeFieldTerms, identifiersAreRuns, splitIdentifierTerms } from "../../src/core/util/text";
import { removeTree, REPO_ROOT, tempDir } from "../helpers/workspace";

/** What the index did before, by itself: split on non-alphanumerics, lower-case, stem, stop words, fold. */
const LANCE_OWN_ANALYSIS = { withPosition: false, lowercase: true, stem: true, removeStopWords: true, language: "English" } as const;

/** Words where a tokenizer, a lower-caser, a stemmer or the length limit could part ways with LanceDB's. */
const AWKWARD = [
  "Parsing", "parses", "PARSED", "generously", "generate", "communism", "arsenal", "skies", "dying", "news", "atlas", "cosmos",
  "being", "doing", "there", "theirs", "ones", "succeed", "proceeding", "herring", "inning", "Yield", "yYy", "crying", "ugly",
  "naïve", "café", "cafés", "Straße", "ΣΟΦΊΑ", "ΟΔΟΣ", "οδοσ", "οδος", "σοφία", "x̃", "ǅemal", "٣٤", "Ⅻ", "½", "İstanbul", "ﬁles",
  "𝑥y", "𝑥i", "𝑥ying", "ab𝑥y", "ab𝑥i", "x1y2z3", "123abc", "0x1F", "utf8", "h2o", "snake_case_name", "camelCaseName", "$jq", "__init__",
  "a".repeat(38) + "s", "b".repeat(39) + "s", "c".repeat(40) + "s", "p".repeat(24) + "ationalizations", "p".repeat(25) + "ationalizations",
  "p".repeat(26) + "ationalizations", "q".repeat(35) + "ings", "q".repeat(36) + "ings", "é".repeat(19) + "s", "é".repeat(20),
  "İ" + "a".repeat(37), "Ⱥ" + "b".repeat(37), "ab\ud800cd", "x\udc00y", "\ud835x",
];

/** Our own TypeScript sources: code, comments and prose, present wherever the tests run. */
function sources(): string[] {
  const dir = path.join(REPO_ROOT, "src", "core", "retrieval");
  return readdirSync(dir).filter((name) => name.endsWith(".ts")).map((name) => readFileSync(path.join(dir, name), "utf8"));
}

describe("full-text terms", () => {
  const dirs: string[] = [];
  after(() => dirs.forEach(removeTree));

  it("splits on anything but letters and digits, lower-cases and stems, and drops tokens of 40 bytes or more", () => {
    assert.equal(indexTerms("Parsing the URLs, naïve_café(0x1F);"), "pars the url naïv café 0x1f");
    assert.equal(indexTerms("b".repeat(39) + "s " + "c".repeat(38) + "s"), "c".repeat(38) + "s");
    assert.equal(indexTerms("é".repeat(20) + " é"), "é", "the limit counts UTF-8 bytes");
    assert.equal(indexTerms("ΟΔΟΣ"), "οδοσ", "lower-cased character by character");
    assert.equal(indexTerms("𝑥y ab𝑥y"), "𝑥y ab𝑥i", "a character beyond the BMP is one letter to the stemmer");
    assert.equal(indexTerms("  --  "), "");
    assert.equal(indexTerms("ab\ud800cd x\udc00y \ud835x"), "ab cd x y x", "a lone surrogate is no character (U+FFFD once encoded)");
    assert.equal(joinTerms("", "a b", "", "c"), "a b c");
  });

  it("indexes Han, kana and Hangul as overlapping pairs of characters, so that any part of a run finds it, and a long run is indexed", async () => {
    assert.equal(indexTerms("登录失败"), "登录 录失 失败");
    assert.equal(indexTerms("API调用超时 (timeout)"), "api 调用 用超 超时 timeout", "a run mixing scripts is cut where they change");
    assert.equal(indexTerms("日本語テキスト ラーメン 한국어 中"), "日本 本語 語テ テキ キス スト ラー ーメ メン 한국 국어 中");
    assert.equal(indexTerms("naïve Straße"), "naïv straße", "other scripts beyond ASCII as before");
    // Through LanceDB with the index's own settings: a comment of 22 characters (66 bytes, over the token limit as one run).
    const lance = await import("@lancedb/lancedb");
    const dir = tempDir("gw-terms-cjk-");
    dirs.push(dir);
    const texts = ["# 用户登录失败时重试三次并记录错误日志以便排查\ndef login(user): pass", "# 支付成功后发送确认邮件\ndef pay(order): pass", "def retry(): pass"];
    const table = await (await lance.connect(dir)).createTable("t", texts.map((text, id) => ({ id, text: codeFieldTerms(text) })));
    await table.createIndex("text", { config: lance.Index.fts({ ...FULL_TEXT_CONFIG }) });
    const top = async (query: string): Promise<number | undefined> =>
      (await table.query().fullTextSearch(indexTerms(query), { columns: ["text"] }).select(["id"]).limit(3).toArray())[0]?.id as number | undefined;
    assert.equal(await top("登录失败"), 0);
    assert.equal(await top("错误日志"), 0);
    assert.equal(await top("确认邮件"), 1);
    assert.equal(await top("发送邮件"), 1, "words apart in the text");
  });

  it("gives the code field the terms of the code and of its split identifiers, also from the identifiers alone", () => {
    const bag = (terms: string): string => terms.split(" ").filter(Boolean).sort().join(" ");
    const texts = [
      ...sources().flatMap((source) => source.split(/\n\s*\n/)), ...AWKWARD, "x = 0x1F + 2to3(10_000) - 3rd", "a$b + $jq + __init__ + _1a", "max_retries2 = parseURL(rawUrl)", "fn(7b)",
      "n = 10e3; m = 1_000; k = 0b1010", "x=1\ny=2", "", "   ",
    ];
    let fast = 0;
    for (const text of texts) {
      if (identifiersAreRuns(text)) fast++;
      assert.equal(bag(codeFieldTerms(text)), bag(joinTerms(indexTerms(text), splitIdentifierTerms(text))), JSON.stringify(text.slice(0, 60)));
    }
    assert.ok(fast > 10 && fast < texts.length, `${fast} of ${texts.length} texts took the identifiers' path`);
  });

  it("makes LanceDB find the same rows with the same scores as its own English analysis did (Han, kana and Hangul aside)", async () => {
    const lance = await import("@lancedb/lancedb");
    const dir = tempDir("gw-terms-");
    dirs.push(dir);
    const db = await lance.connect(dir);
    const texts = [...sources().flatMap((source) => source.split(/\n\s*\n/)), ...AWKWARD.map((word, i) => `${word} ${AWKWARD[(i * 7) % AWKWARD.length]} filler`)];
    const own = await db.createTable("own", texts.map((text, id) => ({ id, text })));
    const ours = await db.createTable("ours", texts.map((text, id) => ({ id, text: indexTerms(text) })));
    await own.createIndex("text", { config: lance.Index.fts({ ...LANCE_OWN_ANALYSIS }) });
    await ours.createIndex("text", { config: lance.Index.fts({ ...FULL_TEXT_CONFIG }) });

    // Every distinct word of the corpus once, alone and three at a time, and the awkward ones.
    const vocabulary = [...new Set(texts.join(" ").match(/[\p{L}\p{N}_]+/gu))];
    const queries = [...vocabulary, ...AWKWARD, ...vocabulary.map((word, i) => `${word} ${vocabulary[(i * 31) % vocabulary.length]} ${vocabulary[(i * 17) % vocabulary.length]}`).filter((_, i) => i % 5 === 0)];
    assert.ok(queries.length > 1000, `${queries.length} queries`);
    const hits = async (table: typeof own, query: string): Promise<string> => {
      if (!query.trim()) return "";
      const rows = await table.query().fullTextSearch(query, { columns: ["text"] }).select(["id", "_score"]).limit(1000).toArray();
      return rows.map((row) => `${row.id as number}:${(row._score as number).toFixed(4)}`).sort().join(" ");
    };
    let compared = 0;
    let found = 0;
    for (const query of queries) {
      const before = await hits(own, query);
      assert.equal(await hits(ours, indexTerms(query)), before, `query ${JSON.stringify(query)}`);
      compared++;
      if (before) found++;
    }
    assert.ok(found > compared / 2, `${found} of ${compared} queries found something`);
  });
});
