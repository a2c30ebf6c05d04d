// The citation grammar is one module (src/shared/citation.ts): the core formats and checks with it,
// the webview finds and renders with it, the extension opens with it. Spaces in paths and folder
// names work everywhere.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkCitations } from "../../src/core/prompt/citations";
import { findCitations, formatCitation, parseCitation } from "../../src/shared/citation";
import { findMentions, formatMention } from "../../src/shared/mention";
import { renderAnswer } from "../../src/webview/render";

describe("citation grammar", () => {
  it("formats and parses back, spaces and colons in paths included", () => {
    for (const path of ["src/a.ts", "My App/src/a b.ts", "weird:name/x.py", "Über/ß.go", "app/blog/[slug]/page.tsx", "proj [v2]/[...all].ts"]) {
      const text = formatCitation({ path, startLine: 3, endLine: 12 });
      assert.equal(text, `${path}:3-12`);
      assert.deepEqual(parseCitation(text), { path, startLine: 3, endLine: 12 });
    }
    assert.deepEqual(parseCitation("./src/a.ts:4"), { path: "src/a.ts", startLine: 4, endLine: 4 });
    for (const bad of ["", "src/a.ts", "src/a.ts:", "src/a.ts:x-2", "a.ts:0-1", "a.ts:5-4", "[a.ts:1-2]", " :1-2", "a\nb.ts:1-2"]) assert.equal(parseCitation(bad), undefined, bad);
  });

  it("finds bracketed citations in an answer, with or without backticks, and nothing else", () => {
    const answer = "See [My App/src/a b.ts:1-3] and [`lib/x.py:10-12`], not [a link](https://x.y) or [note: 1] or [x.ts].";
    assert.deepEqual(findCitations(answer).map((c) => [c.text, c.path, c.startLine, c.endLine]), [
      ["My App/src/a b.ts:1-3", "My App/src/a b.ts", 1, 3],
      ["lib/x.py:10-12", "lib/x.py", 10, 12],
    ]);
    // Route folders named in brackets (Next.js, SvelteKit): the path keeps them.
    assert.deepEqual(findCitations("In [app/blog/[slug]/page.tsx:1-5] and [[x.ts:2-3]] but not [a [b.ts:1-2].").map((c) => c.text), ["app/blog/[slug]/page.tsx:1-5", "x.ts:2-3", "b.ts:1-2"]);
    const [first] = findCitations(answer);
    assert.equal(answer.slice(first.index, first.index + first.length), "[My App/src/a b.ts:1-3]");
  });

  it("checks an answer's citations against what was sent, with spaces in the path", () => {
    const sent = [{ path: "My App/src/a b.ts", startLine: 1, endLine: 20, citation: "My App/src/a b.ts:1-20" }];
    const checks = checkCitations("It is in [My App/src/a b.ts:3-5], maybe [My App/src/a b.ts:30-31].", sent);
    assert.deepEqual(checks.map((c) => [c.text, c.valid, c.item]), [
      ["My App/src/a b.ts:3-5", true, "My App/src/a b.ts:1-20"],
      ["My App/src/a b.ts:30-31", false, undefined],
    ]);
  });

  it("renders citations with spaces as buttons the extension can open, marking the unverified", () => {
    const { html } = renderAnswer("Look at [My App/src/a b.ts:3-5] and [other.ts:1-2].", ["My App/src/a b.ts:3-5"]);
    assert.match(html, /<button type="button" class="citation" data-citation="My App\/src\/a b\.ts:3-5"/);
    assert.match(html, /class="citation unverified" data-citation="other\.ts:1-2"/);
    assert.match(renderAnswer("See [app/[id]/page.tsx:2-4].", ["app/[id]/page.tsx:2-4"]).html, /<button type="button" class="citation" data-citation="app\/\[id\]\/page\.tsx:2-4"/);
  });

  it("writes and reads @ mentions, quoting paths with spaces", () => {
    assert.equal(formatMention("src/a.ts"), "@src/a.ts");
    assert.equal(formatMention("My App/src/a b.ts"), '@"My App/src/a b.ts"');
    assert.deepEqual(findMentions('what is in @"My App/src/a b.ts" and @parseURL? and @src/x.py.'), ["My App/src/a b.ts", "parseURL", "src/x.py"]);
    assert.deepEqual(findMentions("mail me at a@b.c"), [], "an @ inside a word is no mention");
  });
});
