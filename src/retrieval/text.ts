import { LANGUAGE_FACTS, type ApostropheRule, type LanguageTable } from '../language-facts.js';
import type { Lang } from '../languages.js';

/**
 * Text processing for search. The indexes know nothing about languages: they are handed
 * `tokenize` and a `processTerm` made from the table of language facts (the MiniSearch way).
 */

// Arabic-script letters written differently across Arabic, Farsi, Urdu and Pashto keyboards,
// folded to one form so that "كتاب" and "کتاب", "يا" and "یا" meet.
const ARABIC_SCRIPT_FOLD: Readonly<Record<string, string>> = {
  'ي': 'ی', 'ى': 'ی', 'ئ': 'ی', 'ے': 'ی', 'ې': 'ی', 'ۍ': 'ی',
  'ك': 'ک', 'ګ': 'گ',
  'ة': 'ه', 'ۀ': 'ه', 'ہ': 'ه', 'ھ': 'ه', 'ۂ': 'ه',
  'أ': 'ا', 'إ': 'ا', 'آ': 'ا', 'ٱ': 'ا', 'ٲ': 'ا', 'ٳ': 'ا',
  'ؤ': 'و',
  // Pashto and Urdu letters that a Farsi or Arabic keyboard lacks, as people then type them.
  'ښ': 'ش', 'ږ': 'ژ', 'ړ': 'ر', 'ڑ': 'ر', 'ټ': 'ت', 'ٹ': 'ت', 'ډ': 'د', 'ڈ': 'د', 'ڼ': 'ن', 'ں': 'ن', 'ځ': 'ز', 'څ': 'س',
  '٠': '0', '١': '1', '٢': '2', '٣': '3', '٤': '4', '٥': '5', '٦': '6', '٧': '7', '٨': '8', '٩': '9',
  '۰': '0', '۱': '1', '۲': '2', '۳': '3', '۴': '4', '۵': '5', '۶': '6', '۷': '7', '۸': '8', '۹': '9',
};
const ARABIC_SCRIPT_PATTERN = new RegExp(`[${Object.keys(ARABIC_SCRIPT_FOLD).join('')}]`, 'g');
// Tatweel, zero-width (non-)joiners, direction marks and other invisible format characters.
const INVISIBLES = /[\u0640\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
const COMBINING_MARKS = /\p{M}+/gu;
const APOSTROPHES = /[’‘ʼ`´]/g;

/** Printable ASCII without the backtick: folding it is lower-casing it. */
const PLAIN_ASCII = /^[\x20-\x5f\x61-\x7e]*$/;
/**
 * Words folded lately: each word of a message is folded once per language it may be in. Single
 * words only, never a whole message (as the stem caches: a bounded set of words, no sentence
 * anyone wrote).
 */
const foldedWordCache = new Map<string, string>();
const FOLDED_WORD_CACHE_LIMIT = 20_000;
const CACHED_WORD_LENGTH = 32;
const SPACE = /\s/;

/** Case, width, diacritic and Arabic-script folding: the form both index and query are compared in. */
export function foldText(text: string): string {
  if (PLAIN_ASCII.test(text)) return text.toLowerCase();
  if (text.length > CACHED_WORD_LENGTH || SPACE.test(text)) return foldUnicode(text);
  let folded = foldedWordCache.get(text);
  if (folded === undefined) {
    if (foldedWordCache.size >= FOLDED_WORD_CACHE_LIMIT) foldedWordCache.clear();
    foldedWordCache.set(text, (folded = foldUnicode(text)));
  }
  return folded;
}

function foldUnicode(text: string): string {
  return text
    .normalize('NFKC')
    .replace(INVISIBLES, '')
    .toLowerCase()
    .replace(/ı/g, 'i')
    // Phone keyboards type ’ (and Ukrainian ʼ) where phrase lists and variants have ': "can’t" is "can't".
    .replace(APOSTROPHES, "'")
    .replace(ARABIC_SCRIPT_PATTERN, (ch) => ARABIC_SCRIPT_FOLD[ch] ?? ch)
    .normalize('NFD')
    .replace(COMBINING_MARKS, '')
    .normalize('NFC');
}

const segmenter = new Intl.Segmenter('und', { granularity: 'word' });

/** Scripts written without spaces between words: only a dictionary segmenter can split them. */
const UNSPACED_SCRIPTS = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

/**
 * The word rule of Unicode word segmentation (UAX #29) for space-separated scripts: letters,
 * marks and digits, joined across an apostrophe, dot or colon between letters ("l'aide") and
 * across a dot, comma or apostrophe between digits. A test holds it equal to Intl.Segmenter on
 * the whole knowledge base and evaluation set; it is ten times faster, which is what index
 * building spends its time on.
 */
const SPACED_WORD = /[\p{L}\p{N}_][\p{L}\p{M}\p{N}_]*(?:(?<=[\p{L}\p{M}])['’.:·](?=\p{L})[\p{L}\p{M}\p{N}_]+|(?<=\p{N})[.,'’](?=\p{N})[\p{L}\p{M}\p{N}_]+)*/gu;

// One message is split several times (language detection, each language searched, phrases):
// the last result is remembered.
let lastTokenized = { text: '', words: [] as readonly string[] };

/**
 * Words of a text, by Unicode word segmentation (Intl.Segmenter where a script needs it; its
 * dictionaries for those scripts do not depend on the locale).
 */
export function tokenize(text: string): readonly string[] {
  if (text === lastTokenized.text) return lastTokenized.words;
  const clean = text.normalize('NFKC').replace(INVISIBLES, '');
  const words = UNSPACED_SCRIPTS.test(clean) ? segmentWords(clean) : (clean.match(SPACED_WORD) ?? []);
  lastTokenized = { text, words };
  return words;
}

/** Word-like segments by Intl.Segmenter (UAX #29 with dictionaries). */
export function segmentWords(text: string): string[] {
  const words: string[] = [];
  for (const seg of segmenter.segment(text)) {
    if (seg.isWordLike) words.push(seg.segment);
  }
  return words;
}

/** A word's search term in a language (stemmed, folded), or null to drop it. */
export type TermProcessor = (word: string, lang: Lang) => string | null;

/** The term processor for the languages of `table`: each language's apostrophe rule and stemmer. */
export function createTermProcessor(table: LanguageTable): TermProcessor {
  return (word, lang) => {
    const { apostrophe, stemmer } = table[lang];
    const lower = stripApostropheAffix(word.toLowerCase(), apostrophe);
    // Stem before folding: the stemmers know their language's diacritics.
    const term = foldText(stemmer && lower.length > 3 ? stemmer(lower) : lower);
    return term.length === 0 ? null : term;
  };
}

/** Stemmed, folded search term for one word in one of Rahnama's languages, or null to drop it. */
export const processTerm: TermProcessor = createTermProcessor(LANGUAGE_FACTS);

// An elision drops what comes before the apostrophe (l'aide, qu'il); a suffix after a name what comes after it (Bulgaristan'da).
function stripApostropheAffix(word: string, rule: ApostropheRule | undefined): string {
  if (!rule) return word;
  const i = word.search(/['’]/);
  if (i < 0) return word;
  if (rule === 'elision' && i <= 2) return word.slice(i + 1);
  if (rule === 'suffix') return word.slice(0, i);
  return word;
}

/** Tokenize and process in one go: the terms the index sees for a text in `lang`. */
export function termsOf(text: string, lang: Lang): string[] {
  const terms: string[] = [];
  for (const word of tokenize(text)) {
    const term = processTerm(word, lang);
    if (term) terms.push(term);
  }
  return terms;
}

