import { describe, expect, it } from 'vitest';
import { LiveKnowledge, type KnowledgeChange } from '../../src/knowledge/live-knowledge.js';
import { validateKnowledge } from '../../src/knowledge/load.js';
import type { KnowledgeEntry } from '../../src/knowledge/schema.js';
import { LANGUAGES, type Lang } from '../../src/languages.js';
import { loadAnswerEngine } from '../../src/retrieval/load-engine.js';
import { testConfig } from '../support/engine.js';
import { useTempDir } from '../support/temp-dir.js';
import { writeSmallKnowledge } from '../eval/small-knowledge.js';
import { outOfScopeExamples, smallEntry, smallSources } from './small-knowledge.js';

const tempDir = useTempDir();

function smallKnowledge(): LiveKnowledge {
  const { knowledgeBase } = validateKnowledge(smallSources({ entries: [smallEntry('avrr-cost'), smallEntry('avrr-timeline')], outOfScope: { examples: outOfScopeExamples() } }));
  return new LiveKnowledge(knowledgeBase!);
}

/** Out-of-scope examples: `en` as given, none in the other languages. */
const englishOnly = (en: readonly string[]) => Object.fromEntries(LANGUAGES.map((lang) => [lang, lang === 'en' ? en : []])) as Record<Lang, readonly string[]>;

/** A new entry of the tiny knowledge base (test/eval/small-knowledge.ts), the same texts in every language. */
function busTicket(template: KnowledgeEntry): KnowledgeEntry {
  const entry = structuredClone(template);
  entry.id = 'bus-ticket';
  for (const lang of LANGUAGES) {
    Object.assign(entry.languages[lang], {
      question: 'Where do I buy a bus ticket?',
      variants: ['bus ticket price', 'can I pay on the bus', 'where to get a ticket for the city bus'],
      answer: 'At the kiosk by the bus stop.',
    });
  }
  return entry;
}

describe('LiveKnowledge', () => {
  it('announces each change, typed, to every listener in the order they subscribed, after the change is in place', () => {
    const knowledge = smallKnowledge();
    const heard: string[] = [];
    knowledge.onChange((change) => heard.push(`first ${told(change)} ${knowledge.entries.has('avrr-cost')}`));
    knowledge.onChange((change) => heard.push(`second ${told(change)}`));

    const edited = smallEntry('avrr-cost', (e) => (e.languages.en.answer = 'Edited.\n'));
    knowledge.upsertEntry(edited);
    expect(knowledge.entries.get('avrr-cost')).toBe(edited);
    knowledge.removeEntry('avrr-cost');
    knowledge.removeEntry('no-such-entry'); // nothing to take out: nothing announced
    knowledge.replaceOutOfScope(englishOnly(['What is the weather like?']));

    expect(heard).toEqual([
      'first entry-upserted avrr-cost true',
      'second entry-upserted avrr-cost',
      'first entry-removed avrr-cost false',
      'second entry-removed avrr-cost',
      'first out-of-scope-changed - false',
      'second out-of-scope-changed -',
    ]);
    expect(knowledge.outOfScope.en).toEqual(['What is the weather like?']);
    expect(knowledge.outOfScope.fa).toEqual([]);
    expect(Object.isFrozen(knowledge.outOfScope.en)).toBe(true);
  });

  it('keeps the same entries map for readers, copies what it starts from, and stops calling a listener that unsubscribed', () => {
    const { knowledgeBase } = validateKnowledge(smallSources({ entries: [smallEntry('avrr-cost')] }));
    const knowledge = new LiveKnowledge(knowledgeBase!);
    const entries = knowledge.entries;
    const heard: KnowledgeChange[] = [];
    const unsubscribe = knowledge.onChange((change) => heard.push(change));

    knowledge.upsertEntry(smallEntry('avrr-timeline'));
    expect(entries.has('avrr-timeline')).toBe(true);
    expect(knowledgeBase!.entries.has('avrr-timeline')).toBe(false);
    expect(new LiveKnowledge(knowledge).entries).not.toBe(entries);

    unsubscribe();
    knowledge.removeEntry('avrr-timeline');
    expect(heard).toEqual([{ kind: 'entry-upserted', id: 'avrr-timeline' }]);
  });

  it('tells every listener even when one throws, then throws that error', () => {
    const knowledge = smallKnowledge();
    const heard: string[] = [];
    knowledge.onChange(() => {
      throw new Error('index broke');
    });
    knowledge.onChange((change) => heard.push(change.kind));
    expect(() => knowledge.removeEntry('avrr-timeline')).toThrow('index broke');
    expect(heard).toEqual(['entry-removed']);
    expect(knowledge.entries.has('avrr-timeline')).toBe(false);
  });
});

describe('the engine follows the live knowledge', () => {
  it('answers an entry published into the live knowledge at once, and no longer once it is removed', async () => {
    const { engine, knowledge } = await loadAnswerEngine(testConfig({ KNOWLEDGE_DIR: await writeSmallKnowledge(await tempDir()) }));
    const question = 'Where do I buy a bus ticket?';
    expect((await engine.ask({ text: question, lang: 'en' })).entryId).not.toBe('bus-ticket');

    knowledge.upsertEntry(busTicket(knowledge.entries.get('library-card')!));
    expect(await engine.ask({ text: question, lang: 'en' })).toMatchObject({ kind: 'answer', entryId: 'bus-ticket', answer: expect.stringContaining('At the kiosk by the bus stop.') });
    expect(await engine.ask({ text: 'bus ticket to the city centre', lang: 'en' })).toMatchObject({ kind: 'answer', entryId: 'bus-ticket' });
    expect(engine.answerEntry('bus-ticket', 'fa')?.answer).toContain('At the kiosk by the bus stop.');

    knowledge.removeEntry('bus-ticket');
    const after = await engine.ask({ text: question, lang: 'en' });
    expect(after.entryId).not.toBe('bus-ticket');
    expect(after.suggestions.map((s) => s.entryId)).not.toContain('bus-ticket');
    expect(engine.answerEntry('bus-ticket', 'en')).toBeUndefined();
  });

  it('learns edited out-of-scope examples without a restart, and the previous ones again when they are put back', async () => {
    const { engine, knowledge } = await loadAnswerEngine(testConfig({ KNOWLEDGE_DIR: await writeSmallKnowledge(await tempDir()) }));
    const question = 'Is the swimming pool open on public holidays?';
    const before = await engine.ask({ text: question, lang: 'en' });
    expect(before).toMatchObject({ kind: 'answer', entryId: 'swimming-pool' });
    const previous = knowledge.outOfScope;

    // Staff decide the bot does not answer about the pool on holidays.
    knowledge.replaceOutOfScope(englishOnly([question, 'is the pool open at christmas', 'swimming pool on new year']));
    const refused = await engine.ask({ text: question, lang: 'en' });
    expect(refused).toMatchObject({ entryId: null });
    expect(refused.confidence).toBeLessThan(before.confidence);
    expect(await engine.ask({ text: 'When is the swimming pool open?', lang: 'en' })).toMatchObject({ kind: 'answer', entryId: 'swimming-pool' });

    knowledge.replaceOutOfScope(previous);
    expect(await engine.ask({ text: question, lang: 'en' })).toEqual(before);
  });

  it('previews a draft on a copy: the live knowledge and the engine answering from it do not change', async () => {
    const { engine, knowledge } = await loadAnswerEngine(testConfig({ KNOWLEDGE_DIR: await writeSmallKnowledge(await tempDir()) }));
    const heard: KnowledgeChange[] = [];
    knowledge.onChange((change) => heard.push(change));
    const draft = busTicket(knowledge.entries.get('library-card')!);

    expect(await engine.withDraft(draft).ask({ text: draft.languages.en.question, lang: 'en' })).toMatchObject({ kind: 'answer', entryId: 'bus-ticket' });
    expect(knowledge.entries.has('bus-ticket')).toBe(false);
    expect(heard).toEqual([]);
    expect((await engine.ask({ text: draft.languages.en.question, lang: 'en' })).entryId).not.toBe('bus-ticket');
  });
});

/** A change as one line: its kind and id. */
function told(change: KnowledgeChange): string {
  return `${change.kind} ${'id' in change ? change.id : '-'}`;
}
