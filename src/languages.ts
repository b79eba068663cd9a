/** The languages Rahnama speaks, by the codes used everywhere (knowledge files, locales, API). */
export const LANGUAGES = ['en', 'bg', 'ar', 'fa', 'ps', 'ur', 'ku', 'tr', 'uk', 'ru', 'fr'] as const;

export type Lang = (typeof LANGUAGES)[number];

const languageSet: ReadonlySet<string> = new Set(LANGUAGES);

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && languageSet.has(value);
}
