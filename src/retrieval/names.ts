import { foldText } from './text.js';

/** A text as the question model reads it. */
export type TextReading = (text: string) => string;

export const asWritten: TextReading = (text) => text;

const WORD_CHAR = '[\\p{L}\\p{M}\\p{N}]';
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Reads every one of `names` (terms as the glossary writes them: a `*` ends a word with any
 * ending) as the single word `as`, in folded text. The organisation's full name and its
 * abbreviations (МОМ, OIM), in any language, are then one word: "Does the International
 * Organization for Migration pay for the ticket?" asks what "Does IOM pay for the ticket?" asks,
 * instead of matching the one entry whose ways of asking spell the name out ("What is the
 * International Organization for Migration?"). One regular expression for all the names, built
 * once per training.
 */
export function nameReading(names: readonly string[], as: string): TextReading {
  const patterns = names
    .map((name) => foldText(name).split(/\s+/).filter(Boolean))
    .filter((words) => words.length > 1 || words[0] !== as)
    .map((words) => words.map((w) => (w.endsWith('*') ? `${escapeRegExp(w.replace(/\*+$/, ''))}${WORD_CHAR}*` : escapeRegExp(w))).join('\\s+'));
  if (patterns.length === 0) return asWritten;
  const regex = new RegExp(`(?<!${WORD_CHAR})(?:${patterns.join('|')})(?!${WORD_CHAR})`, 'gu');
  // A text without any of the names is given back as it came (read as before, to the letter).
  // A message is read for its matches and again for its profile: the last reading is kept.
  let last = { text: '', read: '' };
  return (text) => {
    if (text === last.text) return last.read;
    const folded = foldText(text);
    regex.lastIndex = 0;
    last = { text, read: regex.test(folded) ? folded.replace(regex, as) : text };
    return last.read;
  };
}
