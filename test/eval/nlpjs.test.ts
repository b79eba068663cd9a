import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/eval/evaluate.js';
import { trainNlpJs } from '../../src/eval/nlpjs.js';
import { loadKnowledgeBase } from '../../src/knowledge/load.js';
import type { KnowledgeEntry } from '../../src/knowledge/schema.js';
import { LANGUAGES } from '../../src/languages.js';
import { useTempDir } from '../support/temp-dir.js';
import { SMALL_ENTRIES, writeSmallKnowledge } from './small-knowledge.js';

const tempDir = useTempDir();

const OUT_OF_SCOPE = ['tell me a joke', 'what is the weather tomorrow', 'who won the football match yesterday', 'recipe for lentil soup please'];

async function smallBaseline() {
  const knowledge = await loadKnowledgeBase(await writeSmallKnowledge(await tempDir()));
  // A romanised spelling in Russian, as `romanised:` lists hold them: its words are nowhere else.
  const bicycle = knowledge.entries.get('bicycle-repair')!;
  const withRomanised: KnowledgeEntry = { ...bicycle, languages: { ...bicycle.languages, ru: { ...bicycle.languages.ru, romanised: ['gde pochinit velosiped', 'velosiped slomalsya kuda idti'] } } };
  const entries = new Map(knowledge.entries).set('bicycle-repair', withRomanised);
  return trainNlpJs({ entries, outOfScope: { en: OUT_OF_SCOPE } });
}

describe('the NLP.js baseline', () => {
  it('is node-nlp at the pinned version, trained on every question, variant and romanised spelling, and on out-of-scope examples as None', async () => {
    const nlpjs = await smallBaseline();
    const pinned = (createRequire(import.meta.url)('../../package.json') as { devDependencies: Record<string, string> }).devDependencies['node-nlp'];
    expect(nlpjs.version).toBe(pinned);
    expect(nlpjs).toMatchObject({ name: 'nlpjs', label: `NLP.js ${pinned}` });
    const perLanguage = Object.values(SMALL_ENTRIES).reduce((sum, t) => sum + 1 + t.variants.length, 0);
    expect(nlpjs.documents).toEqual({ entries: perLanguage * LANGUAGES.length + 2, none: OUT_OF_SCOPE.length });
    expect(nlpjs.trainMs).toBeGreaterThan(0);
  });

  it('answers its top intent, offers the next ones, and gives no entry for None', async () => {
    const nlpjs = await smallBaseline();
    const answered = await nlpjs.ask(SMALL_ENTRIES['library-card'].question, 'en');
    expect(answered).toMatchObject({ kind: 'answer', entryId: 'library-card', detectedLang: 'en' });
    expect(answered.confidence).toBeGreaterThanOrEqual(0.5);
    expect(answered.suggestions.length).toBeLessThanOrEqual(2);
    expect(answered.suggestions).not.toContain('library-card');

    expect(await nlpjs.ask('gde pochinit velosiped', 'ru')).toMatchObject({ kind: 'answer', entryId: 'bicycle-repair' });
    expect(await nlpjs.ask('tell me a joke', 'en')).toMatchObject({ kind: 'fallback', entryId: null });
    // Without a language, NLP.js guesses one among the eleven.
    expect((await nlpjs.ask(SMALL_ENTRIES['swimming-pool'].question, undefined)).entryId).toBe('swimming-pool');
  });

  it('is evaluated like the engine', async () => {
    const nlpjs = await smallBaseline();
    const [run] = await evaluate([
      { q: SMALL_ENTRIES['swimming-pool'].question, lang: 'en', expect: ['swimming-pool', 'library-card'] },
      { q: 'tell me a joke', lang: 'en', expect: 'none' },
      { q: 'hello there', lang: 'en', expect: 'smalltalk' },
    ], [nlpjs]);
    expect(run!.report.overall).toMatchObject({ n: 3, top1: 1, noneRejected: 1, smalltalkRecognised: 0 });
  });
});
