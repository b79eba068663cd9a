import { LANGUAGES, type Lang } from '../languages.js';
import { SMALL_TALK_INTENTS, type Locales, type SmallTalkIntent } from '../i18n/locales.js';
import { foldText, tokenize } from './text.js';

/** A phrase from the locales recognised in a message. */
export interface IntentMatch<T extends string> {
  readonly intent: T;
  /** Languages whose locale files list the phrase (a greeting like "salam" is in several). */
  readonly langs: readonly Lang[];
}

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

/** Looks up the phrases of the locale files (emergency and small talk) in messages. */
export class PhraseMatcher<T extends string> {
  /** Phrases by their first word, longest first. */
  private readonly byFirstWord = new Map<string, Phrase<T>[]>();

  add(phrase: string, intent: T, lang: Lang): void {
    const phraseWords = words(phrase);
    const [first] = phraseWords;
    if (!first) return;
    const list = this.byFirstWord.get(first) ?? [];
    const known = list.find((p) => p.words.join(' ') === phraseWords.join(' '));
    if (known) {
      if (!known.langs.includes(lang)) known.langs.push(lang);
      return;
    }
    list.push({ words: phraseWords, intent, langs: [lang] });
    list.sort((a, b) => b.words.length - a.words.length);
    this.byFirstWord.set(first, list);
  }

  /**
   * The longest phrase in the message. With `maxExtraWords`, only if the message has at most
   * that many words besides the phrase (small talk is the whole message, not part of a question).
   */
  find(text: string, maxExtraWords = Infinity): IntentMatch<T> | undefined {
    const tokens = words(text);
    let best: Phrase<T> | undefined;
    tokens.forEach((token, i) => {
      for (const phrase of this.byFirstWord.get(token) ?? []) {
        if (best && best.words.length >= phrase.words.length) break;
        if (tokens.length - phrase.words.length > maxExtraWords) break;
        if (phrase.words.every((w, k) => tokens[i + k] === w)) best = phrase;
      }
    });
    return best && { intent: best.intent, langs: best.langs };
  }

  /** Every intent with a phrase anywhere in the message. */
  findAll(text: string): Set<T> {
    const tokens = words(text);
    const found = new Set<T>();
    tokens.forEach((token, i) => {
      for (const phrase of this.byFirstWord.get(token) ?? []) {
        if (phrase.words.every((w, k) => tokens[i + k] === w)) found.add(phrase.intent);
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
   * Whether a message places what it tells in the past ("they beat me years ago") and not in
   * the present ("…and now again"): a past danger gets the informational answer, not 112 first.
   */
  pastEvent(text: string): boolean;
}

export function buildIntentRecognisers(locales: Locales): IntentRecognisers {
  const emergency = new PhraseMatcher<EmergencyIntent>();
  const time = new PhraseMatcher<'past' | 'now'>();
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
    smallTalk: (text) => smallTalk.find(text, SMALL_TALK_SLACK),
    pastEvent: (text) => {
      const found = time.findAll(text);
      return found.has('past') && !found.has('now');
    },
  };
}
