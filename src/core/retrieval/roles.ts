// What part a file plays in a repository (its code, its tests, its docs, its changelog, examples,
// generated output, build and CI configuration), told from its path alone, for any language; and the prior a search gives each
// role: a question about behaviour wants the code that has it, not the test that exercises it or the
// changelog line that mentions it. A question that asks for tests, docs, changelogs or examples
// lifts the prior off those.

export type FileRole = "code" | "test" | "test-helper" | "docs" | "changelog" | "example" | "generated" | "config";

// Folder names, matched as whole path segments.
const TEST_DIRS = new Set(["test", "tests", "__tests__", "spec", "specs", "testdata", "test_data", "fixtures", "__fixtures__", "__mocks__", "e2e", "it", "integration-tests"]);
const DOC_DIRS = new Set(["doc", "docs", "documentation", "man", "site", "website", "wiki"]);
const EXAMPLE_DIRS = new Set(["example", "examples", "sample", "samples", "demo", "demos", "_examples", "cookbook", "tutorial", "tutorials", "sandbox", "playground"]);
// Inside a test folder, the helpers that tests share (Python's test/support, test/helpers, testutil): closer to code than a test case.
const TEST_HELPER_DIRS = new Set(["support", "helpers", "helper", "utils", "util", "testutil", "testutils", "test_utils", "testing", "common", "shared", "lib"]);
// Build, CI and editor tooling: how the project is built and checked, not what it does.
const CONFIG_DIRS = new Set([".github", ".gitlab", ".circleci", ".buildkite", ".husky", ".vscode", ".idea", ".devcontainer", ".config"]);
// Not "build", "out" or "gen": those are packages of their own in some languages (Go's go/build).
const GENERATED_DIRS = new Set(["dist", "vendor", "third_party", "node_modules", "generated", "__generated__"]);

// File names (without folders).
const TEST_FILE = [
  /(^|[._-])(test|tests|spec|specs)\.[^.]+$/i, // foo.test.ts, foo_spec.rb, foo-test.js, foo.spec.ts
  /_(unit)?test\.(go|py|rs|exs?|dart|c|cc|cpp|cxx|h)$/i, // foo_test.go, foo_unittest.cc (Chromium, Google)
  /^test_.+\.py$/i, // test_foo.py
  /(Test|Tests|Spec|IT)\.(java|kt|scala|cs|swift|groovy|php|m)$/, // FooTest.java, FooSpec.scala
  /^conftest\.py$/i,
];
const CHANGELOG_FILE = /^(change[-_]?log|changes|history|news|releases?([-_]notes)?|release[-_]notes|upgrading|migration)(\.[a-z]+)?$/i;
const DOC_FILE = /\.(md|mdx|markdown|rst|adoc|asciidoc|txt|org|textile)$/i;
const GENERATED_FILE = [/\.min\.(js|css)$/i, /\.(pb|pb2|gen|generated|g)\.[a-z]+$/i, /_pb2(_grpc)?\.py$/i, /\.d\.[cm]?ts$/i, /(^|[./-])lock(file)?(\.[a-z]+)?$/i, /-lock\.(json|yaml)$/i];

const CONFIG_FILE = [
  /^\./, // .eslintrc.js, .prettierrc, .travis.yml, .gitlab-ci.yml
  /\.(config|conf|rc)\.[cm]?[jt]s$/i, // vite.config.ts, karma.conf.cjs, jest.config.js
  /^(gulpfile|gruntfile|jakefile|rakefile|makefile|gnumakefile|dockerfile|containerfile|vagrantfile|justfile|taskfile|procfile|brewfile|noxfile\.py|fabfile\.py|tox\.ini|setup\.cfg)(\.[a-z]+)?$/i,
  /^(package\.json|tsconfig(\..+)?\.json|jsconfig\.json|pyproject\.toml|cargo\.toml|go\.mod|go\.work|pom\.xml|build\.gradle(\.kts)?|settings\.gradle(\.kts)?|gemfile|composer\.json|codecov\.ya?ml|renovate\.json|dependabot\.ya?ml|docker-compose\.ya?ml|compose\.ya?ml)$/i,
  /\.gemspec$/i,
];

/** The role of a file, from its workspace-relative path (forward slashes). */
export function fileRole(path: string): FileRole {
  const segments = path.toLowerCase().split("/");
  const name = path.split("/").pop() ?? path;
  const folders = segments.slice(0, -1);
  if (CHANGELOG_FILE.test(name)) return "changelog";
  if (GENERATED_FILE.some((pattern) => pattern.test(name)) || folders.some((folder) => GENERATED_DIRS.has(folder))) return "generated";
  if (TEST_FILE.some((pattern) => pattern.test(name))) return "test";
  const testDir = folders.findIndex((folder) => TEST_DIRS.has(folder));
  if (testDir >= 0) {
    // Python's test runners collect only test_*.py and *_test.py: any other module in a test folder is a helper the tests import.
    const helper = folders.slice(testDir + 1).some((folder) => TEST_HELPER_DIRS.has(folder)) || /\.py$/i.test(name);
    return helper ? "test-helper" : "test";
  }
  if (folders.some((folder) => EXAMPLE_DIRS.has(folder))) return "example";
  if (folders.some((folder) => CONFIG_DIRS.has(folder)) || CONFIG_FILE.some((pattern) => pattern.test(name))) return "config";
  if (DOC_FILE.test(name) || folders.some((folder) => DOC_DIRS.has(folder))) return "docs";
  return "code";
}

/** A chunk's role: its file's, except that Rust's test module inside a source file (`#[cfg(test)] mod tests`) is a test. */
export function chunkRole(chunk: { path: string; language: string; symbol: string; kind: string; scope: string }): FileRole {
  const role = fileRole(chunk.path);
  const inTestModule = /^tests?(\.|$)/.test(chunk.scope) || (chunk.kind === "module" && /^tests?$/.test(chunk.symbol));
  return role === "code" && chunk.language === "rust" && inTestModule ? "test" : role;
}

/**
 * The share of its evidence a hit of each role keeps when the query does not ask for that role.
 * Fitted on the histories of three repositories (Python, JavaScript, Go: commit messages as queries,
 * the source files they changed as answers) with the doc->function evals held steady; see
 * docs/retrieval-tuning.md.
 */
export const ROLE_PRIOR: Record<FileRole, number> = {
  code: 1,
  "test-helper": 0.9,
  test: 0.5,
  example: 0.5,
  docs: 0.4,
  config: 0.4,
  generated: 0.4,
  changelog: 0.2,
};

// Words by which a query asks for a role.
const ASKS: Array<[FileRole, RegExp]> = [
  ["test", /\b(tests?|testing|tested|specs?|unit ?tests?|test ?cases?|fixtures?|mocks?|assert(s|ions?)?)\b/i],
  ["docs", /\b(docs?|documentation|documented|readme|guide|tutorial|manual)\b/i],
  ["changelog", /\b(change ?logs?|changes in|release notes?|(latest|last|next|new|this|that|recent|previous) releases?|in (the|a|which) release|what changed|breaking changes?|deprecations|(migration|upgrade|upgrading) (guide|notes?)|(migrating|upgrading) (to|from))\b/i],
  ["example", /\b(examples?|samples?|demos?|usage|how (do|to) (i )?use)\b/i],
  ["config", /\b(ci|workflows?|github actions?|pipelines?|build (config|script|system)|config(uration)? files?|dependenc(y|ies)|bump(s|ed)?|lint(er|ing)?|eslint|tsconfig|package\.json|makefile|dockerfile|docker|bundler?|webpack|rollup|vite|karma|jest config)\b/i],
];

/** The roles a query asks for by name ("the test for…", "docs on…", "changelog"). */
export function rolesAskedFor(query: string): Set<FileRole> {
  const asked = new Set(ASKS.filter(([, words]) => words.test(query)).map(([role]) => role));
  if (asked.has("test")) asked.add("test-helper");
  return asked;
}

/** The prior for a file of this role under a query that asks for `asked`: 1 for code and for what is asked. */
export function rolePrior(role: FileRole, asked: ReadonlySet<FileRole>): number {
  return asked.has(role) ? 1 : ROLE_PRIOR[role];
}
