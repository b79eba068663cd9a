import { foldForGlossary, termFinder } from '../knowledge/glossary.js';
import type { Lang } from '../languages.js';

/** A text as the question model reads it. */
export type TextReading = (text: string) => string;

export const asWritten: TextReading = (text) => text;

const joined = (char: string | undefined): boolean => char !== undefined && /[\p{L}\p{N}]/u.test(char);

/** A name as the glossary writes it (a `*` ends a word with any ending), in its language. */
export interface Name {
  readonly lang: Lang;
  readonly term: string;
}

/**
 * Reads every one of `names` as the single word `as`, found as the glossary finds its terms
 * (`termFinder`). The organisation's full name and its abbreviations (МОМ, OIM), in any language,
 * are then one word: "Does the International Organization for Migration pay for the ticket?"
 * asks what "Does IOM pay for the ticket?" asks, instead of matching the one entry whose ways of
 * asking spell the name out ("What is the International Organization for Migration?").
 */
export function nameReading(names: readonly Name[], as: string): TextReading {
  const finders = names.filter(({ term }) => foldForGlossary(term) !== as).map(({ lang, term }) => termFinder(lang, term));
  if (finders.length === 0) return asWritten;
  // A text without any of the names is given back as it came (read as before, to the letter).
  // A message is read for its matches and again for its profile: the last reading is kept.
  let last = { text: '', read: '' };
  return (text) => {
    if (text === last.text) return last.read;
    const folded = foldForGlossary(text);
    const found: { start: number; end: number }[] = [];
    for (const find of finders) for (let at = find(folded); at; at = find(folded, at.end)) found.push(at);
    // Earliest first, the longer of two that start together; one that overlaps a kept one is dropped.
    found.sort((a, b) => a.start - b.start || b.end - a.end);
    let read = '';
    let done = 0;
    for (const { start, end } of found) {
      if (start < done) continue;
      // Where the name was written joined to a letter (Arabic ل before it), the word stays apart.
      read += `${folded.slice(done, start)}${joined(folded[start - 1]) ? ' ' : ''}${as}${joined(folded[end]) ? ' ' : ''}`;
      done = end;
    }
    last = { text, read: found.length === 0 ? text : read + folded.slice(done) };
    return last.read;
  };
}
