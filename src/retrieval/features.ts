import { foldText, tokenize } from './text.js';

/**
 * Sparse features of a message, for the question matcher: folded words, word stems cut at five
 * letters (a stemmer for every language, including Farsi, Pashto, Urdu and Kurmanji, which have
 * none), word pairs, and character n-grams (3–5) inside words with word-boundary marks, which
 * carry inflection, missing or extra letters and typos in every script.
 */
export interface FeatureOptions {
  /** Character n-gram lengths, smallest first. Default [3, 4, 5]. */
  readonly ngrams: readonly number[];
}

export const defaultFeatureOptions: FeatureOptions = { ngrams: [3, 4, 5] };

/** Weight of each kind of feature before IDF: whole words carry more than any one n-gram. */
const WORD_WEIGHT = 1;
const PREFIX_WEIGHT = 0.7;
const PAIR_WEIGHT = 0.6;
const NGRAM_WEIGHT = 0.35;
/** Words this short have no n-grams of their own beyond the word itself. */
const PREFIX_LENGTH = 5;

/** Folded words of a text, in order (the unit every feature is made of). */
export function foldedWords(text: string): string[] {
  return tokenize(foldText(text)).filter((w) => w.length > 0);
}

/**
 * Raw features of `words` with their kind weights (before IDF). Counts are not kept: in texts
 * this short, a repeated word says little more than one.
 */
export function rawFeatures(words: readonly string[], options: FeatureOptions = defaultFeatureOptions): Map<string, number> {
  const out = new Map<string, number>();
  const add = (key: string, weight: number) => {
    if ((out.get(key) ?? 0) < weight) out.set(key, weight);
  };
  words.forEach((word, i) => {
    add(`w ${word}`, WORD_WEIGHT);
    if (word.length > PREFIX_LENGTH) add(`p ${word.slice(0, PREFIX_LENGTH)}`, PREFIX_WEIGHT);
    const next = words[i + 1];
    if (next) add(`b ${word} ${next}`, PAIR_WEIGHT);
    const marked = `<${word}>`;
    for (const n of options.ngrams) {
      if (marked.length <= n) continue;
      for (let k = 0; k + n <= marked.length; k++) add(`c${marked.slice(k, k + n)}`, NGRAM_WEIGHT);
    }
  });
  return out;
}
