import { LANGUAGES, type Lang } from '../languages.js';
import { SMALL_TALK_INTENTS, type Locales, type SmallTalkIntent } from '../i18n/locales.js';
import { foldText, tokenize } from './text.js';

/** A phrase from the locales recognised in a message. */
export interface IntentMatch<T extends string> {
  readonly intent: T;
  /** Languages whose locale files list the phrase (a greeting like "salam" is in several). */
  readonly langs: readonly Lang[];
  /** The phrase is the whole message. */
  readonly whole: boolean;
}

// Sentence ends (not the colon: "two years ago they did this: took my passport…" is one event).
const SENTENCE_END = /[.!?…؟۔\n]+/u;

/** Words a small-talk message may have beyond the phrase ("hi there", "thanks a lot"). */
const SMALL_TALK_SLACK = 2;

/** Folded words of a text, so phrases match whatever the case, diacritics or punctuation. */
function words(text: string): readonly string[] {
  return tokenize(foldText(text));
}

interface Phrase<T extends string> {
  readonly words: readonly string[];
  readonly intent: T;
  readonly langs: Lang[];
}

/** Letters from which a phrase word also matches longer forms that start with it, and how much longer. */
const INFLECTED_FROM = 4;
const MAX_ENDING = 4;

/**
 * Looks up the phrases of the locale files (emergency and small talk) in messages. With
 * `inflections`, a phrase word of four letters or more also matches forms that add up to four
 * letters to it ("дете" finds "детето", "убива" "убиват"): phrases are written in their shortest
 * form. (Cutting letters off instead let "передоз" find "передумала".)
 */
export class PhraseMatcher<T extends string> {
  /** Phrases by their first word (its first four letters, with `inflections`), longest first. */
  private readonly byFirstWord = new Map<string, Phrase<T>[]>();
  /** Phrases by their folded words, joined: one phrase listed in several languages is one entry. */
  private readonly byWords = new Map<string, Phrase<T>>();

  constructor(private readonly inflections = false) {}

  private key(word: string): string {
    return this.inflections && word.length >= INFLECTED_FROM ? word.slice(0, INFLECTED_FROM) : word;
  }

  private same(phraseWord: string, token: string | undefined): boolean {
    if (token === phraseWord) return true;
    if (!this.inflections || token === undefined || phraseWord.length < INFLECTED_FROM) return false;
    return token.startsWith(phraseWord) && token.length - phraseWord.length <= MAX_ENDING;
  }

  add(phrase: string, intent: T, lang: Lang): void {
    const phraseWords = words(phrase);
    const [first] = phraseWords;
    if (!first) return;
    const joined = phraseWords.join(' ');
    const known = this.byWords.get(joined);
    if (known) {
      if (!known.langs.includes(lang)) known.langs.push(lang);
      return;
    }
    const added = { words: phraseWords, intent, langs: [lang] };
    this.byWords.set(joined, added);
    const key = this.key(first);
    const list = this.byFirstWord.get(key) ?? [];
    // Longest first, and among equals in the order added (as a stable sort after each add kept them).
    const at = list.findIndex((p) => p.words.length < phraseWords.length);
    list.splice(at < 0 ? list.length : at, 0, added);
    this.byFirstWord.set(key, list);
  }

  /**
   * The longest phrase in the message. With `maxExtraWords`, only if the message has at most
   * that many words besides the phrase (small talk is the whole message, not part of a question).
   */
  find(text: string, maxExtraWords = Infinity): IntentMatch<T> | undefined {
    const tokens = words(text);
    let best: Phrase<T> | undefined;
    tokens.forEach((token, i) => {
      for (const phrase of this.byFirstWord.get(this.key(token)) ?? []) {
        if (best && best.words.length >= phrase.words.length) break;
        if (tokens.length - phrase.words.length > maxExtraWords) break;
        if (phrase.words.every((w, k) => this.same(w, tokens[i + k]))) best = phrase;
      }
    });
    return best && { intent: best.intent, langs: best.langs, whole: best.words.length === tokens.length };
  }

  /** Every intent with a phrase anywhere in the message. */
  findAll(text: string): Set<T> {
    const tokens = words(text);
    const found = new Set<T>();
    tokens.forEach((token, i) => {
      for (const phrase of this.byFirstWord.get(this.key(token)) ?? []) {
        if (phrase.words.every((w, k) => this.same(w, tokens[i + k]))) found.add(phrase.intent);
      }
    });
    return found;
  }
}

export type EmergencyIntent = 'emergency';


/** Recognisers for emergencies and small talk, in every language at once: people mix languages. */
export interface IntentRecognisers {
  emergency(text: string): IntentMatch<EmergencyIntent> | undefined;
  smallTalk(text: string): IntentMatch<SmallTalkIntent> | undefined;
  /**
   * Whether the danger a message tells of is in the past: every sentence with a danger phrase
   * also places it in the past ("they beat me years ago") and none says it is happening now
   * ("…and today again"). A past danger gets the informational answer with a line about 112,
   * not 112 first. Sentence by sentence, so that "Now I am free" after the story does not make
   * the story present.
   */
  pastEvent(text: string): boolean;
}

export function buildIntentRecognisers(locales: Locales): IntentRecognisers {
  // Danger and time are said in every inflection; small talk is a fixed formula.
  const emergency = new PhraseMatcher<EmergencyIntent>(true);
  const time = new PhraseMatcher<'past' | 'now'>(true);
  const smallTalk = new PhraseMatcher<SmallTalkIntent>();
  for (const lang of LANGUAGES) {
    for (const phrase of locales.emergencyPatterns(lang)) emergency.add(phrase, 'emergency', lang);
    const { past, now } = locales.emergencyTime(lang);
    for (const phrase of past) time.add(phrase, 'past', lang);
    for (const phrase of now) time.add(phrase, 'now', lang);
    const table = locales.smallTalk(lang);
    for (const intent of SMALL_TALK_INTENTS) {
      for (const phrase of table[intent]?.patterns ?? []) smallTalk.add(phrase, intent, lang);
    }
  }
  return {
    emergency: (text) => emergency.find(text),
    smallTalk: (text) => {
      const found = smallTalk.find(text, SMALL_TALK_SLACK);
      // "no", "da", "net" must be the whole message: "net pasporta" is a question.
      return found?.intent === 'acknowledgement' && !found.whole ? undefined : found;
    },
    pastEvent: (text) => {
      const dangerous = text.split(SENTENCE_END).filter((sentence) => emergency.find(sentence));
      return dangerous.length > 0 && dangerous.every((sentence) => {
        const found = time.findAll(sentence);
        return found.has('past') && !found.has('now');
      });
    },
  };
}
