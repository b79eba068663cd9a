/**
 * The sentences of a long message, for scoring each on its own: a story before the question
 * ("I came in 2022, my savings are gone… who can help me?") must not drown the question, and a
 * message may ask two things.
 */

/** Messages with fewer words than this are read whole only. */
const MIN_WORDS_TO_SPLIT = 12;
/** Sentences with fewer words than this say too little alone ("Thanks.", "Hello!"). */
const MIN_SENTENCE_WORDS = 3;
/** At most this many sentences are scored (a very long message costs no more than this). */
const MAX_SENTENCES = 8;

// Sentence ends in the eleven languages' scripts: . ! ? … and the Arabic question mark, a line
// break; a comma joins clauses of one sentence.
const SENTENCE_END = /(?<=[.!?…؟۔])\s+|\n+/u;

const wordCount = (text: string) => text.split(/\s+/).filter((w) => /\p{L}/u.test(w)).length;

/** The sentences worth scoring on their own, or none when the message is short or one sentence. */
export function sentencesOf(text: string): string[] {
  if (wordCount(text) < MIN_WORDS_TO_SPLIT) return [];
  const sentences = text.split(SENTENCE_END).map((s) => s.trim()).filter((s) => wordCount(s) >= MIN_SENTENCE_WORDS);
  if (sentences.length < 2) return [];
  // The last sentences usually carry the question: keep those when there are too many.
  return sentences.slice(-MAX_SENTENCES);
}
