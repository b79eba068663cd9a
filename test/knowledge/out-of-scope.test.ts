import { describe, expect, it } from 'vitest';
import { loadKnowledgeBase, readKnowledgeSources, validateKnowledge } from '../../src/knowledge/load.js';
import { LANGUAGES } from '../../src/languages.js';
import { KNOWLEDGE_DIR } from '../support/paths.js';
import { outOfScopeExamples, smallEntry, smallSources } from './small-knowledge.js';

const entries = [smallEntry('avrr-cost')];

describe('out-of-scope examples', () => {
  it('are the knowledge base\'s questions no entry answers, per language; empty lists when the file is absent', () => {
    const examples = outOfScopeExamples(21);
    const { knowledgeBase, problems } = validateKnowledge(smallSources({ entries, outOfScope: { examples } }));
    expect(problems).toEqual([]);
    expect(knowledgeBase?.outOfScope).toEqual(examples);
    expect([...knowledgeBase!.entries.keys()]).toEqual(['avrr-cost']); // not an entry
    expect(Object.isFrozen(knowledgeBase?.outOfScope)).toBe(true);

    const none = validateKnowledge(smallSources({ entries }));
    expect(none.problems).toEqual([]);
    expect(none.knowledgeBase?.outOfScope).toEqual(Object.fromEntries(LANGUAGES.map((l) => [l, []])));
  });

  it('refuses a missing language, fewer than 20 examples, an empty one or a repeated one, naming each', () => {
    const examples: Record<string, string[]> = outOfScopeExamples();
    delete examples.ku;
    examples.fr = examples.fr!.slice(0, 19);
    examples.ar![3] = '  ';
    examples.tr![5] = examples.tr![2]!.toUpperCase();
    let { knowledgeBase, problems } = validateKnowledge(smallSources({ entries, outOfScope: { examples: examples as never } }));
    expect(knowledgeBase).toBeUndefined();
    expect(problems).toEqual(expect.arrayContaining([
      { file: 'out-of-scope.yaml', field: 'examples.ku', message: 'missing language "ku"' },
      { file: 'out-of-scope.yaml', field: 'examples.fr', message: 'needs at least 20 items' },
      { file: 'out-of-scope.yaml', field: 'examples.ar[3]', message: 'must not be empty' },
    ]));
    // With the schema satisfied, repeats are found.
    examples.ku = outOfScopeExamples().ku;
    examples.fr = outOfScopeExamples().fr;
    examples.ar![3] = 'what time is it in Kabul';
    ({ knowledgeBase, problems } = validateKnowledge(smallSources({ entries, outOfScope: { examples: examples as never } })));
    expect(problems).toEqual([{ file: 'out-of-scope.yaml', field: 'examples.tr[5]', message: 'repeats another example' }]);
  });

  it('are shipped: at least 20 distinct ones in each of the eleven languages', async () => {
    const sources = await readKnowledgeSources(KNOWLEDGE_DIR);
    expect(sources.map((s) => s.file)).toContain('out-of-scope.yaml');
    const kb = await loadKnowledgeBase(KNOWLEDGE_DIR);
    for (const lang of LANGUAGES) expect(kb.outOfScope[lang].length, lang).toBeGreaterThanOrEqual(20);
  });
});
