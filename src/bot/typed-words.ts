import type { Locales } from '../i18n/locales.js';
import type { Lang } from '../languages.js';
import { foldText } from '../retrieval/text.js';

/**
 * Whether a whole message is the command word `key` (`commands.<name>` in the locales) in the
 * user's language or in English, with or without a leading slash and trailing punctuation.
 */
export function isTypedCommand(locales: Locales, text: string, lang: Lang, key: string): boolean {
  const word = foldText(text).replace(/^\//, '').replace(/[\s\p{P}]+$/u, '');
  return [lang, 'en' as const].some((l) => foldText(locales.t(l, key)) === word);
}
