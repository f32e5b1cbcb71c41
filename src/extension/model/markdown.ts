// Scenario strings in Markdown (tooltips and hovers are MarkdownStrings): a
// file path, a comm or a scenario name is text, never markup. A name like
// `[x](command:...)`, `![](https://...)`, `**` or a run of backticks must
// show as written, not become a link, an image, emphasis or the end of a
// code block. Pure.

/** Every character CommonMark could read as markup, backslash-escaped (the rendered text is the string itself). */
export function mdText(s: string): string {
  return s.replace(/[\\`*_[\]()#!|<>~&]/g, '\\$&').replace(/\r?\n/g, ' ');
}

/** A fenced code block holding `s` exactly: the fence is longer than any run of backticks inside it. */
export function mdFence(s: string): string {
  const longest = Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}\n${s}\n${fence}`;
}

/** An inline code span holding `s` exactly: its backtick fence is longer than any run of backticks inside it. */
export function mdCode(s: string): string {
  const longest = Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = s.startsWith('`') || s.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${s}${pad}${fence}`;
}
