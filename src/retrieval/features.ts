import { foldText, tokenize } from './text.js';

/**
 * Sparse features of a message, for the question matcher: folded words, word stems cut at five
 * letters (a stemmer for every language, including Farsi, Pashto, Urdu and Kurmanji, which have
 * none), word pairs, and character n-grams (3–5) inside words with word-boundary marks, which
 * carry inflection, missing or extra letters and typos in every script.
 *
 * Features are 32-bit hashes, computed over the words' character codes without building a
 * string per feature: at 10,000 entries in eleven languages that is the difference between
 * seconds and minutes of training. Two features sharing a hash (rare among the few million a
 * large knowledge base has) only add a little noise.
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
/** Words longer than this also give their first PREFIX_LENGTH letters as a feature. */
const PREFIX_LENGTH = 5;

// Seeds keep the kinds apart: the word "home" and the n-gram "home" are different features.
const WORD_SEED = 0x811c9dc5;
const PREFIX_SEED = 0x01000193;
const PAIR_SEED = 0x5bd1e995;
const NGRAM_SEED = 0x27d4eb2f;
/** Code of the word-boundary mark around a word, for n-grams ("<ho", "me>"). */
const BOUNDARY = 0x3c;

/** FNV-1a over code units [from, to) of `word`, seeded. */
function hashRange(word: string, from: number, to: number, seed: number): number {
  let h = seed;
  for (let i = from; i < to; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

// A message's words are asked for twice (its profile, then its vector): the last are kept.
let lastFolded = { text: '', words: [] as readonly string[] };

/** Folded words of a text, in order (the unit every feature is made of). */
export function foldedWords(text: string): readonly string[] {
  if (text !== lastFolded.text) lastFolded = { text, words: tokenize(foldText(text)).filter((w) => w.length > 0) };
  return lastFolded.words;
}

/** The hash of a folded word as a whole (the key of its word feature). */
export function wordHash(word: string): number {
  return hashRange(word, 0, word.length, WORD_SEED);
}

/**
 * Calls `add` with each feature of `words` and its kind weight (before IDF), in order; a
 * feature may come more than once, and the caller keeps its largest weight (counts are not
 * kept: in texts this short, a repeated word says little more than one). No map per text.
 */
export function eachFeature(words: readonly string[], options: FeatureOptions, add: (key: number, weight: number) => void): void {
  const wordHashes = words.map(wordHash);
  const shortest = options.ngrams[0] ?? 0;
  const longest = options.ngrams[options.ngrams.length - 1] ?? 0;
  words.forEach((word, i) => {
    const h = wordHashes[i] as number;
    add(h, WORD_WEIGHT);
    if (word.length > PREFIX_LENGTH) add(hashRange(word, 0, PREFIX_LENGTH, PREFIX_SEED), PREFIX_WEIGHT);
    const next = wordHashes[i + 1];
    if (next !== undefined) add((Math.imul(h ^ PAIR_SEED, 0x9e3779b1) ^ next) >>> 0, PAIR_WEIGHT);
    // The word between boundary marks ("<home>"). From each start, one FNV-1a pass over the
    // longest n-gram gives the shorter ones on the way; each length is mixed in at its end.
    const marked = word.length + 2;
    if (codes.length < marked) codes = new Uint16Array(marked * 2);
    codes[0] = BOUNDARY;
    for (let c = 0; c < word.length; c++) codes[c + 1] = word.charCodeAt(c);
    codes[marked - 1] = BOUNDARY;
    // An n-gram as long as the marked word itself is the word feature again: not added (n < marked).
    for (let k = 0; k + shortest <= marked; k++) {
      let g = NGRAM_SEED;
      const end = Math.min(k + longest, marked);
      for (let j = k; j < end; j++) {
        g = Math.imul(g ^ (codes[j] as number), 0x01000193);
        const n = j - k + 1;
        if (n >= shortest && n < marked && options.ngrams.includes(n)) add(Math.imul(g ^ n, 0x9e3779b1) >>> 0, NGRAM_WEIGHT);
      }
    }
  });
}

/** A word's character codes between boundary marks (scratch for `eachFeature`). */
let codes = new Uint16Array(64);
