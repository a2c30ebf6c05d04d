// The index fingerprint: derived from everything that decides what an index stores, never bumped by
// hand. Two parts, because a reader and a writer need different things:
//   - the query part: the embedder's fingerprint (model, dims, feature tables, weights, a probe's
//     vectors), the full-text field derivation (a probe's fields), the table layouts and the
//     full-text tokenizer. A reader compares it to know whether an index answers its queries.
//   - the chunker part: the chunks a probe of small files in several languages becomes. Computing it
//     parses, so only a writer does (in the worker that parses anyway).
// Any change to either gives a new generation of the index (see codebase/folderIndex.ts).
import type { ChunkResult } from "../chunk/chunker";
import type { Chunk } from "../chunk/types";
import type { Embedder } from "../embed/embedder";
import { schemaDescriptor } from "../store/schema";
import { FULL_TEXT_CONFIG, REF_LAYOUT } from "../store/store";
import { sha256Hex } from "../util/hash";
import { featureTablesDigest } from "../util/text";
import { chunkId, embeddingInput, fullText, nameText, textFields } from "./rows";

/** Chunks whose rows (but the vector) the fields part hashes. */
const FIELD_PROBE: readonly Chunk[] = [
  probeChunk("src/net/parseURL.ts", "typescript", "parseURLString", "method", "URLParser", "parseURLString(raw: string): URL {",
    "parseURLString(raw: string): URL {\n  const gt = (a, b) => a > b; // rmdir_cmd namelist\n  return new URL(raw, this.baseHref);\n}"),
  probeChunk("lib/http_client.py", "python", "http_client.py", "statements", "", "",
    "import os\nMAX_RETRIES = 3\nDEFAULT_TIMEOUT_SECONDS = os.environ.get('TIMEOUT', 30)"),
  probeChunk("docs/Getting Started.md", "markdown", "Install", "section", "Getting Started", "## Install", "## Install\nRun `npm ci`, then the tests. 安装依赖后运行测试。"),
];

function probeChunk(path: string, language: string, symbol: string, kind: Chunk["kind"], scope: string, signature: string, text: string): Chunk {
  const header = [path, scope, signature || symbol].filter(Boolean).join(" > ");
  return { path, language, symbol, kind, scope, startLine: 3, endLine: 2 + text.split("\n").length, text, header, signature, contentHash: sha256Hex(text) };
}

/** Files the chunker part chunks: every construct the chunker treats differently, in a few languages. */
export const CHUNKER_PROBE: ReadonlyArray<[string, string]> = [
  ["probe/a.py", "import os\n\n\nclass Queue:\n    \"\"\"A queue.\"\"\"\n\n    @property\n    def size(self):\n        return len(self.items)\n\n\ndef parse(url, *, strict=False):\n    return url.split(':')\n\nRETRIES = 3\n"],
  ["probe/a.ts", "export interface Options { retries: number }\n\nexport class Client {\n  constructor(private readonly options: Options) {}\n  /** Sends. */\n  send(body: string): Promise<void> {\n    return fetch(body).then(() => undefined);\n  }\n}\n\nconst gt = (a: number, b: number) => a > b;\nexport function main(): void {\n  console.log(gt(1, 2));\n}\n"],
  ["probe/a.js", "export default ok && function adapter(config) {\n  return config;\n}\n\nmodule.exports.parse = function parse(text) {\n  return text.trim();\n};\n\nmodule.exports.handlers = { first: function first() { return 1; } };\n\nitems.forEach(function visit(item) {\n  console.log(item);\n});\n\nfetch(url)\n  .then(function onOk(response) { return response.json(); })\n  .catch(function onError(error) { console.error(error); });\n"],
  ["probe/a.go", "package probe\n\nimport \"fmt\"\n\ntype Server struct{ Port int }\n\nfunc (s *Server) Start() error {\n\treturn fmt.Errorf(\"port %d\", s.Port)\n}\n\nfunc main() { _ = (&Server{}).Start() }\n"],
  ["probe/A.java", "package probe;\n\npublic class A {\n  private final int size;\n  public A(int size) { this.size = size; }\n  enum Mode { ON, OFF }\n  int size() { return size; }\n}\n\n@Deprecated\nclass B {}\n"],
  ["probe/a.rs", "pub struct Store<E> {\n    engine: E,\n}\n\nimpl<E> fmt::Debug for Store<E> {\n    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {\n        f.write_str(\"store\")\n    }\n}\n"],
  ["probe/a.h", "namespace geo {\nclass Shape {\n public:\n  virtual double area() const = 0;\n};\n}  // namespace geo\n\ndouble geo::Shape::area() const {\n  return 0;\n}\n"],
  ["probe/README.md", "# Probe\n\nIntro.\n\n## Install\n\n```sh\nnpm ci\n```\n\nSetext\n------\n\nText.\n"],
  ["probe/notes.txt", Array.from({ length: 130 }, (_, i) => `line ${i + 1}`).join("\n")],
];

/** The query part's fields share: what the full-text fields and the embedder's input are made from. */
export function fieldsFingerprint(): string {
  const rows = FIELD_PROBE.map((chunk) => ({ id: chunkId(chunk), input: embeddingInput(chunk), fullText: fullText(chunk), name: nameText(chunk), fields: textFields(chunk) }));
  return sha256Hex(JSON.stringify({ schema: schemaDescriptor(), fullTextConfig: FULL_TEXT_CONFIG, ref: REF_LAYOUT, tables: featureTablesDigest(), rows })).slice(0, 32);
}

let fieldsPart: string | undefined;

/**
 * What a reader compares: whether an index's vectors and fields answer the queries made now. A
 * neural embedder's vectors (a second column) are part of it when there is one.
 */
export function queryFingerprint(embedder: Pick<Embedder, "fingerprint">, neural?: Pick<Embedder, "fingerprint">): string {
  fieldsPart ??= fieldsFingerprint();
  return sha256Hex(`${embedder.fingerprint}\n${fieldsPart}${neural ? `\nneural:${neural.fingerprint}` : ""}`).slice(0, 32);
}

/** The chunker part: the chunks of CHUNKER_PROBE. */
export async function chunkerFingerprint(chunker: { chunkFile(path: string, text: string): Promise<ChunkResult> }): Promise<string> {
  const results = [];
  for (const [path, text] of CHUNKER_PROBE) {
    const result = await chunker.chunkFile(path, text);
    results.push([result.language, result.note ?? "", result.chunks.map((c) => [c.kind, c.symbol, c.scope, c.startLine, c.endLine, c.header, c.signature, c.members ?? []])]);
  }
  return sha256Hex(JSON.stringify(results)).slice(0, 32);
}

/** The whole fingerprint, which names a generation of the index. */
export function indexFingerprint(queryPart: string, chunkerPart: string): string {
  return sha256Hex(`${queryPart}\n${chunkerPart}`).slice(0, 32);
}
