import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WIDGET_SOURCES } from '../../src/channels/webchat/widget-build.js';
import { ROMANISED_LANGUAGES } from '../../src/knowledge/schema.js';
import {
  LANGUAGE_FACTS,
  languagesOf,
  romanisedLanguages,
  SCRIPT_GROUPS,
  SCRIPTS,
  scriptGroups,
  textDirection,
  type LanguageFacts,
  type LanguageTable,
} from '../../src/language-facts.js';
import { LANGUAGES, type Lang } from '../../src/languages.js';
import { loadKnowledgeBase } from '../../src/knowledge/load.js';
import { KeywordIndex } from '../../src/retrieval/keyword-index.js';
import { createLanguageDetector, detectLanguage } from '../../src/retrieval/language-detect.js';
import { createTermProcessor } from '../../src/retrieval/text.js';
import { createTransliterator, TRANSLITERATED_LANGUAGES } from '../../src/retrieval/transliterate.js';
import { KNOWLEDGE_DIR } from '../support/paths.js';

const kb = await loadKnowledgeBase(KNOWLEDGE_DIR);

/** Every fact a language has; the type check below fails when the interface gains one this list lacks. */
const FACTS = [
  'script', 'detectionRank', 'direction', 'francCodes', 'stemmer', 'apostrophe', 'article',
  'romanised', 'transliteration', 'letterRules', 'font',
] as const satisfies readonly (keyof LanguageFacts)[];
const everyFactListed: [Exclude<keyof LanguageFacts, (typeof FACTS)[number]>] extends [never] ? true : false = true;

const withFacts = (changes: Partial<Record<Lang, Partial<LanguageFacts>>>): LanguageTable =>
  Object.fromEntries(languagesOf(LANGUAGE_FACTS).map((lang) => [lang, { ...LANGUAGE_FACTS[lang], ...changes[lang] }])) as LanguageTable;

describe('the table of language facts', () => {
  it('has every language Rahnama speaks, and no other', () => {
    expect(languagesOf(LANGUAGE_FACTS).sort()).toEqual([...LANGUAGES].sort());
  });

  it('has every fact for every language, written out even where a language has none', () => {
    expect(everyFactListed).toBe(true);
    for (const lang of LANGUAGES) {
      expect(Object.keys(LANGUAGE_FACTS[lang]).sort(), lang).toEqual([...FACTS].sort());
    }
  });

  it('holds facts that agree with each other', () => {
    const francCodes = LANGUAGES.flatMap((lang) => LANGUAGE_FACTS[lang].francCodes);
    expect(new Set(francCodes).size, 'a franc code means one language').toBe(francCodes.length);
    for (const lang of LANGUAGES) {
      const facts = LANGUAGE_FACTS[lang];
      expect(SCRIPTS, lang).toContain(facts.script);
      expect(facts.direction, lang).toBe(facts.script === 'arabic' ? 'rtl' : 'ltr');
      expect(facts.francCodes.length, lang).toBeGreaterThan(0);
      expect(facts.stemmer === undefined || typeof facts.stemmer === 'function', lang).toBe(true);
      // Romanised means typed in Latin letters instead of the language's own script.
      if (facts.romanised) expect(facts.script, lang).not.toBe('latin');
      // Transliteration reads Latin letters back into Cyrillic.
      if (facts.transliteration) expect([facts.romanised, facts.script], lang).toEqual([true, 'cyrillic']);
      for (const { letters, weight } of facts.letterRules) {
        expect(letters, lang).toBeInstanceOf(RegExp);
        expect(Number.isFinite(weight) && weight !== 0, `${lang} ${letters}`).toBe(true);
      }
    }
    for (const script of SCRIPTS) {
      const ranks = SCRIPT_GROUPS[script].map((lang) => LANGUAGE_FACTS[lang].detectionRank);
      expect(ranks, script).toEqual(ranks.map((_, i) => i));
    }
  });

  it('gives the script groups the detector uses: its candidates are the derived groups', () => {
    expect(detectLanguage.candidates).toEqual(SCRIPT_GROUPS);
    expect(SCRIPTS.flatMap((script) => SCRIPT_GROUPS[script]).sort()).toEqual([...LANGUAGES].sort());
    // The order settles an exact tie ("ок", "чао"): the first wins, as it always has.
    expect(SCRIPT_GROUPS).toEqual({
      arabic: ['ar', 'fa', 'ur', 'ps'],
      cyrillic: ['ru', 'uk', 'bg'],
      latin: ['en', 'fr', 'tr', 'ku'],
    });
  });

  it('gives the romanised, transliterated and right-to-left languages', () => {
    expect(ROMANISED_LANGUAGES).toEqual(romanisedLanguages(LANGUAGE_FACTS));
    // The validator names them in this order; the first transliteration wins a tie ("iskam da se varna": Bulgarian).
    expect(ROMANISED_LANGUAGES).toEqual(['ar', 'fa', 'ur', 'ps', 'bg', 'ru', 'uk']);
    expect(TRANSLITERATED_LANGUAGES).toEqual(['bg', 'ru', 'uk']);
    expect(LANGUAGES.filter((lang) => textDirection(lang) === 'rtl')).toEqual(['ar', 'fa', 'ps', 'ur']);
    expect(textDirection('xx')).toBe('ltr');
  });
});

describe('modules that are handed the table', () => {
  it('the detector settles a tie by the table it is given', () => {
    const index = KeywordIndex.build(kb.entries.values());
    expect(detectLanguage('ок', index)).toEqual({ lang: 'ru', confidence: 0.5 });
    const bulgarianFirst = createLanguageDetector(withFacts({ bg: { detectionRank: 0 }, ru: { detectionRank: 2 } }));
    expect(bulgarianFirst.candidates.cyrillic).toEqual(['bg', 'uk', 'ru']);
    expect(bulgarianFirst('ок', index)).toEqual({ lang: 'bg', confidence: 0.5 });
  });

  it('the term processor stems with the stemmer and apostrophe rule it is given', () => {
    const standard = createTermProcessor(LANGUAGE_FACTS);
    const bare = createTermProcessor(withFacts({ en: { stemmer: undefined }, fr: { apostrophe: undefined, stemmer: undefined } }));
    expect(standard('documents', 'en')).toBe(standard('document', 'en'));
    expect(bare('documents', 'en')).toBe('documents');
    expect(standard("l'aide", 'fr')).toBe(standard('aide', 'fr'));
    expect(bare("l'aide", 'fr')).toBe("l'aide");
  });

  it('the keyword index reads text with the term processor it is given', () => {
    const entry = kb.entries.get('avrr-cost');
    expect(entry).toBeDefined();
    const calls = new Set<Lang>();
    const processTerm = (word: string, lang: Lang) => {
      calls.add(lang);
      return word.toLowerCase();
    };
    const index = KeywordIndex.build([entry!], { processTerm });
    expect(calls).toEqual(new Set(LANGUAGES));
    // Stemmed, "costs" finds "cost"; unstemmed, a plural matches only itself.
    expect(KeywordIndex.build([entry!]).search('costs', 'en', { approximate: false }).map((h) => h.entryId)).toEqual(['avrr-cost']);
    expect(index.search('costs', 'en', { approximate: false })).toEqual([]);
  });

  it('the transliterator reads the languages that have rules in the table it is given', () => {
    const standard = createTransliterator(LANGUAGE_FACTS);
    expect(standard.toCyrillic('hochu domoy', 'ru')).toBe('хочу домой');
    expect(standard.toCyrillic('iskam da se varna', 'bg')).toBe('искам да се варна');
    expect(standard.toCyrillic('khochu dodomu', 'uk')).toBe('хочу додому');
    const withoutBulgarian = createTransliterator(withFacts({ bg: { transliteration: undefined } }));
    expect(withoutBulgarian.languages).toEqual(['ru', 'uk']);
    expect(withoutBulgarian.toCyrillic('iskam', 'bg')).toBe('iskam');
  });
});

describe('the web chat stylesheet', () => {
  it('sets the fonts of the table for each language that has them, and no others', async () => {
    const css = await readFile(path.join(WIDGET_SOURCES, 'widget.css'), 'utf8');
    const found: Partial<Record<string, { family?: string; lineHeight?: number }>> = {};
    for (const [, selectors = '', body = ''] of css.matchAll(/((?:\[lang="[\w-]+"\]\s*,?\s*)+)\{([^}]*)\}/g)) {
      const family = /font-family:\s*([^;]+);/.exec(body)?.[1]?.trim();
      const lineHeight = /line-height:\s*([\d.]+)\s*;/.exec(body)?.[1];
      for (const [, lang] of selectors.matchAll(/\[lang="([\w-]+)"\]/g)) {
        found[lang as string] = { ...(family ? { family } : {}), ...(lineHeight ? { lineHeight: Number(lineHeight) } : {}) };
      }
    }
    const expected = Object.fromEntries(LANGUAGES.flatMap((lang) => {
      const font = LANGUAGE_FACTS[lang].font;
      return font ? [[lang, { family: font.family, ...(font.lineHeight ? { lineHeight: font.lineHeight } : {}) }]] : [];
    }));
    expect(found).toEqual(expected);
  });
});

describe('the list of languages', () => {
  it('imports nothing, so the web chat widget that bundles it stays small', async () => {
    const source = await readFile(new URL('../../src/languages.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/^\s*(?:import|export\s+(?:\*|\{[^}]*\})\s+from)\b/m);
  });
});

describe('script groups', () => {
  it('are derived from any table', () => {
    expect(scriptGroups(withFacts({ ku: { script: 'arabic', detectionRank: 4 } })).arabic).toEqual(['ar', 'fa', 'ur', 'ps', 'ku']);
  });
});
