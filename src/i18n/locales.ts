import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import i18next, { type i18n, type TOptions } from 'i18next';
import { RahnamaError } from '../errors.js';
import { LANGUAGES, type Lang } from '../languages.js';

/** The namespaces every language must have: `locales/<lang>/<namespace>.json`. */
export const NAMESPACES = ['common', 'smalltalk', 'emergency', 'widget'] as const;
export type Namespace = (typeof NAMESPACES)[number];

/** `person`: a request to talk to a person ("I want to talk to someone"), which the bot turns into "talk to a person". */
export const SMALL_TALK_INTENTS = ['greeting', 'thanks', 'goodbye', 'human', 'capabilities', 'acknowledgement', 'person'] as const;
export type SmallTalkIntent = (typeof SMALL_TALK_INTENTS)[number];

export interface SmallTalkPhrases {
  readonly patterns: readonly string[];
  readonly reply: string;
}

/** UI, small-talk and emergency strings in every language, through one i18next instance. */
export interface Locales {
  readonly i18n: i18n;
  /** A `common` string, e.g. t('fr', 'answer.fallback'). */
  t(lang: Lang, key: string, options?: TOptions): string;
  smallTalk(lang: Lang): Readonly<Record<SmallTalkIntent, SmallTalkPhrases>>;
  emergencyPatterns(lang: Lang): readonly string[];
  /** Phrases that place a danger in the past ("years ago") or in the present ("right now"), which wins. */
  emergencyTime(lang: Lang): { readonly past: readonly string[]; readonly now: readonly string[] };
  /** The web chat widget's strings, sent to the browser as they are. */
  widget(lang: Lang): Readonly<Record<string, string>>;
}

type Json = { [key: string]: Json } | Json[] | string | number | boolean | null;

/**
 * Reads every locale file and checks that each language has the same keys as English, so a
 * missing translation stops start-up instead of showing a raw key to a user.
 */
export async function loadLocales(dir: string): Promise<Locales> {
  const resources: Record<string, Record<string, Json>> = {};
  const problems: string[] = [];
  for (const lang of LANGUAGES) {
    resources[lang] = {};
    for (const ns of NAMESPACES) {
      const file = path.join(lang, `${ns}.json`);
      try {
        resources[lang][ns] = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as Json;
      } catch (error) {
        problems.push(`${file}: ${(error as Error).message}`);
      }
    }
  }
  // Folders only: a README beside the language folders is documentation, not a language.
  const folders = (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory()).map((e) => e.name);
  const extra = folders.filter((name) => !LANGUAGES.includes(name as Lang) && !name.startsWith('.'));
  for (const name of extra) problems.push(`${name}: not a supported language code`);
  if (problems.length === 0) {
    for (const ns of NAMESPACES) {
      const reference = keyPaths(resources.en?.[ns]);
      for (const lang of LANGUAGES) {
        const keys = new Set(keyPaths(resources[lang]?.[ns]));
        for (const key of reference) if (!keys.has(key)) problems.push(`${lang}/${ns}.json: missing "${key}"`);
        for (const key of keys) if (!reference.includes(key)) problems.push(`${lang}/${ns}.json: "${key}" is not in en/${ns}.json`);
      }
    }
  }
  if (problems.length > 0) throw new RahnamaError('RAHNAMA_LOCALES_INVALID', [problems.join('; ')]);

  const instance = i18next.createInstance();
  await instance.init({
    resources: resources as never,
    lng: 'en',
    fallbackLng: 'en',
    supportedLngs: [...LANGUAGES],
    ns: [...NAMESPACES],
    defaultNS: 'common',
    initAsync: false,
    // Answers are Markdown, not HTML: escaping is each channel's job.
    interpolation: { escapeValue: false },
    returnNull: false,
  });

  const objectOf = <T>(lang: Lang, ns: Namespace): T => resources[lang]?.[ns] as T;
  const fixed = new Map(LANGUAGES.map((lang) => [lang, instance.getFixedT(lang, 'common')]));
  // A string without interpolation is looked up once: i18next's resolution is most of a
  // rendered answer's cost (the resources never change after start-up).
  const plain = new Map<string, string>();
  return {
    i18n: instance,
    t: (lang, key, options) => {
      if (options) return fixed.get(lang)?.(key, options) as string;
      const id = `${lang}:${key}`;
      let text = plain.get(id);
      if (text === undefined) plain.set(id, (text = fixed.get(lang)?.(key, {}) as string));
      return text;
    },
    smallTalk: (lang) => objectOf(lang, 'smalltalk'),
    emergencyPatterns: (lang) => objectOf<{ patterns: string[] }>(lang, 'emergency').patterns,
    emergencyTime: (lang) => {
      const { past = [], now = [] } = objectOf<{ past?: string[]; now?: string[] }>(lang, 'emergency');
      return { past, now };
    },
    widget: (lang) => objectOf(lang, 'widget'),
  };
}

/** Dotted paths of the leaves of a JSON object (arrays count as one leaf). */
function keyPaths(value: Json | undefined, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return prefix ? [prefix] : [];
  return Object.entries(value).flatMap(([k, v]) => keyPaths(v, prefix ? `${prefix}.${k}` : k));
}
