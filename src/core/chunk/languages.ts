// The languages the chunker understands: file extensions, grammar wasm files (from npm
// packages), and the tree-sitter node types that are definitions, wrappers and attachments.
import type { ChunkKind } from "./types";

export interface LanguageSpec {
  id: string;
  /** Grammar wasm: npm package and file name inside it. */
  grammar: { pkg: string; file: string };
  /** Node types that are definitions, with their kind. */
  definitions: Readonly<Record<string, ChunkKind>>;
  /**
   * Node types that wrap a definition (export, decorators, templates): the definition is
   * the node in the given field, or else the first named child that is a definition.
   */
  wrappers: Readonly<Record<string, string | null>>;
  /** Node types that belong to the definition after them (doc comments, decorators, attributes). */
  attachments: ReadonlySet<string>;
  /** Declarations that are named definitions when they span several lines (constants, fields). */
  variables: ReadonlySet<string>;
  /** Kinds whose members are chunked one by one when the definition holds several. */
  containerKinds?: ReadonlySet<ChunkKind>;
}

const COMMENTS = ["comment", "line_comment", "block_comment"];

const JS_DEFINITIONS: Record<string, ChunkKind> = {
  function_declaration: "function",
  generator_function_declaration: "function",
  class_declaration: "class",
  method_definition: "method",
};
const TS_DEFINITIONS: Record<string, ChunkKind> = {
  ...JS_DEFINITIONS,
  abstract_class_declaration: "class",
  abstract_method_signature: "method",
  function_signature: "function",
  interface_declaration: "interface",
  type_alias_declaration: "type",
  enum_declaration: "enum",
  internal_module: "namespace",
  module: "namespace",
};
const JS_WRAPPERS = { export_statement: "declaration", expression_statement: null, ambient_declaration: null };
const JS_ATTACHMENTS = new Set([...COMMENTS, "decorator"]);
const JS_VARIABLES = new Set(["lexical_declaration", "variable_declaration", "public_field_definition", "field_definition"]);

const C_DEFINITIONS: Record<string, ChunkKind> = {
  function_definition: "function",
  type_definition: "type",
  struct_specifier: "struct",
  union_specifier: "struct",
  enum_specifier: "enum",
  preproc_function_def: "macro",
};

export const LANGUAGES: readonly LanguageSpec[] = [
  {
    id: "typescript",
    grammar: { pkg: "tree-sitter-typescript", file: "tree-sitter-typescript.wasm" },
    definitions: TS_DEFINITIONS, wrappers: JS_WRAPPERS, attachments: JS_ATTACHMENTS, variables: JS_VARIABLES,
  },
  {
    id: "tsx",
    grammar: { pkg: "tree-sitter-typescript", file: "tree-sitter-tsx.wasm" },
    definitions: TS_DEFINITIONS, wrappers: JS_WRAPPERS, attachments: JS_ATTACHMENTS, variables: JS_VARIABLES,
  },
  {
    id: "javascript",
    grammar: { pkg: "tree-sitter-javascript", file: "tree-sitter-javascript.wasm" },
    definitions: JS_DEFINITIONS, wrappers: JS_WRAPPERS, attachments: JS_ATTACHMENTS, variables: JS_VARIABLES,
  },
  {
    id: "python",
    grammar: { pkg: "tree-sitter-python", file: "tree-sitter-python.wasm" },
    definitions: { function_definition: "function", class_definition: "class" },
    wrappers: { decorated_definition: "definition" },
    attachments: new Set(COMMENTS),
    variables: new Set(["expression_statement"]),
  },
  {
    id: "go",
    grammar: { pkg: "tree-sitter-go", file: "tree-sitter-go.wasm" },
    definitions: { function_declaration: "function", method_declaration: "method", type_declaration: "type" },
    wrappers: {},
    attachments: new Set(COMMENTS),
    variables: new Set(["const_declaration", "var_declaration"]),
  },
  {
    id: "java",
    grammar: { pkg: "tree-sitter-java", file: "tree-sitter-java.wasm" },
    definitions: {
      class_declaration: "class", interface_declaration: "interface", enum_declaration: "enum",
      record_declaration: "class", annotation_type_declaration: "interface",
      method_declaration: "method", constructor_declaration: "constructor", compact_constructor_declaration: "constructor",
    },
    wrappers: {},
    attachments: new Set(COMMENTS),
    variables: new Set(["field_declaration", "constant_declaration"]),
  },
  {
    id: "rust",
    grammar: { pkg: "tree-sitter-rust", file: "tree-sitter-rust.wasm" },
    definitions: {
      function_item: "function", function_signature_item: "function", struct_item: "struct", union_item: "struct",
      enum_item: "enum", trait_item: "trait", impl_item: "impl", mod_item: "module", type_item: "type",
      macro_definition: "macro",
    },
    wrappers: {},
    attachments: new Set([...COMMENTS, "attribute_item"]),
    variables: new Set(["const_item", "static_item"]),
  },
  {
    id: "c",
    grammar: { pkg: "tree-sitter-c", file: "tree-sitter-c.wasm" },
    definitions: C_DEFINITIONS,
    wrappers: {},
    attachments: new Set(COMMENTS),
    variables: new Set(["declaration"]),
  },
  {
    id: "cpp",
    grammar: { pkg: "tree-sitter-cpp", file: "tree-sitter-cpp.wasm" },
    definitions: {
      ...C_DEFINITIONS, class_specifier: "class", namespace_definition: "namespace",
      alias_declaration: "type", concept_definition: "type",
    },
    wrappers: { template_declaration: null },
    attachments: new Set(COMMENTS),
    variables: new Set(["declaration", "field_declaration"]),
  },
  {
    id: "csharp",
    grammar: { pkg: "tree-sitter-c-sharp", file: "tree-sitter-c_sharp.wasm" },
    definitions: {
      class_declaration: "class", struct_declaration: "struct", interface_declaration: "interface",
      enum_declaration: "enum", record_declaration: "class", record_struct_declaration: "struct",
      namespace_declaration: "namespace", file_scoped_namespace_declaration: "namespace",
      method_declaration: "method", constructor_declaration: "constructor", destructor_declaration: "method",
      operator_declaration: "method", conversion_operator_declaration: "method", delegate_declaration: "type",
      local_function_statement: "function", indexer_declaration: "method",
    },
    wrappers: {},
    attachments: new Set(COMMENTS),
    variables: new Set(["field_declaration", "property_declaration", "event_declaration"]),
  },
  {
    id: "ruby",
    grammar: { pkg: "tree-sitter-ruby", file: "tree-sitter-ruby.wasm" },
    definitions: { method: "method", singleton_method: "method", class: "class", module: "module", singleton_class: "class" },
    wrappers: {},
    attachments: new Set(COMMENTS),
    variables: new Set(["assignment"]),
  },
  {
    id: "php",
    grammar: { pkg: "tree-sitter-php", file: "tree-sitter-php.wasm" },
    definitions: {
      function_definition: "function", class_declaration: "class", interface_declaration: "interface",
      trait_declaration: "trait", enum_declaration: "enum", method_declaration: "method",
      namespace_definition: "namespace",
    },
    wrappers: {},
    attachments: new Set([...COMMENTS, "attribute_list"]),
    variables: new Set(["property_declaration", "const_declaration"]),
  },
];

const BY_EXTENSION: Record<string, string> = {
  ts: "typescript", mts: "typescript", cts: "typescript", tsx: "tsx",
  js: "javascript", mjs: "javascript", cjs: "javascript", jsx: "javascript",
  py: "python", pyi: "python", pyw: "python",
  go: "go", java: "java", rs: "rust",
  c: "c", h: "c",
  cc: "cpp", cpp: "cpp", cxx: "cpp", "c++": "cpp", hh: "cpp", hpp: "cpp", hxx: "cpp", ipp: "cpp", inl: "cpp",
  cs: "csharp", rb: "ruby", rake: "ruby", gemspec: "ruby", php: "php", phtml: "php",
  md: "markdown", markdown: "markdown", mdx: "markdown",
};

const BY_FILE_NAME: Record<string, string> = { Rakefile: "ruby", Gemfile: "ruby" };

const LANGUAGE_BY_ID = new Map(LANGUAGES.map((spec) => [spec.id, spec]));

/** The language id for a path: a tree-sitter language, "markdown", or "text". */
export function languageForPath(filePath: string): string {
  const name = filePath.slice(filePath.lastIndexOf("/") + 1);
  if (BY_FILE_NAME[name]) return BY_FILE_NAME[name];
  const dot = name.lastIndexOf(".");
  if (dot <= 0) return "text";
  return BY_EXTENSION[name.slice(dot + 1).toLowerCase()] ?? "text";
}

/**
 * What only C++ has: a class body, a namespace, a template, an access label, `using namespace`, a
 * qualified name (`Shape::area`). A `.h` header holding one is C++: C's grammar loses its classes.
 */
const CPP_ONLY = /^[ \t]*(class[ \t]+\w+[^;{\n]*\{|namespace[ \t]+[\w:]*[ \t]*\{|template[ \t]*<|(public|private|protected)[ \t]*:|using[ \t]+namespace[ \t])|\w::~?\w/m;

/** The language id for a file, its text considered where the name is ambiguous (`.h`: C or C++). */
export function languageForFile(filePath: string, text: string): string {
  const language = languageForPath(filePath);
  if (language !== "c" || !/\.h$/i.test(filePath)) return language;
  // Comments, strings and C23 attributes (`[[gnu::unused]]`) say nothing of the language.
  const code = text.slice(0, 65_536).replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"|\[\[[^\]\n]*\]\]/g, "");
  return CPP_ONLY.test(code) ? "cpp" : language;
}

export function languageSpec(id: string): LanguageSpec | undefined {
  return LANGUAGE_BY_ID.get(id);
}
