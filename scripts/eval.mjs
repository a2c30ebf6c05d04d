// npm run eval: the code-search eval on Python's standard library (where the builtin embedder's
// weights were chosen) and on JavaScript and TypeScript sources it never saw; prints the tables
// and writes them to bench/results/.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import * as path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
execFileSync(process.execPath, [path.join(root, "scripts", "ensure.mjs")], { stdio: "inherit" });
const stdlib = ["/usr/lib/python3.11", "/usr/lib/python3.12", "/usr/lib/python3.13"].find((dir) => existsSync(dir));
const sample = process.env.EVAL_SAMPLE ?? "1500";
const corpora = [
  { name: "python-stdlib", dir: stdlib, lang: "python", note: "fitting corpus" },
  { name: "three-src", dir: path.join(root, "node_modules", "three", "src"), lang: "javascript", note: "held out" },
  { name: "openai-src", dir: path.join(root, "node_modules", "openai", "src"), lang: "typescript", note: "held out" },
];
mkdirSync(path.join(root, "bench", "results"), { recursive: true });
for (const corpus of corpora) {
  if (!corpus.dir || !existsSync(corpus.dir)) {
    console.log(`\n## ${corpus.name}: not found, skipped`);
    continue;
  }
  console.log(`\n## ${corpus.name} (${corpus.note})`);
  execFileSync(process.execPath, [path.join(root, "dist", "cli.js"), "eval", "--corpus", corpus.dir, "--lang", corpus.lang,
    "--sample", sample, "--out", path.join(root, "bench", "results", `eval-${corpus.name}.json`)], { stdio: ["ignore", "inherit", "ignore"] });
}
