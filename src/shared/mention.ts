// The `@` mention grammar of chat questions: `@src/a.ts` or `@parseURL`, and `@"My App/src/a b.ts"`
// for a path with spaces. The webview inserts mentions in this form; the core resolves them.

/** The mentions in a question, in order, without the `@` and the quotes. */
export function findMentions(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/(?:^|\s)@(?:"([^"\r\n]+)"|([\w./-]+))/g)) {
    const mention = (match[1] ?? match[2]).replace(/[.]+$/, "");
    if (mention && !found.includes(mention)) found.push(mention);
  }
  return found;
}

/** How a mention of this value is written: quoted when it holds white space. */
export function formatMention(value: string): string {
  return /\s/.test(value) ? `@"${value}"` : `@${value}`;
}
