import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { splitIdentifier, splitIdentifiersText, stem } from "../../src/core/util/text";

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
    assert.equal(splitIdentifiersText("parseURL(x) + count"), "parse url");
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
