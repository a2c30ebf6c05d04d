import assert from "node:assert/strict";
import { LatestReply } from "../../src/webview/replies";
import { describe, it } from "node:test";
import { codeActionQuestion, firstCodeBlock, selectionContext, testPathFor } from "../../src/core/prompt/codeActions";
import { isWebviewMessage, parseCitation } from "../../src/shared/protocol";
import { renderAnswer } from "../../src/webview/render";

describe("chat rendering (model output is untrusted)", () => {
  it("renders raw HTML, event handlers, script and dangerous links as inert text", () => {
    const { html } = renderAnswer([
      "<script>alert(1)</script>",
      "<img src=x onerror=alert(1)>",
      "[a](javascript:alert(1)) [b](command:workbench.action.terminal.new) [c](vscode://file/etc/passwd) [d](data:text/html,<b>x</b>)",
      "![remote](https://evil.example/track.png)",
      "[ok](https://example.com/docs)",
    ].join("\n\n"));
    assert.ok(!/<script/i.test(html), "no script element");
    assert.ok(!/<img/i.test(html), "no image element: remote images never load");
    assert.ok(!/\sonerror=|\sonclick=/i.test(html.replace(/&lt;[^&]*&gt;/g, "")), "no event handler attribute outside escaped text");
    assert.ok(!/href="(javascript|command|vscode|data):/i.test(html), "no dangerous href");
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(html, /<a href="https:\/\/example\.com\/docs" rel="noopener noreferrer" class="external">ok<\/a>/);
    assert.match(html, /\[image: remote\]/);
  });

  it("turns citations into buttons and marks the unverified ones", () => {
    const { html } = renderAnswer("See [src/a.ts:3-9] and [lib/b.py:1-2], not [a link](https://x.example).", ["src/a.ts:3-9"]);
    assert.match(html, /<button type="button" class="citation" data-citation="src\/a\.ts:3-9"[^>]*>src\/a\.ts:3-9<\/button>/);
    assert.match(html, /class="citation unverified" data-citation="lib\/b\.py:1-2"/);
    assert.equal(renderAnswer("[x.ts:1-2]").html.includes("unverified"), false, "unknown validity is not flagged");
    assert.ok(!renderAnswer("`[a.ts:1-2]` in code").html.includes("<button"), "not inside inline code");
    const linked = renderAnswer("[[src/a.ts:1-2]](https://evil.example)").html;
    assert.ok(!linked.includes("<button"), `no button inside a link's text: ${linked}`);
    assert.match(renderAnswer("in [`lib/x.py:3-4`].", ["lib/x.py:3-4"]).html, /in <button type="button" class="citation" data-citation="lib\/x\.py:3-4"[^>]*>lib\/x\.py:3-4<\/button>\./, "backticks inside the brackets, as the core reads them");
  });

  it("keeps code blocks with their language, escaped and highlighted, with Copy, Insert and Apply", () => {
    const { html, codeBlocks } = renderAnswer("```ts\nconst a = 1 < 2 && '<b>';\n```\n\n```\nplain </code>\n```");
    assert.deepEqual(codeBlocks, [{ code: "const a = 1 < 2 && '<b>';\n", language: "ts" }, { code: "plain </code>\n", language: "" }]);
    assert.match(html, /<span class="hljs-keyword">const<\/span>/);
    assert.match(html, /&lt;b&gt;/);
    assert.match(html, /plain &lt;\/code&gt;/);
    for (const action of ["copy", "insert", "apply"]) assert.equal(html.match(new RegExp(`data-action="${action}"`, "g"))?.length, 2);
  });
});

describe("webview protocol", () => {
  it("accepts well-formed messages and rejects the rest", () => {
    assert.ok(isWebviewMessage({ type: "ready" }));
    assert.ok(isWebviewMessage({ type: "ask", id: "q1", question: "why?" }));
    assert.ok(isWebviewMessage({ type: "mentions", id: 1, query: "src/", kind: "file" }));
    assert.ok(!isWebviewMessage({ type: "ask", id: "q1" }));
    assert.ok(!isWebviewMessage({ type: "apply", code: "x" }));
    assert.ok(!isWebviewMessage({ type: "runShell", command: "rm -rf /" }));
    assert.ok(!isWebviewMessage({ type: "mentions", id: 1, query: "x", kind: "everything" }));
    assert.ok(isWebviewMessage({ type: "mentions", id: 3, query: "x", kind: "file" }));
    assert.ok(!isWebviewMessage({ type: "mentions", query: "x", kind: "file" }), "a request that expects a reply carries an id");
    assert.ok(!isWebviewMessage("ready"));
    assert.ok(!isWebviewMessage(null));
  });

  it("shows only the reply to the latest mention request, however late an older one arrives", () => {
    const replies = new LatestReply();
    const first = replies.next();
    const second = replies.next();
    assert.equal(replies.isLatest(first), false, "a late reply to the older query is dropped");
    assert.equal(replies.isLatest(second), true);
    replies.forget();
    assert.equal(replies.isLatest(second), false, "no reply once the mention is gone");
  });

  it("parses citations", () => {
    assert.deepEqual(parseCitation("src/a.ts:3-9"), { path: "src/a.ts", startLine: 3, endLine: 9 });
    assert.deepEqual(parseCitation("a.py:7"), { path: "a.py", startLine: 7, endLine: 7 });
    assert.equal(parseCitation("javascript:alert(1)"), undefined);
    assert.deepEqual(parseCitation("My App/a b.py:1-2"), { path: "My App/a b.py", startLine: 1, endLine: 2 }, "paths may hold spaces");
    assert.equal(parseCitation("a.py:9-3"), undefined, "an inverted range is no citation");
  });
});

describe("code action prompts", () => {
  const selection = { path: "src/pay.py", language: "python", startLine: 10, endLine: 14, text: "def pay(x):\n    return x", problems: ["'y' is not defined"] };

  it("asks for one replacement block, names the range and the problems", () => {
    assert.match(codeActionQuestion("refactor", selection), /src\/pay\.py:10-14.*one fenced code block/);
    assert.match(codeActionQuestion("fix", selection), /this problem.*'y' is not defined/);
    assert.match(codeActionQuestion("tests", selection), /complete new test file/);
    assert.match(selectionContext(selection), /^Selected code, src\/pay\.py:10-14:\n```python\ndef pay/);
  });

  it("reads the first code block and places tests by language", () => {
    assert.equal(firstCodeBlock("Done.\n```python\ndef f():\n    pass\n```\nmore\n```js\nx\n```"), "def f():\n    pass");
    assert.equal(firstCodeBlock("no code"), undefined);
    assert.equal(testPathFor("src/pay.py", "python"), "src/test_pay.py");
    assert.equal(testPathFor("src/pay.ts", "typescript"), "src/pay.test.ts");
    assert.equal(testPathFor("pkg/pay.go", "go"), "pkg/pay_test.go");
    assert.equal(testPathFor("Pay.java", "java"), "PayTest.java");
  });
});
