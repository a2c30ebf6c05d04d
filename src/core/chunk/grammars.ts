// Loads web-tree-sitter and grammar wasm files once per process. In a bundle the wasm files
// sit next to the bundle (grammars/); in development they come from their npm packages.
import { existsSync } from "node:fs";
import * as path from "node:path";
import { Language, Parser } from "web-tree-sitter";
import type { LanguageSpec } from "./languages";

export interface GrammarLocation {
  /** Folder holding tree-sitter.wasm and the grammar wasm files, if not beside this module. */
  wasmDir?: string;
}

let runtimeReady: Promise<void> | undefined;
const languages = new Map<string, Promise<Language>>();
/**
 * The parser runtime's memory, handed to it (as Emscripten allows) so its size can be read: it
 * grows with the largest file parsed and never shrinks. Sizes as web-tree-sitter's own: 32 MiB at
 * first, at most 2 GiB.
 */
let parserMemory: WebAssembly.Memory | undefined;

/** Bytes the parser runtime holds now (its wasm memory; 0 before it starts). */
export function parserMemoryBytes(): number {
  return parserMemory?.buffer.byteLength ?? 0;
}

function bundledDir(location: GrammarLocation): string {
  return location.wasmDir ?? path.join(__dirname, "grammars");
}

function locate(location: GrammarLocation, file: string, pkg: string): string {
  const bundled = path.join(bundledDir(location), file);
  if (existsSync(bundled)) return bundled;
  try {
    return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
  } catch {
    throw new Error(`Grammar file ${file} was not found in ${bundledDir(location)} nor in the npm package ${pkg}.`);
  }
}

export function initParserRuntime(location: GrammarLocation = {}): Promise<void> {
  parserMemory ??= new WebAssembly.Memory({ initial: 512, maximum: 32_768 });
  runtimeReady ??= Parser.init({
    wasmMemory: parserMemory,
    locateFile: (name: string) => {
      const bundled = path.join(bundledDir(location), name);
      if (existsSync(bundled)) return bundled;
      return require.resolve(`web-tree-sitter/${name}`);
    },
  });
  return runtimeReady;
}

export async function loadLanguage(spec: LanguageSpec, location: GrammarLocation = {}): Promise<Language> {
  await initParserRuntime(location);
  let loaded = languages.get(spec.id);
  if (!loaded) {
    loaded = Language.load(locate(location, spec.grammar.file, spec.grammar.pkg));
    languages.set(spec.id, loaded);
    loaded.catch(() => languages.delete(spec.id));
  }
  return loaded;
}
