/**
 * Left-to-right runs in right-to-left text: phone numbers, e-mail and web addresses, and words in
 * Latin or Cyrillic letters. Laid out in an Arabic, Farsi or Pashto paragraph without help, a
 * number's groups come out backwards (`+359 2 93 94 774` reads `774 94 93 2 359+`). The renderers
 * wrap each run in a left-to-right isolate: `<bdi dir="ltr">` in the widget, U+2066 … U+2069 in
 * Telegram text. No lookbehind here either: the widget shares this module (see inline-syntax.ts).
 */

/** The blocks of the right-to-left scripts (Hebrew to Arabic Extended, their presentation forms, and the historic ones). */
const RTL_RANGES = '\\u0590-\\u08FF\\uFB1D-\\uFDFF\\uFE70-\\uFEFF\\u{10800}-\\u{10FFF}\\u{1E800}-\\u{1EFFF}';
const RTL_LETTER = new RegExp(`[${RTL_RANGES}]`, 'u');
/** A letter or digit of a left-to-right script, with its combining marks (European digits count; Arabic-Indic ones do not). */
const STRONG = `(?:(?![${RTL_RANGES}])[\\p{L}\\p{N}]\\p{M}*)`;
/** What may stand between two such characters inside one run: spaces and the punctuation of numbers, addresses and names. */
const JOINER = `[ \\t.,:;/\\\\@#&%+=?!~_*'’"„“”«»()\\[\\]\\u2010-\\u2014-]`;
const RUN = new RegExp(`[(\\[]?[+/]?${STRONG}(?:${JOINER}*${STRONG})*`, 'gu');
const CLOSING = /^[)\]]+/;

/** Left-to-right isolate and pop directional isolate, for text without markup. */
export const LRI = '\u2066';
export const PDI = '\u2069';

/** True when `text` has a letter of a right-to-left script. */
export function hasRightToLeftLetter(text: string): boolean {
  return RTL_LETTER.test(text);
}

export interface TextPart {
  readonly text: string;
  /** A left-to-right run, to be isolated. */
  readonly ltr: boolean;
}

/**
 * `text` cut into left-to-right runs and the rest, in order. A run starts and ends with a letter
 * or digit (so a sentence's full stop stays outside it), takes a `+`, a command's `/` (else
 * `/forget` shows as `forget/`) or an opening bracket just before it, and the closing brackets
 * that it opened just after it.
 */
export function splitLtrRuns(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const m of text.matchAll(RUN)) {
    const start = m.index ?? 0;
    let run = m[0];
    const opened = (run.match(/[(\[]/g)?.length ?? 0) - (run.match(/[)\]]/g)?.length ?? 0);
    if (opened > 0) run += (CLOSING.exec(text.slice(start + run.length))?.[0] ?? '').slice(0, opened);
    if (start > last) parts.push({ text: text.slice(last, start), ltr: false });
    parts.push({ text: run, ltr: true });
    last = start + run.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last), ltr: false });
  return parts;
}
