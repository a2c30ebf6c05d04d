// Lint, and the layer rule of shared/DESIGN.md: core and cli never import vscode; the webview
// imports only src/shared.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const noVscode = {
  paths: [{ name: "vscode", message: "src/core and src/cli must run in plain Node: go through a host interface." }],
  patterns: [{ group: ["**/extension/**", "**/webview/**"], message: "core and cli may not import the extension or the webview." }],
};

export default tseslint.config(
  { ignores: ["dist/**", "out/**", "node_modules/**", ".vscode-test/**", "test/fixtures/**", "bench/results/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "off",
    },
  },
  { files: ["src/core/**/*.ts", "src/cli/**/*.ts"], rules: { "no-restricted-imports": ["error", noVscode] } },
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
