import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { foldForGlossary, termMatcher } from '../../src/knowledge/glossary.js';
import { loadKnowledgeBase, readKnowledgeSources, validateKnowledge } from '../../src/knowledge/load.js';
import { LANGUAGE_FACTS, SCRIPT_GROUPS } from '../../src/language-facts.js';
import type { GlossaryFile } from '../../src/knowledge/schema.js';
import { LANGUAGES, type Lang } from '../../src/languages.js';
import { KNOWLEDGE_DIR } from '../support/paths.js';
import { concept, smallEntry, smallSources } from './small-knowledge.js';

const matches = (lang: Lang, term: string, text: string) => termMatcher(lang, term)(foldForGlossary(text));

/** A glossary of one concept, reintegration, with the known wrong words. */
const glossary: GlossaryFile = {
  concepts: {
    reintegration: concept(
      { use: ['reintegration'] },
      {
        ur: { use: ['دوبارہ انضمام'], avoid: ['آبادکاری'] },
        ps: { use: ['بیا ادغام'], avoid: ['بیا یوځای*', 'یوځای کېد*'] },
        bg: { use: ['реинтеграци*'] },
      },
    ),
    'state-agency-for-refugees': concept({ use: ['State Agency for Refugees'] }, { fr: { use: ["Agence d'État pour les réfugiés"], avoid: ['Agence nationale*'] } }),
  },
};

describe('glossary term matching', () => {
  it('compares folded text: case, accents, Arabic-script letter forms and typographic quotes do not matter', () => {
    expect(matches('fr', "Agence d'État pour les réfugiés", "l’AGENCE D'ETAT POUR LES REFUGIES")).toBe(true);
    expect(matches('fa', 'سازمان بین‌المللی مهاجرت', 'سازمان بين‌المللي مهاجرت')).toBe(true); // Arabic ي for Farsi ی, no joiner
    expect(matches('bg', 'дирекция „Миграция“', 'в Дирекция "Миграция" на МВР')).toBe(true);
    expect(matches('ku', 'Rêxistina Navneteweyî ya Koçberiyê', 'rexistina navneteweyi ya kocberiye')).toBe(true);
  });

  it('matches anywhere in Arabic-script languages, where prefixes attach to words, and whole words elsewhere', () => {
    expect(matches('ur', 'آبادکاری', 'دوبارہ آبادکاری کی مدد')).toBe(true);
    expect(matches('ar', 'المنظمة الدولية للهجرة', 'وبرنامج العودة التابع للمنظمة الدولية للهجرة')).toBe(true); // ال after ل is لل
    expect(matches('fr', 'asile', "demande d'asile")).toBe(true);
    expect(matches('fr', 'asile', 'asiles')).toBe(false);
    expect(matches('en', 'SAR', 'a SARS test')).toBe(false);
    expect(matches('en', 'SAR', "visit SAR's centres")).toBe(true);
  });

  it('lets a * at the end of a word stand for any ending of that word, across the words of a term', () => {
    expect(matches('bg', 'реинтеграци*', 'помощ за реинтеграцията')).toBe(true);
    expect(matches('ru', 'Государственн* агентств* по делам беженцев', 'в Государственное агентство по делам беженцев')).toBe(true);
    expect(matches('ps', 'یوځای کېد*', 'د بیا یوځای کېدو مرسته')).toBe(true);
    expect(matches('ps', 'یوځای کېد*', 'له کورنۍ سره یوځای وطن ته ستون شم')).toBe(false); // "together", said of a family: fine
  });
});

/**
 * What term matching was before it was done by hand: one regular expression per term. Kept as the
 * reference the hand matcher must agree with, text for text.
 */
function regexMatcher(lang: Lang, term: string): (foldedText: string) => boolean {
  const wordChar = '[\\p{L}\\p{M}\\p{N}]';
  const escapeForRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const article = LANGUAGE_FACTS[lang].article;
  const body = foldForGlossary(term).split(' ').filter(Boolean).map((word) => {
    let stem = escapeForRegex(word.replace(/\*+$/, ''));
    if (article && stem.startsWith(article.prefix) && stem.length > article.prefix.length + 1) stem = `(?:${[article.prefix, ...article.merged].join('|')})${stem.slice(article.prefix.length)}`;
    return word.endsWith('*') ? `${stem}${wordChar}*` : stem;
  }).join('\\s+');
  const regex = new RegExp(SCRIPT_GROUPS.arabic.includes(lang) ? body : `(?<!${wordChar})${body}(?!${wordChar})`, 'u');
  return (text) => regex.test(text);
}

describe('glossary term matching, against the regular expressions it replaced', () => {
  it('agrees on every text of the shipped knowledge base for every term of the shipped glossary', async () => {
    const { entries, glossary: shippedGlossary } = await loadKnowledgeBase(KNOWLEDGE_DIR);
    let compared = 0;
    let found = 0;
    for (const lang of LANGUAGES) {
      const terms = Object.values(shippedGlossary.concepts).flatMap((c) => [...c[lang].use, ...(c[lang].avoid ?? [])]);
      const texts = [...entries.values()].flatMap((e) => [e.languages[lang].question, ...e.languages[lang].variants, e.languages[lang].answer]).map(foldForGlossary);
      for (const term of terms) {
        const [byHand, byRegex] = [termMatcher(lang, term), regexMatcher(lang, term)];
        for (const text of texts) {
          expect.soft(byHand(text), `${lang} "${term}" in "${text.slice(0, 60)}"`).toBe(byRegex(text));
          compared += 1;
          if (byRegex(text)) found += 1;
        }
      }
    }
    // Both outcomes were compared, many times each.
    expect(compared).toBeGreaterThan(10_000);
    expect(found).toBeGreaterThan(500);
  });

  it('agrees at word edges: endings, digits, marks, punctuation, letters and emoji outside the BMP and repeated starts', () => {
    const cases: [Lang, string, string[]][] = [
      ['en', 'SAR', ['sar', 'sars', 'xsar', 'sar1', '1sar', 'sar-x', "sar's", 'sa sar', 'sarsar sar', '𠀀sar', 'sar𠀀', '😀sar😀', 'sar\u0301']],
      ['bg', 'реинтеграци*', ['реинтеграция', 'реинтеграци', 'среинтеграция', 'реинтеграция2', 'реинтеграциях𠀀', 'реинтеграция𠀀1', 'реинтеграция😀', 'реинтеграци я']],
      ['ru', 'государственн* агентств*', ['государственное агентство', 'государственное  агентство', 'государственное, агентство', 'государственноеагентство', 'государственное агентство1 x', 'государственн агентств', 'государственн𠀀 агентство', 'государственн😀 агентство']],
      ['fr', "agence d'etat", ["l'agence d'etat", "agence d'etats", "agence d'etat.", 'agence detat']],
      ['ar', 'المنظمة الدولية', ['للمنظمة الدولية', 'والمنظمة الدولية', 'لمنظمة الدولية', 'المنظمة الدوليةx', 'منظمة الدولية']],
      ['ps', 'یوځای کېد*', ['یوځای کېدو', 'بیا یوځای کېدو', 'یوځای وطن', 'یوځای کېد']],
      ['en', '*', ['', 'a', ' ']],
    ];
    for (const [lang, term, texts] of cases) {
      const [byHand, byRegex] = [termMatcher(lang, term), regexMatcher(lang, term)];
      for (const text of texts.map(foldForGlossary)) expect.soft(byHand(text), `${lang} "${term}" in "${text}"`).toBe(byRegex(text));
    }
  });
});

describe('the glossary in the knowledge base check', () => {
  it('refuses a forbidden term in a question, variant or answer, naming the file, field, term, concept and the approved term', () => {
    const entries = [
      smallEntry('avrr-family', (e) => {
        e.languages.ur.answer = 'واپسی کے بعد دوبارہ آبادکاری کی مدد۔\n';
        e.languages.ps.variants.push('د بیا یوځای کېدو مرسته څه ده؟');
        e.languages.fr.question = "Que fait l'Agence nationale pour les réfugiés ?";
      }),
    ];
    const { knowledgeBase, problems } = validateKnowledge(smallSources({ entries, glossary }));
    expect(knowledgeBase).toBeUndefined();
    expect(problems).toEqual([
      { file: 'avrr-family.yaml', field: 'languages.ps.variants[1]', message: 'uses "بیا یوځای…", which the glossary forbids for "reintegration": use "بیا ادغام"' },
      { file: 'avrr-family.yaml', field: 'languages.ps.variants[1]', message: 'uses "یوځای کېد…", which the glossary forbids for "reintegration": use "بیا ادغام"' },
      { file: 'avrr-family.yaml', field: 'languages.ur.answer', message: 'uses "آبادکاری", which the glossary forbids for "reintegration": use "دوبارہ انضمام"' },
      { file: 'avrr-family.yaml', field: 'languages.fr.question', message: `uses "Agence nationale…", which the glossary forbids for "state-agency-for-refugees": use "Agence d'État pour les réfugiés"` },
    ]);
  });

  it('warns, without failing, when the English answer names a concept and another language\'s answer uses none of its approved terms', () => {
    const entries = [
      smallEntry('reintegration-support', (e) => {
        for (const lang of LANGUAGES) e.languages[lang].answer = `Help with reintegration (${lang}).\n`;
        e.languages.bg.answer = 'Помощ за реинтеграцията.\n';
        e.languages.ur.answer = 'واپسی کے بعد مدد۔\n';
      }),
    ];
    const { knowledgeBase, problems, warnings } = validateKnowledge(smallSources({ entries, glossary }));
    expect(problems).toEqual([]);
    expect(knowledgeBase?.entries.has('reintegration-support')).toBe(true);
    expect(warnings).toEqual([
      // ps: the placeholder text has "reintegration" but not the Pashto term; ur has neither.
      { file: 'reintegration-support.yaml', field: 'languages.ps.answer', message: 'the English answer names "reintegration", but this answer uses none of its approved terms: "بیا ادغام"' },
      { file: 'reintegration-support.yaml', field: 'languages.ur.answer', message: 'the English answer names "reintegration", but this answer uses none of its approved terms: "دوبارہ انضمام"' },
    ]);
  });

  it('validates the glossary itself: every language, at least one approved term, no word both approved and forbidden', () => {
    const broken = structuredClone(glossary) as { concepts: Record<string, Record<string, unknown>> };
    delete broken.concepts.reintegration!.ku;
    broken.concepts['state-agency-for-refugees']!.tr = { use: [] };
    broken.concepts['entry-ban'] = concept({ use: ['entry ban'] }, { fr: { use: ["interdiction d'entrée"], avoid: ['interdiction*'] } });
    let { problems } = validateKnowledge(smallSources({ entries: [smallEntry('avrr-cost')], glossary: broken as GlossaryFile }));
    expect(problems).toEqual(expect.arrayContaining([
      { file: 'glossary.yaml', field: 'concepts.reintegration.ku', message: 'missing language "ku"' },
      { file: 'glossary.yaml', field: 'concepts.state-agency-for-refugees.tr.use', message: 'must not be empty' },
    ]));
    delete broken.concepts['state-agency-for-refugees'];
    delete broken.concepts.reintegration;
    ({ problems } = validateKnowledge(smallSources({ entries: [smallEntry('avrr-cost')], glossary: broken as GlossaryFile })));
    expect(problems).toEqual([
      { file: 'glossary.yaml', field: 'concepts.entry-ban.fr.avoid[0]', message: `forbids "interdiction…", which matches "interdiction d'entrée", an approved term for "entry-ban"` },
    ]);
  });
});

describe('the shipped glossary', () => {
  const KEY_CONCEPTS = [
    'iom', 'assisted-voluntary-return', 'reintegration', 'asylum', 'international-protection', 'temporary-protection',
    'state-agency-for-refugees', 'migration-directorate', 'removal-order', 'entry-ban', 'laissez-passer', 'counsellor', 'trafficking',
  ];

  it('has the key concepts in all eleven languages and forbids the known wrong words', async () => {
    const file = parse(await readFile(path.join(KNOWLEDGE_DIR, 'glossary.yaml'), 'utf8')) as GlossaryFile;
    expect(Object.keys(file.concepts)).toEqual(expect.arrayContaining(KEY_CONCEPTS));
    expect(file.concepts.reintegration?.ur.avoid).toEqual(expect.arrayContaining(['آبادکاری']));
    expect(file.concepts.reintegration?.ps.avoid).toEqual(expect.arrayContaining(['بیا یوځای*', 'یوځای کېد*']));
    expect(file.concepts['state-agency-for-refugees']?.fr.avoid).toEqual(expect.arrayContaining(['Agence nationale*']));
    expect(file.concepts.iom?.ku.use).toContain('Rêxistina Navneteweyî ya Koçberiyê');
    expect(file.concepts.iom?.ku.avoid).toEqual(expect.arrayContaining(['Rêxistina Navneteweyî ya Koçê']));
  });

  it('is kept by every entry of the shipped knowledge base: no forbidden term anywhere', async () => {
    const { problems } = validateKnowledge(await readKnowledgeSources(KNOWLEDGE_DIR));
    expect(problems.filter((p) => p.message.includes('the glossary forbids'))).toEqual([]);
  });
});
