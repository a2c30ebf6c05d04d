// Model output → HTML for the chat view, safely: markdown-it with raw HTML off, links only to
// http(s), images shown as their alt text (never loaded), code highlighted by highlight.js, and
// `[path:start-end]` citations turned into buttons the extension resolves. Runs in the webview
// and, for tests, in Node: it touches no DOM.
import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import c from "highlight.js/lib/languages/c";
import cpp from "highlight.js/lib/languages/cpp";
import csharp from "highlight.js/lib/languages/csharp";
import css from "highlight.js/lib/languages/css";
import go from "highlight.js/lib/languages/go";
import java from "highlight.js/lib/languages/java";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import php from "highlight.js/lib/languages/php";
import python from "highlight.js/lib/languages/python";
import ruby from "highlight.js/lib/languages/ruby";
import rust from "highlight.js/lib/languages/rust";
import sql from "highlight.js/lib/languages/sql";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";
import MarkdownIt from "markdown-it";
import type Token from "markdown-it/lib/token.mjs";
import { findCitations, parseCitation } from "../shared/citation";

for (const [name, language] of Object.entries({ bash, c, cpp, csharp, css, go, java, javascript, json, php, python, ruby, rust, sql, typescript, xml, yaml })) {
  hljs.registerLanguage(name, language);
}
hljs.registerAliases(["ts", "tsx"], { languageName: "typescript" });
hljs.registerAliases(["js", "jsx", "mjs"], { languageName: "javascript" });
hljs.registerAliases(["py"], { languageName: "python" });
hljs.registerAliases(["sh", "shell", "zsh"], { languageName: "bash" });
hljs.registerAliases(["html", "svg"], { languageName: "xml" });
hljs.registerAliases(["cs"], { languageName: "csharp" });
hljs.registerAliases(["rs"], { languageName: "rust" });
hljs.registerAliases(["rb"], { languageName: "ruby" });
hljs.registerAliases(["yml"], { languageName: "yaml" });

export interface CodeBlock {
  code: string;
  language: string;
}

export interface Rendered {
  html: string;
  codeBlocks: CodeBlock[];
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

const SAFE_LINK = /^https?:\/\//i;

interface RenderEnv {
  codeBlocks: CodeBlock[];
  valid: ReadonlySet<string>;
  known: boolean;
}

function createRenderer(): MarkdownIt {
  const md = new MarkdownIt({
    html: false,
    linkify: false,
    typographer: false,
    highlight: (code, language) => {
      if (language && hljs.getLanguage(language)) return hljs.highlight(code, { language, ignoreIllegals: true }).value;
      return escapeHtml(code);
    },
  });
  // Only web links; `javascript:`, `command:`, `file:`, `data:` and the rest stay text.
  md.validateLink = (url) => SAFE_LINK.test(url.trim());
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    tokens[idx].attrSet("rel", "noopener noreferrer");
    tokens[idx].attrSet("class", "external");
    return self.renderToken(tokens, idx, options);
  };
  // Images are never fetched: their alt text stands in.
  md.renderer.rules.image = (tokens, idx) => `<span class="image-alt">[image: ${escapeHtml(tokens[idx].content || "untitled")}]</span>`;
  md.renderer.rules.fence = (tokens, idx, options, env: RenderEnv) => {
    const token = tokens[idx];
    const language = token.info.trim().split(/\s+/)[0] ?? "";
    const index = env.codeBlocks.push({ code: token.content, language }) - 1;
    const highlighted = options.highlight?.(token.content, language, "") || escapeHtml(token.content);
    return (
      `<div class="code-block" data-index="${index}">` +
      `<div class="code-actions"><span class="code-language">${escapeHtml(language)}</span>` +
      `<button type="button" data-action="copy" data-index="${index}" title="Copy">Copy</button>` +
      `<button type="button" data-action="insert" data-index="${index}" title="Insert at the cursor">Insert</button>` +
      `<button type="button" data-action="apply" data-index="${index}" title="Apply to the active file (shows a diff first)">Apply</button></div>` +
      `<pre><code class="hljs${language ? ` language-${escapeHtml(language)}` : ""}">${highlighted}</code></pre></div>\n`
    );
  };
  // Citations in text become buttons; the extension opens them (and knows whether they are valid).
  // Not inside a link's text (a button inside a link would open both), and `[\`path:1-2\`]` too.
  md.core.ruler.push("citations", (state) => {
    const env = state.env as RenderEnv;
    const button = (citation: string): Token => {
      const token = new state.Token("html_inline", "", 0);
      const unverified = env.known && !env.valid.has(citation);
      token.content = `<button type="button" class="citation${unverified ? " unverified" : ""}" data-citation="${escapeHtml(citation)}"` +
        ` title="${unverified ? "Not in the code sent to the model: unverified" : "Open " + escapeHtml(citation)}">${escapeHtml(citation)}</button>`;
      return token;
    };
    const text = (content: string): Token => Object.assign(new state.Token("text", "", 0), { content });
    for (const block of state.tokens) {
      if (block.type !== "inline" || !block.children) continue;
      const source = block.children;
      const children: Token[] = [];
      let linkDepth = 0;
      for (let i = 0; i < source.length; i++) {
        const child = source[i];
        if (child.type === "link_open") linkDepth++;
        if (child.type === "link_close") linkDepth--;
        const previous = children.at(-1);
        const next = source[i + 1];
        if (linkDepth === 0 && child.type === "code_inline" && previous?.type === "text" && previous.content.endsWith("[") && next?.type === "text" && next.content.startsWith("]") && parseCitation(child.content)) {
          previous.content = previous.content.slice(0, -1);
          next.content = next.content.slice(1);
          children.push(button(child.content.trim()));
          continue;
        }
        const found = child.type === "text" && linkDepth === 0 ? findCitations(child.content) : [];
        if (found.length === 0) {
          children.push(child);
          continue;
        }
        let at = 0;
        for (const match of found) {
          children.push(text(child.content.slice(at, match.index)), button(match.text));
          at = match.index + match.length;
        }
        children.push(text(child.content.slice(at)));
      }
      block.children = children;
    }
  });
  return md;
}

let renderer: MarkdownIt | undefined;

/**
 * Renders an answer. `validCitations`, when given, marks the citations the context does not back.
 */
export function renderAnswer(markdown: string, validCitations?: readonly string[]): Rendered {
  renderer ??= createRenderer();
  const env: RenderEnv = { codeBlocks: [], valid: new Set(validCitations ?? []), known: validCitations !== undefined };
  return { html: renderer.render(markdown, env), codeBlocks: env.codeBlocks };
}
