/** The languages Rahnama speaks, by the codes used everywhere (knowledge files, locales, API). */
export const LANGUAGES = ['en', 'bg', 'ar', 'fa', 'ps', 'ur', 'ku', 'tr', 'uk', 'ru', 'fr'] as const;

export type Lang = (typeof LANGUAGES)[number];

const languageSet: ReadonlySet<string> = new Set(LANGUAGES);

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && languageSet.has(value);
}

const RIGHT_TO_LEFT: ReadonlySet<string> = new Set<Lang>(['ar', 'fa', 'ps', 'ur']);

/** The writing direction of a language: Arabic, Farsi, Pashto and Urdu are right-to-left. */
export function textDirection(lang: string): 'rtl' | 'ltr' {
  return RIGHT_TO_LEFT.has(lang) ? 'rtl' : 'ltr';
}
