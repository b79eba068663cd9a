/** What the server sends for one language: the widget's strings and the language list. */
export interface WidgetStrings {
  lang: string;
  dir: 'ltr' | 'rtl';
  strings: Record<string, string>;
  languages: { code: string; name: string; dir: 'ltr' | 'rtl' }[];
  maxLength: number;
}

const cache = new Map<string, Promise<WidgetStrings>>();

/** The strings of `lang` from the server (the same locale files the bot uses), fetched once. */
export function loadStrings(base: string, lang: string): Promise<WidgetStrings> {
  let strings = cache.get(lang);
  if (!strings) {
    strings = fetch(`${base}webchat/strings/${lang}.json`).then((r) => {
      if (!r.ok) throw new Error(`strings ${lang}: HTTP ${r.status}`);
      return r.json() as Promise<WidgetStrings>;
    });
    strings.catch(() => cache.delete(lang));
    cache.set(lang, strings);
  }
  return strings;
}

/**
 * The widget's first language: the page's `data-lang`, or with "auto" the first of the
 * browser's languages the bot speaks; English otherwise.
 */
export function pickLanguage(requested: string | undefined, supported: readonly string[], preferred: readonly string[]): string {
  const base = (tag: string) => tag.toLowerCase().split(/[-_]/)[0] ?? '';
  if (requested && requested !== 'auto' && supported.includes(base(requested))) return base(requested);
  return preferred.map(base).find((l) => supported.includes(l)) ?? 'en';
}
