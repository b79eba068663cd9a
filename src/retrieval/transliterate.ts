import { LANGUAGE_FACTS, languagesOf, type LanguageTable } from '../language-facts.js';
import type { Lang } from '../languages.js';

/**
 * Languages written in Cyrillic typed in Latin letters ("iskam da se varna", "hochu domoy"),
 * read back into Cyrillic by each language's rules in the table of language facts. The result
 * is one more reading of the message; character n-grams forgive what the guess gets wrong.
 */
export interface Transliterator {
  /** The languages a Latin-letter message may be a transliteration of, in the table's order. */
  readonly languages: readonly Lang[];
  /** `text` read as `lang` written in Latin letters; words with no Latin letter stay as they are. */
  toCyrillic(text: string, lang: Lang): string;
}

/** The transliterator for the languages of `table` that have transliteration rules. */
export function createTransliterator(table: LanguageTable): Transliterator {
  return {
    languages: languagesOf(table).filter((lang) => table[lang].transliteration !== undefined),
    toCyrillic(text, lang) {
      const transliteration = table[lang].transliteration;
      if (!transliteration) return text;
      const { rules, wordEnding } = transliteration;
      return text.toLowerCase().replace(/[a-z0-9']+/g, (word) => {
        if (!/[a-z]/.test(word) || /^\d+$/.test(word)) return word;
        let out = '';
        let i = 0;
        outer: while (i < word.length) {
          for (const [latin, cyrillic] of rules) {
            if (word.startsWith(latin, i)) {
              out += cyrillic;
              i += latin.length;
              continue outer;
            }
          }
          out += word[i];
          i++;
        }
        return wordEnding ? out.replace(wordEnding[0], wordEnding[1]) : out;
      });
    },
  };
}

const transliterator = createTransliterator(LANGUAGE_FACTS);

/** The languages of Rahnama a Latin-letter message may be a transliteration of (Bulgarian, Russian, Ukrainian). */
export const TRANSLITERATED_LANGUAGES: readonly Lang[] = transliterator.languages;

/** `text` read as `lang` written in Latin letters, in Cyrillic; words with no Latin letter stay as they are. */
export function latinToCyrillic(text: string, lang: Lang): string {
  return transliterator.toCyrillic(text, lang);
}

/** Whether a text is written mostly in Latin letters (and so may be a transliteration). */
export function isMostlyLatin(text: string): boolean {
  const latin = text.match(/[a-z]/gi)?.length ?? 0;
  const letters = text.match(/\p{L}/gu)?.length ?? 0;
  return letters > 0 && latin / letters > 0.8;
}
