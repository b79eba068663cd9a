import { stemmer as stemAr } from '@orama/stemmers/arabic';
import { stemmer as stemBg } from '@orama/stemmers/bulgarian';
import { stemmer as stemEn } from '@orama/stemmers/english';
import { stemmer as stemFr } from '@orama/stemmers/french';
import { stemmer as stemRu } from '@orama/stemmers/russian';
import { stemmer as stemTr } from '@orama/stemmers/turkish';
import { stemmer as stemUk } from '@orama/stemmers/ukrainian';
import type { Lang } from './languages.js';

/**
 * Everything the program knows about each language it speaks, in one table: the script and
 * direction it is written in, franc's codes for it, its stemmer, how people type it in Latin
 * letters, the letters that tell it from its neighbours, and the fonts that show it well.
 *
 * Nothing else names a language to decide how to treat it: the detector, the text processing
 * of the indexes, the transliteration and the renderers are handed this table (or functions
 * made from it), the way MiniSearch is handed `processTerm`. Groups of languages (by script,
 * right-to-left, romanised) are derived from it, never written out again.
 */

export type Script = 'arabic' | 'cyrillic' | 'latin';
export type Direction = 'ltr' | 'rtl';

/** Every script a language of the table is written in. */
export const SCRIPTS: readonly Script[] = ['arabic', 'cyrillic', 'latin'];

/** Letters that count for (positive weight) or against (negative) a language among those of its script. */
export interface LetterRule {
  readonly letters: RegExp;
  readonly weight: number;
}

/** How a language written in Latin letters is read back into its own (Cyrillic) script. */
export interface Transliteration {
  /** Latin spellings and their Cyrillic letters; at each position the first that matches is taken. */
  readonly rules: readonly (readonly [latin: string, cyrillic: string])[];
  /** A rewrite of each transliterated word's ending, for spellings only the end of a word tells. */
  readonly wordEnding?: readonly [pattern: RegExp, replacement: string];
}

/** What an apostrophe inside a word marks: a French elision (l'aide) or a Turkish suffix after a name (Bulgaristan'da). */
export type ApostropheRule = 'elision' | 'suffix';

/**
 * A definite article written joined to the word, and what it becomes after a preposition that
 * merges with it (Arabic ال after ل: المنظمة, للمنظمة).
 */
export interface JoinedArticle {
  readonly prefix: string;
  /** What `prefix` becomes after that preposition (ال after ل is ل: لل). */
  readonly merged: readonly string[];
}

/** Fonts that shape a language well where the device has them (the web chat's stylesheet). */
export interface FontFacts {
  /** A CSS `font-family` list. */
  readonly family: string;
  /** A CSS `line-height`, for scripts whose letters reach far above and below the line. */
  readonly lineHeight?: number;
}

/**
 * The facts of one language. Every field is present in every language (a fact a language does
 * not have is `undefined` or empty, written out), so a new language cannot forget one.
 */
export interface LanguageFacts {
  readonly script: Script;
  /**
   * Its place among the languages of its script when the detector finds the evidence exactly
   * even (a short word such as "ок" or "чао", as much Russian as Bulgarian): the lowest wins.
   */
  readonly detectionRank: number;
  readonly direction: Direction;
  /** franc's ISO 639-3 codes that mean this language. */
  readonly francCodes: readonly string[];
  /** A maintained Snowball-family stemmer (Orama), or none. */
  readonly stemmer: ((word: string) => string) | undefined;
  readonly apostrophe: ApostropheRule | undefined;
  /** Its joined definite article, for matching glossary terms in every form. */
  readonly article: JoinedArticle | undefined;
  /**
   * Whether people often type it in Latin letters (Arabizi, Finglish, Roman Urdu, Latin Pashto,
   * Bulgarian, Russian and Ukrainian without a Cyrillic keyboard): only these languages'
   * translations take romanised spellings in the knowledge base.
   */
  readonly romanised: boolean;
  /** Rules that read its Latin-letter spelling back into its script, if a rule set can (Cyrillic). */
  readonly transliteration: Transliteration | undefined;
  /** Distinctive letters, as evidence for or against it when detecting a message's language. */
  readonly letterRules: readonly LetterRule[];
  /** Fonts for it in the web chat, beyond the default stack. */
  readonly font: FontFacts | undefined;
}

/** The table: one record of facts per language. */
export type LanguageTable = Readonly<Record<Lang, LanguageFacts>>;

/**
 * Orama's Bulgarian stemmer rewrites letters in place (`t[i] = 'н'`), which throws on a string
 * in strict-mode modules; it was written for a mutable character array, so it gets one.
 */
function stemBulgarian(word: string): string {
  const chars = Object.assign([...word], {
    substring(start: number, end: number) {
      return chars.slice(start, end).join('');
    },
  });
  return stemBg(chars as unknown as string);
}

// Letters only some of the languages sharing a script use: short messages rarely give a
// statistical detector enough to go on, but one of these letters often settles it. A language
// lists each as evidence for it (positive weight) or against it (negative), in this order.
const rule = (letters: RegExp, weight: number): LetterRule => ({ letters, weight });
const PASHTO_LETTERS = /[ټډړږښګڼېۍځڅ]/;
const URDU_LETTERS = /[ٹڈڑںےۓ]/;
const URDU_HEH = /[ھہ]/;
const PERSIAN_LETTERS = /[پچژگکی]/;
const ARABIC_LETTERS = /[يكةىإ]/;
const UKRAINIAN_LETTERS = /[іїєґ]/;
const RUSSIAN_LETTERS = /[ыэё]/;
const HARD_SIGN = /ъ/;
const TURKISH_LETTERS = /[ığİ]/;
const S_CEDILLA = /ş/;
const KURMANJI_LETTERS = /[êîû]/;
const FRENCH_LETTERS = /[éèàùâôœ]/;

// Russian, Bulgarian and Ukrainian typed in Latin letters, as people's own chat spellings suggest
// (not a standard scheme: people write ш as "sh" or "6", ч as "ch" or "4", ъ as "a"). What the
// three share comes after each language's own rules.
const COMMON_CYRILLIC: Transliteration['rules'] = [
  ['shch', 'щ'], ['sht', 'щ'], ['sch', 'щ'], ['zh', 'ж'], ['ch', 'ч'], ['sh', 'ш'], ['ts', 'ц'], ['kh', 'х'],
  ['yu', 'ю'], ['ju', 'ю'], ['iu', 'ю'], ['ya', 'я'], ['ja', 'я'], ['ia', 'я'],
  ['a', 'а'], ['b', 'б'], ['v', 'в'], ['w', 'в'], ['g', 'г'], ['d', 'д'], ['e', 'е'], ['z', 'з'], ['k', 'к'],
  ['l', 'л'], ['m', 'м'], ['n', 'н'], ['o', 'о'], ['p', 'п'], ['r', 'р'], ['s', 'с'], ['t', 'т'], ['u', 'у'],
  ['f', 'ф'], ['c', 'ц'], ['q', 'к'], ['x', 'кс'], ['4', 'ч'], ['6', 'ш'], ["'", 'ь'],
];

const NASKH = '"Noto Naskh Arabic", "Noto Sans Arabic", "Segoe UI", Tahoma, system-ui, sans-serif';
const NASTALIQ = '"Noto Nastaliq Urdu", "Jameel Noori Nastaleeq", "Noto Naskh Arabic", "Segoe UI", Tahoma, sans-serif';

/**
 * The facts, language by language. Lists of languages derived from the table keep its order:
 * the romanised languages (as the knowledge validator names them) and the transliterated
 * readings of a message, the first of which wins when two read a message alike ("iskam da se
 * varna" reads the same as Bulgarian and as Russian: Bulgarian). Script groups are in
 * `detectionRank` order.
 */
export const LANGUAGE_FACTS: LanguageTable = {
  en: {
    script: 'latin', detectionRank: 0, direction: 'ltr', francCodes: ['eng'],
    stemmer: stemEn, apostrophe: undefined, article: undefined,
    romanised: false, transliteration: undefined,
    letterRules: [rule(TURKISH_LETTERS, -0.6), rule(S_CEDILLA, -0.6), rule(KURMANJI_LETTERS, -0.6), rule(FRENCH_LETTERS, -0.6)],
    font: undefined,
  },
  fr: {
    script: 'latin', detectionRank: 1, direction: 'ltr', francCodes: ['fra'],
    stemmer: stemFr, apostrophe: 'elision', article: undefined,
    romanised: false, transliteration: undefined,
    letterRules: [rule(TURKISH_LETTERS, -0.6), rule(S_CEDILLA, -0.6), rule(FRENCH_LETTERS, 1.0)],
    font: undefined,
  },
  tr: {
    script: 'latin', detectionRank: 2, direction: 'ltr', francCodes: ['tur'],
    stemmer: stemTr, apostrophe: 'suffix', article: undefined,
    romanised: false, transliteration: undefined,
    letterRules: [rule(TURKISH_LETTERS, 1.0), rule(S_CEDILLA, 0.4), rule(KURMANJI_LETTERS, -0.4), rule(FRENCH_LETTERS, -0.4)],
    font: undefined,
  },
  ku: {
    // Kurmanji, in Latin letters: franc's Latin-script "ckb" profile is Kurdish written so.
    script: 'latin', detectionRank: 3, direction: 'ltr', francCodes: ['ckb'],
    stemmer: undefined, apostrophe: undefined, article: undefined,
    romanised: false, transliteration: undefined,
    letterRules: [rule(TURKISH_LETTERS, -0.3), rule(S_CEDILLA, 0.4), rule(KURMANJI_LETTERS, 0.8), rule(FRENCH_LETTERS, -0.4)],
    font: undefined,
  },
  ar: {
    script: 'arabic', detectionRank: 0, direction: 'rtl', francCodes: ['arb'],
    stemmer: stemAr, apostrophe: undefined, article: { prefix: 'ال', merged: ['ل'] },
    // Arabizi: digits for the letters Latin has none for (2 ء, 3 ع, 5 خ, 7 ح, 9 ق/ص).
    romanised: true, transliteration: undefined,
    letterRules: [rule(PASHTO_LETTERS, -0.6), rule(URDU_LETTERS, -0.6), rule(PERSIAN_LETTERS, -0.6), rule(ARABIC_LETTERS, 0.6)],
    font: { family: NASKH },
  },
  fa: {
    // Farsi and Dari; Finglish in Latin letters.
    script: 'arabic', detectionRank: 1, direction: 'rtl', francCodes: ['pes', 'prs'],
    stemmer: undefined, apostrophe: undefined, article: undefined,
    romanised: true, transliteration: undefined,
    letterRules: [rule(PASHTO_LETTERS, -0.4), rule(URDU_LETTERS, -0.4), rule(PERSIAN_LETTERS, 0.2)],
    font: { family: NASKH },
  },
  ur: {
    script: 'arabic', detectionRank: 2, direction: 'rtl', francCodes: ['urd'],
    stemmer: undefined, apostrophe: undefined, article: undefined,
    romanised: true, transliteration: undefined,
    letterRules: [rule(PASHTO_LETTERS, -0.4), rule(URDU_LETTERS, 1.2), rule(URDU_HEH, 0.5)],
    // Nastaliq reaches far above and below the line.
    font: { family: NASTALIQ, lineHeight: 1.9 },
  },
  ps: {
    script: 'arabic', detectionRank: 3, direction: 'rtl', francCodes: ['pbu'],
    stemmer: undefined, apostrophe: undefined, article: undefined,
    romanised: true, transliteration: undefined,
    letterRules: [rule(PASHTO_LETTERS, 1.2), rule(URDU_LETTERS, -0.2)],
    font: { family: NASKH },
  },
  bg: {
    script: 'cyrillic', detectionRank: 2, direction: 'ltr', francCodes: ['bul'],
    stemmer: stemBulgarian, apostrophe: undefined, article: undefined,
    romanised: true,
    // "y" and "j" are й, "h" is х, "i" is и; "a" also stands for ъ, which no Latin letter spells.
    transliteration: { rules: [['yo', 'йо'], ['y', 'й'], ['j', 'й'], ['h', 'х'], ['i', 'и'], ...COMMON_CYRILLIC] },
    letterRules: [rule(UKRAINIAN_LETTERS, -0.6), rule(RUSSIAN_LETTERS, -0.6), rule(HARD_SIGN, 0.4)],
    font: undefined,
  },
  ru: {
    script: 'cyrillic', detectionRank: 0, direction: 'ltr', francCodes: ['rus'],
    stemmer: stemRu, apostrophe: undefined, article: undefined,
    romanised: true,
    // "y" between consonants is ы, at a word's end after a vowel й; "h" is х; "yo" ё read as е.
    transliteration: {
      rules: [['yo', 'е'], ['ye', 'е'], ['iy', 'ий'], ['yy', 'ый'], ['y', 'ы'], ['j', 'й'], ['h', 'х'], ['i', 'и'], ...COMMON_CYRILLIC],
      // A word ending in a vowel and "ы" was most likely "й" ("moy" → мой).
      wordEnding: [/([аеиоуя])ы$/, '$1й'],
    },
    letterRules: [rule(UKRAINIAN_LETTERS, -0.6), rule(RUSSIAN_LETTERS, 1.0)],
    font: undefined,
  },
  uk: {
    script: 'cyrillic', detectionRank: 1, direction: 'ltr', francCodes: ['ukr'],
    stemmer: stemUk, apostrophe: undefined, article: undefined,
    romanised: true,
    // "h" is г, "g" also г, "y" is и, "i" is і, "yi"/"ji" ї, "ye"/"je" є.
    transliteration: { rules: [['yi', 'ї'], ['ji', 'ї'], ['ye', 'є'], ['je', 'є'], ['y', 'и'], ['j', 'й'], ['h', 'г'], ['i', 'і'], ...COMMON_CYRILLIC] },
    letterRules: [rule(UKRAINIAN_LETTERS, 1.2), rule(RUSSIAN_LETTERS, -0.6), rule(HARD_SIGN, -0.6)],
    font: undefined,
  },
};

/** The languages of a table, in its order. */
export function languagesOf(table: LanguageTable): Lang[] {
  return Object.keys(table) as Lang[];
}

/** The languages of a table written in each script, by `detectionRank`. */
export function scriptGroups(table: LanguageTable): Readonly<Record<Script, readonly Lang[]>> {
  const groups = Object.fromEntries(SCRIPTS.map((script) => [script, [] as Lang[]])) as Record<Script, Lang[]>;
  for (const lang of languagesOf(table)) groups[table[lang].script].push(lang);
  for (const group of Object.values(groups)) group.sort((a, b) => table[a].detectionRank - table[b].detectionRank);
  return groups;
}

/** The languages people often type in Latin letters, in the table's order. */
export function romanisedLanguages(table: LanguageTable): Lang[] {
  return languagesOf(table).filter((lang) => table[lang].romanised);
}

/** The languages Rahnama speaks in each script, by `detectionRank`. */
export const SCRIPT_GROUPS = scriptGroups(LANGUAGE_FACTS);

/** The writing direction of a language (left-to-right for a code the table does not have). */
export function textDirection(lang: string): Direction {
  return Object.hasOwn(LANGUAGE_FACTS, lang) ? LANGUAGE_FACTS[lang as Lang].direction : 'ltr';
}
