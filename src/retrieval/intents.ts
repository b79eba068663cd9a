import { LANGUAGES, type Lang } from '../languages.js';
import { SMALL_TALK_INTENTS, type Locales, type SmallTalkIntent } from '../i18n/locales.js';
import { foldText, tokenize } from './text.js';

/** A phrase from the locales recognised in a message. */
export interface IntentMatch<T extends string> {
  readonly intent: T;
  /** Languages whose locale files list the phrase (a greeting like "salam" is in several). */
  readonly langs: readonly Lang[];
}

const MAX_PHRASE_WORDS = 6;
/** Words a small-talk message may have beyond the phrase ("hi there", "thanks a lot"). */
const SMALL_TALK_SLACK = 2;

/** Folded words of a text, so phrases match whatever the case, diacritics or punctuation. */
function words(text: string): string[] {
  return tokenize(text).map(foldText).filter((w) => w.length > 0);
}

/** Looks up the phrases of the locale files (emergency and small talk) in messages. */
export class PhraseMatcher<T extends string> {
  private readonly phrases = new Map<string, { intent: T; langs: Lang[] }>();

  add(phrase: string, intent: T, lang: Lang): void {
    const key = words(phrase).join(' ');
    if (!key) return;
    const known = this.phrases.get(key);
    if (!known) this.phrases.set(key, { intent, langs: [lang] });
    else if (!known.langs.includes(lang)) known.langs.push(lang);
  }

  /**
   * The longest phrase in the message. With `maxExtraWords`, only if the message has at most
   * that many words besides the phrase (small talk is the whole message, not part of a question).
   */
  find(text: string, maxExtraWords = Infinity): IntentMatch<T> | undefined {
    const tokens = words(text);
    const longest = Math.min(MAX_PHRASE_WORDS, tokens.length);
    for (let n = longest; n >= 1 && tokens.length - n <= maxExtraWords; n--) {
      for (let i = 0; i + n <= tokens.length; i++) {
        const found = this.phrases.get(tokens.slice(i, i + n).join(' '));
        if (found) return found;
      }
    }
    return undefined;
  }
}

export type EmergencyIntent = 'emergency';

/** Recognisers for emergencies and small talk, in every language at once: people mix languages. */
export interface IntentRecognisers {
  emergency(text: string): IntentMatch<EmergencyIntent> | undefined;
  smallTalk(text: string): IntentMatch<SmallTalkIntent> | undefined;
}

export function buildIntentRecognisers(locales: Locales): IntentRecognisers {
  const emergency = new PhraseMatcher<EmergencyIntent>();
  const smallTalk = new PhraseMatcher<SmallTalkIntent>();
  for (const lang of LANGUAGES) {
    for (const phrase of locales.emergencyPatterns(lang)) emergency.add(phrase, 'emergency', lang);
    const table = locales.smallTalk(lang);
    for (const intent of SMALL_TALK_INTENTS) {
      for (const phrase of table[intent].patterns) smallTalk.add(phrase, intent, lang);
    }
  }
  return {
    emergency: (text) => emergency.find(text),
    smallTalk: (text) => smallTalk.find(text, SMALL_TALK_SLACK),
  };
}
