/**
 * The inline Markdown the bot writes, shared by its renderers (the web chat widget's, in the
 * browser, and the Telegram HTML one). Capture groups, in order: 1 bold; 2 italic with `*`;
 * 3 the character before and 4 the text of italic with `_` (not inside a word); 5 code;
 * 6 a link's text and 7 its address; 8 a bare address; then the `extra` parts' groups.
 * No lookbehind: Safari before 16.4 rejects it, and the whole widget with it.
 */
const PARTS = [
  /\*\*(.+?)\*\*/,
  /\*([^\s*](?:[^*]*[^\s*])?)\*/,
  /(^|[^\p{L}\p{N}_])_([^\s_](?:[^_]*[^\s_])?)_(?![\p{L}\p{N}_])/u,
  /`([^`]+)`/,
  /\[([^\]]+)\]\(([^)\s]+)\)/,
  /(https?:\/\/[^\s<>"]+)/,
];

export function inlineMarkdownPattern(...extra: RegExp[]): RegExp {
  return new RegExp([...PARTS, ...extra].map((part) => part.source).join('|'), 'gu');
}
