import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { splitIdentifier, splitIdentifierTerms, stem } from "../../src/core/util/text";
import { relatedWords, segment } from "../../src/core/util/words";

describe("identifier splitting", () => {
  it("splits camelCase, PascalCase, acronyms, snake_case and digits", () => {
    assert.deepEqual(splitIdentifier("parseURL"), ["parse", "url"]);
    assert.deepEqual(splitIdentifier("HTTPServer2"), ["http", "server", "2"]);
    assert.deepEqual(splitIdentifier("max_retries"), ["max", "retries"]);
    assert.deepEqual(splitIdentifier("__init__"), ["init"]);
    assert.deepEqual(splitIdentifier("getXMLHttpRequest"), ["get", "xml", "http", "request"]);
    assert.deepEqual(splitIdentifier("$scope"), ["scope"]);
  });

  it("adds split words for compound identifiers only", () => {
    assert.equal(splitIdentifierTerms("parseURL(x) + count"), "pars url");
  });
});

describe("run-together words and abbreviations", () => {
  it("segments unknown run-together names into known words", () => {
    assert.deepEqual(segment("namelist"), ["name", "list"]);
    assert.deepEqual(segment("deepcopy"), ["deep", "copy"]);
    assert.deepEqual(segment("isfuture"), ["is", "future"]);
  });

  it("leaves known words, short words and non-words alone", () => {
    assert.deepEqual(segment("namespace"), []);
    assert.deepEqual(segment("stem"), []);
    assert.deepEqual(segment("xqzvwk"), []);
    assert.deepEqual(segment("name2list"), []);
  });

  it("expands abbreviations, also inside segments", () => {
    assert.deepEqual(relatedWords("rmdir"), ["remove", "directory"]);
    assert.deepEqual(relatedWords("sendcmd"), ["send", "cmd", "command"]);
    assert.deepEqual(relatedWords("parse"), []);
  });

  it("never reads inherited object keys as words", () => {
    for (const word of ["constructor", "prototype", "__proto__", "hasownproperty", "tostring"]) {
      assert.ok(Array.isArray(relatedWords(word)));
    }
  });

  it("puts the expansions into the full-text field", () => {
    assert.equal(splitIdentifierTerms("rmdir(path) + namelist"), "remov directori name list");
  });
});

describe("stemming", () => {
  it("brings inflections of a word together", () => {
    assert.equal(stem("components"), stem("component"));
    assert.equal(stem("retries"), stem("retry"));
    assert.equal(stem("parsing"), stem("parse"));
    assert.equal(stem("parsed"), stem("parse"));
    assert.equal(stem("caching"), stem("caches"));
    assert.equal(stem("stopped"), stem("stop"));
    assert.equal(stem("matches"), stem("match"));
    assert.equal(stem("status"), "status");
    assert.equal(stem("class"), "class");
  });

});
