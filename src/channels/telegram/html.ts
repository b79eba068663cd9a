/**
 * The bot's Markdown (paragraphs, `- ` lists, **bold**, *italic* or _italic_, `code`,
 * [text](address), bare addresses) as Telegram HTML, cut into messages Telegram accepts.
 *
 * Every piece of text is escaped on its own, so no text — an answer's, or a question a user typed
 * with `<` or `&` in it — can open a tag or break an entity. A message is cut only between
 * paragraphs, lines or words, never inside a tag or an entity.
 *
 * In right-to-left text (Arabic, Farsi, Pashto, Urdu), phone numbers, addresses and other
 * left-to-right runs are wrapped in Unicode isolates (U+2066 … U+2069), so that Telegram's apps
 * do not lay their parts out backwards.
 */

import { hasRightToLeftLetter, LRI, PDI, splitLtrRuns } from '../../markdown/bidi.js';
import { inlineMarkdownPattern } from '../../markdown/inline-syntax.js';

/** Telegram's longest message text, in characters. */
export const TELEGRAM_MESSAGE_LIMIT = 4096;

const escapeText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttribute = (text: string) => escapeText(text).replace(/"/g, '&quot;');

// Telegram links bare addresses itself; they are matched only so that `_` in them is not italics.
const INLINE = inlineMarkdownPattern();

/** Escaped text, each left-to-right run in an isolate when `isolate`. */
function bidiText(text: string, isolate: boolean): string {
  if (!isolate) return escapeText(text);
  return splitLtrRuns(text).map((part) => (part.ltr ? `${LRI}${escapeText(part.text)}${PDI}` : escapeText(part.text))).join('');
}

/**
 * One line's inline Markdown as HTML pieces that must not be cut: each element whole, and the
 * text between them word by word (spaces kept with the word before), each piece escaped. An
 * isolated run is one piece, so that no message ends inside it.
 */
function inlinePieces(text: string, isolate: boolean): string[] {
  const pieces: string[] = [];
  const words = (plain: string) => {
    const parts = isolate ? splitLtrRuns(plain) : [{ text: plain, ltr: false }];
    for (const part of parts) {
      if (part.ltr) {
        pieces.push(`${LRI}${escapeText(part.text)}${PDI}`);
        continue;
      }
      for (const word of part.text.split(/(?<=\s)/u)) {
        if (!word) continue;
        // The space after a run goes with it, as spaces go with the word before.
        if (/^\s+$/u.test(word) && pieces.length > 0 && pieces[pieces.length - 1]!.endsWith(PDI)) pieces[pieces.length - 1] += escapeText(word);
        else pieces.push(escapeText(word));
      }
    }
  };
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    const start = m.index ?? 0;
    words(text.slice(last, start));
    if (m[1] !== undefined) pieces.push(`<b>${inlineHtml(m[1], isolate)}</b>`);
    else if (m[2] !== undefined) pieces.push(`<i>${inlineHtml(m[2], isolate)}</i>`);
    else if (m[4] !== undefined) {
      words(m[3] ?? '');
      pieces.push(`<i>${inlineHtml(m[4], isolate)}</i>`);
    } else if (m[5] !== undefined) pieces.push(`<code>${bidiText(m[5], isolate)}</code>`);
    else if (m[6] !== undefined) pieces.push(link(m[6], m[7] ?? '', isolate));
    // A bare address is one run whatever its characters.
    else if (m[8] !== undefined) pieces.push(isolate ? `${LRI}${escapeText(m[8])}${PDI}` : escapeText(m[8]));
    last = start + m[0].length;
  }
  words(text.slice(last));
  return pieces;
}

const inlineHtml = (text: string, isolate: boolean) => inlinePieces(text, isolate).join('');

/**
 * A link for http(s) addresses. Telegram accepts no other kind in `<a href>`; its apps make
 * e-mail addresses and phone numbers tappable by themselves, so those are shown as text.
 */
function link(text: string, address: string, isolate: boolean): string {
  let url: URL | undefined;
  try {
    url = new URL(address);
  } catch {
    return inlineHtml(text, isolate);
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') return `<a href="${escapeAttribute(url.href)}">${inlineHtml(text, isolate)}</a>`;
  if (url.protocol === 'mailto:' || url.protocol === 'tel:') {
    const target = decodeURIComponent(url.pathname);
    return text.includes(target) ? inlineHtml(text, isolate) : `${inlineHtml(text, isolate)} (${bidiText(target, isolate)})`;
  }
  return inlineHtml(text, isolate);
}

/** A line as pieces: list items get a bullet, headings are bold. */
function linePieces(line: string, isolate: boolean): string[] {
  const item = /^\s*(?:[-*•]|(\d{1,3}[.)]))\s+(.*)$/.exec(line);
  if (item) return [item[1] ? `${item[1]} ` : '• ', ...inlinePieces(item[2] ?? '', isolate)];
  const heading = /^#{1,6}\s+(.*)$/.exec(line);
  if (heading) return [`<b>${inlineHtml(heading[1] ?? '', isolate)}</b>`];
  return inlinePieces(line, isolate);
}

/**
 * Paragraphs (split on blank lines), each a list of lines, each a list of pieces. Runs are
 * isolated in the whole text when any of it is right-to-left: Telegram's apps may set the
 * direction of the message by its first letter, so a line with only a number needs it too.
 */
function paragraphs(markdown: string): string[][][] {
  const isolate = hasRightToLeftLetter(markdown);
  return markdown
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((paragraph) => paragraph.split('\n').filter((line) => line.trim() !== '').map((line) => linePieces(line, isolate)))
    .filter((lines) => lines.length > 0);
}

/** The whole Markdown text as one Telegram HTML string (no length limit). */
export function toTelegramHtml(markdown: string): string {
  return paragraphs(markdown)
    .map((lines) => lines.map((pieces) => pieces.join('')).join('\n'))
    .join('\n\n');
}

/**
 * The Markdown as Telegram HTML messages of at most `limit` characters each: as many whole
 * paragraphs per message as fit; a longer paragraph is cut between lines, a longer line between
 * words, and only a single word longer than a message between its characters. (The limit counts
 * the HTML, tags included, so the text Telegram counts is never longer.)
 */
export function toTelegramMessages(markdown: string, limit = TELEGRAM_MESSAGE_LIMIT): string[] {
  const messages: string[] = [];
  let current = '';
  /** Appends `html` after `separator`, or starts a new message; false if it fits no message. */
  const add = (html: string, separator: string): boolean => {
    if (current !== '' && current.length + separator.length + html.length <= limit) {
      current += separator + html;
      return true;
    }
    if (html.length > limit) return false;
    if (current.trim() !== '') messages.push(current.trimEnd());
    current = html;
    return true;
  };
  for (const lines of paragraphs(markdown)) {
    if (add(lines.map((pieces) => pieces.join('')).join('\n'), '\n\n')) continue;
    lines.forEach((pieces, i) => {
      const separator = i === 0 ? '\n\n' : '\n';
      if (add(pieces.join(''), separator)) return;
      pieces.forEach((piece, j) => {
        if (add(piece, j === 0 ? separator : '')) return;
        // A single word (or element) longer than a message: its text, cut between characters.
        let chunk = '';
        for (const character of unescapeText(piece.replace(/<[^>]*>/g, ''))) {
          const escaped = escapeText(character);
          if (chunk.length + escaped.length > limit) {
            add(chunk, '');
            chunk = '';
          }
          chunk += escaped;
        }
        if (chunk) add(chunk, '');
      });
    });
  }
  if (current.trim() !== '') messages.push(current.trimEnd());
  return messages;
}

const unescapeText = (html: string) => html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
