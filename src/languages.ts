/**
 * The languages Rahnama speaks, by the codes used everywhere (knowledge files, locales, API).
 * What is known about each (script, direction, stemmer...) is in `language-facts.ts`; this
 * module stays free of it, since the web chat widget bundles it for the browser.
 */
export const LANGUAGES = ['en', 'bg', 'ar', 'fa', 'ps', 'ur', 'ku', 'tr', 'uk', 'ru', 'fr'] as const;

export type Lang = (typeof LANGUAGES)[number];

const languageSet: ReadonlySet<string> = new Set(LANGUAGES);

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && languageSet.has(value);
}
