import type { Lang } from '../languages.js';

/**
 * Bulgarian, Russian and Ukrainian typed in Latin letters ("iskam da se varna", "hochu domoy"),
 * read back into Cyrillic as people's own chat spellings suggest (not a standard scheme: people
 * write ш as "sh" or "6", ч as "ch" or "4", ъ as "a"). The result is one more reading of the
 * message; character n-grams forgive what the guess gets wrong.
 */
type Rules = readonly (readonly [string, string])[];

const COMMON: Rules = [
  ['shch', 'щ'], ['sht', 'щ'], ['sch', 'щ'], ['zh', 'ж'], ['ch', 'ч'], ['sh', 'ш'], ['ts', 'ц'], ['kh', 'х'],
  ['yu', 'ю'], ['ju', 'ю'], ['iu', 'ю'], ['ya', 'я'], ['ja', 'я'], ['ia', 'я'],
  ['a', 'а'], ['b', 'б'], ['v', 'в'], ['w', 'в'], ['g', 'г'], ['d', 'д'], ['e', 'е'], ['z', 'з'], ['k', 'к'],
  ['l', 'л'], ['m', 'м'], ['n', 'н'], ['o', 'о'], ['p', 'п'], ['r', 'р'], ['s', 'с'], ['t', 'т'], ['u', 'у'],
  ['f', 'ф'], ['c', 'ц'], ['q', 'к'], ['x', 'кс'], ['4', 'ч'], ['6', 'ш'], ["'", 'ь'],
];

const RULES: Readonly<Partial<Record<Lang, Rules>>> = {
  // Bulgarian: "y" and "j" are й, "h" is х, "i" is и; "a" also stands for ъ, which no Latin letter spells.
  bg: [['yo', 'йо'], ['y', 'й'], ['j', 'й'], ['h', 'х'], ['i', 'и'], ...COMMON],
  // Russian: "y" between consonants is ы, at a word's end after a vowel й; "h" is х; "yo" ё read as е.
  ru: [['yo', 'е'], ['ye', 'е'], ['iy', 'ий'], ['yy', 'ый'], ['y', 'ы'], ['j', 'й'], ['h', 'х'], ['i', 'и'], ...COMMON],
  // Ukrainian: "h" is г, "g" also г, "y" is и, "i" is і, "yi"/"ji" ї, "ye"/"je" є.
  uk: [['yi', 'ї'], ['ji', 'ї'], ['ye', 'є'], ['je', 'є'], ['y', 'и'], ['j', 'й'], ['h', 'г'], ['i', 'і'], ...COMMON],
};

/** The languages a Latin-letter message may be a transliteration of, with their own rules. */
export const TRANSLITERATED_LANGUAGES = Object.keys(RULES) as Lang[];

/** `text` read as `lang` written in Latin letters, in Cyrillic; words with no Latin letter stay as they are. */
export function latinToCyrillic(text: string, lang: Lang): string {
  const rules = RULES[lang];
  if (!rules) return text;
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
    // A Russian word ending in a vowel and "ы" was most likely "й" ("moy" → мой).
    return lang === 'ru' ? out.replace(/([аеиоуя])ы$/, '$1й') : out;
  });
}

/** Whether a text is written mostly in Latin letters (and so may be a transliteration). */
export function isMostlyLatin(text: string): boolean {
  const latin = text.match(/[a-z]/gi)?.length ?? 0;
  const letters = text.match(/\p{L}/gu)?.length ?? 0;
  return letters > 0 && latin / letters > 0.8;
}
