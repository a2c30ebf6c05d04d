// Lint, and the layers of shared/DESIGN.md, as import rules:
//   - inside src/core, one order, lowest first; a folder imports only folders before it:
//     util → security → scan → chunk → embed → store → index → retrieval → conventions → prompt →
//     model → codebase → tools → eval → tune
//   - src/core never imports vscode, the extension, the webview or the CLI; src/cli never imports
//     vscode or the extension;
//   - the CLI and the extension reach the core through the Codebase (core/codebase), the layers
//     beside it (model, prompt) and above it (tools, eval, tune), never through the layers below;
//   - the webview imports only src/shared, and src/shared imports nothing.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const CORE_LAYERS = ["util", "security", "scan", "chunk", "embed", "store", "index", "retrieval", "conventions", "prompt", "model", "codebase", "tools", "eval", "tune"];

const noVscode = { name: "vscode", message: "src/core and src/cli must run in plain Node: go through a host interface." };
const noHostCode = { group: ["**/extension/**", "**/webview/**", "**/cli/**"], message: "The core may not import the extension, the webview or the CLI." };

/** The rule for one core layer: nothing from a layer after it. */
function coreLayer(layer, index) {
  const above = CORE_LAYERS.slice(index + 1);
  const patterns = [noHostCode];
  if (above.length > 0) {
    patterns.push({
      regex: String.raw`^\.\./(${above.join("|")})(/|$)`,
      message: `src/core/${layer} sits below ${above.join(", ")} (order: ${CORE_LAYERS.join(" → ")}); move the shared piece down instead.`,
    });
  }
  return { files: [`src/core/${layer}/**/*.ts`], rules: { "no-restricted-imports": ["error", { paths: [noVscode], patterns }] } };
}

const belowTheDoor = {
  regex: String.raw`(^|/)core/((store|index|retrieval|chunk|embed|scan|conventions|security)(/|$)|util/(?!host$))`,
  message: "Hosts use the core through the Codebase (core/codebase) and the model, prompt, tools and eval layers; the layers below stay behind it.",
};

export default tseslint.config(
  { ignores: ["dist/**", "out/**", "node_modules/**", ".vscode-test/**", "test/fixtures/**", "bench/results/**", ".try/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "off",
    },
  },
  ...CORE_LAYERS.map(coreLayer),
  { files: ["src/core/*.ts"], rules: { "no-restricted-imports": ["error", { patterns: [{ regex: ".*", message: "Every core module lives in a layer folder." }] }] } },
  {
    files: ["src/cli/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { paths: [noVscode], patterns: [{ group: ["**/extension/**", "**/webview/**"], message: "The CLI may not import the extension or the webview." }, belowTheDoor] }] },
  },
  { files: ["src/extension/**/*.ts"], rules: { "no-restricted-imports": ["error", { patterns: [{ group: ["**/cli/**", "**/webview/**"], message: "The extension talks to the webview through src/shared's protocol." }, belowTheDoor] }] } },
  { files: ["src/core/**/*.ts", "src/extension/**/*.ts"], rules: { "no-console": "error" } },
  {
    files: ["src/webview/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/core/**", "**/extension/**", "**/cli/**", "vscode"], message: "The webview imports only src/shared." }] }],
    },
  },
  {
    files: ["src/shared/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/core/**", "**/extension/**", "**/cli/**", "**/webview/**", "vscode"], message: "src/shared imports nothing." }] }],
    },
  },
  { files: ["**/*.mjs", "scripts/**"], languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } } },
);
