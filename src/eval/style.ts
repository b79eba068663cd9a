import { LANGUAGE_FACTS, romanisedLanguages, SCRIPT_GROUPS } from '../language-facts.js';

/**
 * The style of an evaluation message, inferred from the text when the item does not say it.
 * Kept simple and predictable; the rules, first match wins:
 *
 * 1. `romanised`: the item's language is one normally written in another script (ar fa ur ps
 *    bg ru uk) and most of its letters are Latin ("kifak, bade 2erja3", "iskam da se varna").
 * 2. `code-switched`: words in two scripts ("عندي case بوكالة اللاجئين", "share-не"), or, in a
 *    Latin-script language other than English (fr tr ku), one of a short list of English words
 *    that are not also words of those languages ("qui gère mon case", "fingerprint meselesi").
 *    Loanwords from another Latin-script language (Turkish words in Kurmanji) are not seen.
 * 3. `long`: more than 25 words, or 3 or more sentences.
 * 4. `short`: 4 words or fewer.
 * 5. `clear`: everything else.
 *
 * Acronyms (all capitals, up to 5 letters: IOM, AVRR, МОМ) are ignored for the script rules,
 * since people write "IOM" in every script. Without a language, rule 1 cannot apply.
 */
export type InferredStyle = 'romanised' | 'code-switched' | 'long' | 'short' | 'clear';

/** Display order of styles in reports; other (free) labels follow in alphabetical order. */
export const STYLE_ORDER: readonly string[] = ['short', 'romanised', 'long', 'code-switched', 'clear'];

/** Languages normally written in a non-Latin script, which people also type in Latin letters. */
const NON_LATIN_LANGUAGES: ReadonlySet<string> = new Set(romanisedLanguages(LANGUAGE_FACTS));
/** Latin-script languages in which an English word marks code-switching. */
const LATIN_NON_ENGLISH: ReadonlySet<string> = new Set(SCRIPT_GROUPS.latin.filter((lang) => lang !== 'en'));

/**
 * English words people drop into French, Turkish or Kurmanji chat messages, chosen not to be
 * words of those languages as well (so not "ticket", "visa", "job", "document", "police").
 */
const ENGLISH_MARKERS: ReadonlySet<string> = new Set([
  'the', 'my', 'your', 'and', 'with', 'please', 'pls', 'plz', 'thanks', 'thank', 'sorry', 'help',
  'case', 'flight', 'lawyer', 'passport', 'refugee', 'asylum', 'appeal', 'interview', 'appointment',
  'deport', 'deported', 'deportation', 'reintegration', 'business', 'fingerprint', 'fingerprints',
  'money', 'school', 'family', 'home', 'what', 'how', 'why', 'where', 'when', 'need', 'want', 'free',
  'status', 'papers', 'work', 'kids', 'children', 'husband', 'wife', 'country', 'apply', 'border',
  'embassy', 'phone', 'number', 'return', 'travel',
]);

export const LONG_WORDS = 25;
export const LONG_SENTENCES = 3;
export const SHORT_WORDS = 4;

type Script = 'latin' | 'cyrillic' | 'arabic' | 'other';

function scriptOf(char: string): Script | undefined {
  if (/\p{Script=Latin}/u.test(char)) return 'latin';
  if (/\p{Script=Cyrillic}/u.test(char)) return 'cyrillic';
  if (/\p{Script=Arabic}/u.test(char)) return 'arabic';
  if (/\p{L}/u.test(char)) return 'other';
  return undefined;
}

/** Words: whitespace-separated tokens with at least one letter or digit. */
export function wordsOf(text: string): string[] {
  return text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w));
}

/** Sentences with at least two words (so "hello??" or "Help!" alone is not a sentence). */
export function sentenceCount(text: string): number {
  return text
    .split(/[.!?؟۔…]+(?=\s|$)|\n+/u)
    .filter((s) => wordsOf(s).length >= 2).length;
}

function isAcronym(word: string): boolean {
  const letters = word.replace(/[^\p{L}]/gu, '');
  return letters.length >= 2 && letters.length <= 5 && letters === letters.toUpperCase() && letters !== letters.toLowerCase();
}

/** The script most of a word's letters are in (acronyms and letterless words: none). */
function wordScript(word: string): Script | undefined {
  if (isAcronym(word.split(/['’]/)[0] ?? word)) return undefined;
  const counts = new Map<Script, number>();
  for (const char of word) {
    const s = scriptOf(char);
    if (s) counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  let best: Script | undefined;
  for (const [s, n] of counts) if (!best || n > (counts.get(best) ?? 0)) best = s;
  return best;
}

/** A word without surrounding punctuation and without a Turkish/French apostrophe suffix, lower case. */
function bareWord(word: string): string {
  return (word.split(/['’]/)[0] ?? '').replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '').toLowerCase();
}

export function inferStyle(text: string, lang?: string): InferredStyle {
  const words = wordsOf(text);
  const scripts = words.map(wordScript).filter((s): s is Script => s !== undefined);
  const latin = scripts.filter((s) => s === 'latin').length;
  if (lang && NON_LATIN_LANGUAGES.has(lang) && scripts.length > 0 && latin / scripts.length > 0.5) return 'romanised';
  if (new Set(scripts).size > 1) return 'code-switched';
  if (lang && LATIN_NON_ENGLISH.has(lang) && words.some((w) => ENGLISH_MARKERS.has(bareWord(w)))) return 'code-switched';
  if (words.length > LONG_WORDS || sentenceCount(text) >= LONG_SENTENCES) return 'long';
  if (words.length <= SHORT_WORDS) return 'short';
  return 'clear';
}

/** The item's own `style` when it has one, else the inferred one. */
export function styleOf(item: { q: string; lang?: string; style?: string }): string {
  return item.style?.trim() || inferStyle(item.q, item.lang);
}
