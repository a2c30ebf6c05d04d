// Builds src/core/util/vocabulary.json: how often each word occurs inside identifiers of npm
// packages' JavaScript and TypeScript sources (the eval's held-out corpora, three and openai, and
// Python are never read). The table lets the tokenizer split run-together identifiers such as
// `namelist` or `rmdir` into words. Re-run with `node scripts/build-vocabulary.mjs`.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const modules = path.join(root, "node_modules");
const HELD_OUT = new Set(["three", "openai", "@lancedb", "apache-arrow"]);
const SOURCE = /\.(js|mjs|cjs|ts)$/;
const MAX_FILE = 2_000_000;
const KEEP = 30000;

const counts = new Map();
const perPackage = new Map();
function count(word, pkg) {
  counts.set(word, (counts.get(word) ?? 0) + 1);
  let seen = perPackage.get(word);
  if (!seen) perPackage.set(word, (seen = new Set()));
  seen.add(pkg);
}

function walk(dir, pkg) {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    const stat = statSync(full, { throwIfNoEntry: false });
    if (!stat) continue;
    if (stat.isDirectory()) {
      if (name !== "node_modules") walk(full, pkg);
    } else if (SOURCE.test(name) && !name.endsWith(".min.js") && stat.size < MAX_FILE) {
      const text = readFileSync(full, "utf8");
      for (const id of text.match(/[A-Za-z_$][A-Za-z0-9_$]*/g) ?? []) {
        for (const part of id.split(/[_$]+/)) {
          for (const piece of part.match(/[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+/g) ?? []) {
            const word = piece.toLowerCase();
            if (word.length >= 2 && word.length <= 20) count(word, pkg);
          }
        }
      }
    }
  }
}

const packages = [];
for (const name of readdirSync(modules)) {
  if (name.startsWith(".")) continue;
  const dirs = name.startsWith("@") ? readdirSync(path.join(modules, name)).map((sub) => `${name}/${sub}`) : [name];
  for (const pkg of dirs) if (!HELD_OUT.has(pkg) && !HELD_OUT.has(pkg.split("/")[0])) packages.push(pkg);
}
for (const pkg of packages) walk(path.join(modules, pkg), pkg);

// A word must occur in several packages: one package's private names are not vocabulary.
const words = [...counts].filter(([word]) => perPackage.get(word).size >= 3).sort((a, b) => b[1] - a[1]).slice(0, KEEP);
const out = path.join(root, "src", "core", "util", "vocabulary.json");
writeFileSync(out, JSON.stringify(Object.fromEntries(words)) + "\n");
console.log(`${packages.length} packages, ${counts.size} distinct words, kept ${words.length} -> ${path.relative(root, out)}`);
