import i18next, { type TOptions } from 'i18next';
// Imported, not read at run time: the build copies them beside the compiled code.
import bg from './locales/bg.json' with { type: 'json' };
import en from './locales/en.json' with { type: 'json' };

/** The console's languages: staff work in English or Bulgarian (add a file to add one). */
export const CONSOLE_LANGUAGES = ['en', 'bg'] as const;
export type ConsoleLang = (typeof CONSOLE_LANGUAGES)[number];

export type ConsoleT = (lang: ConsoleLang, key: string, options?: TOptions) => string;

/** The console's strings (`src/admin/locales/<lang>.json`), through i18next. */
export async function loadConsoleStrings(): Promise<ConsoleT> {
  const resources = { en: { translation: en }, bg: { translation: bg } } satisfies Record<ConsoleLang, object>;
  const instance = i18next.createInstance();
  await instance.init({ resources, lng: 'en', fallbackLng: 'en', initAsync: false, interpolation: { escapeValue: false }, returnNull: false });
  const fixed = new Map(CONSOLE_LANGUAGES.map((lang) => [lang, instance.getFixedT(lang)]));
  return (lang, key, options) => fixed.get(lang)?.(key, options ?? {}) as string;
}

/** `?lang=` first, then the browser's preference, then English. */
export function consoleLanguage(query: string | undefined, acceptLanguage: string | undefined): ConsoleLang {
  const wanted = [query, ...(acceptLanguage ?? '').split(',').map((part) => part.split(';')[0]?.trim())];
  for (const tag of wanted) {
    const base = tag?.slice(0, 2).toLowerCase();
    if (CONSOLE_LANGUAGES.includes(base as ConsoleLang)) return base as ConsoleLang;
  }
  return 'en';
}

/** A language's name in the console's language ("Persian", "персийски"); the code when none is known. */
export function languageName(code: string, consoleLang: ConsoleLang): string {
  try {
    return new Intl.DisplayNames([consoleLang], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}
