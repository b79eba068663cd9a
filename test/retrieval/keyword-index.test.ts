import { describe, expect, it } from 'vitest';
import { loadKnowledgeBase } from '../../src/knowledge/load.js';
import type { KnowledgeEntry } from '../../src/knowledge/schema.js';
import { KeywordIndex } from '../../src/retrieval/keyword-index.js';
import { KNOWLEDGE_DIR } from '../support/paths.js';

const kb = await loadKnowledgeBase(KNOWLEDGE_DIR);
const entry = (id: string) => kb.entries.get(id) as KnowledgeEntry;

describe('the keyword index', () => {
  it('finds an entry by a variant, with full coverage for an exact variant', () => {
    const index = KeywordIndex.build(kb.entries.values());
    const variant = entry('avrr-timeline').languages.en.variants[0] as string;
    const [top] = index.search(variant, 'en');
    expect(top).toMatchObject({ entryId: 'avrr-timeline', lang: 'en', coverage: 1 });
  });

  it('finds a misspelled word by its spelling, which a stemmer would have garbled', () => {
    const index = KeywordIndex.build(kb.entries.values());
    const [typo] = index.search('reintgration business', 'en');
    const [exactOnly] = index.search('reintgration business', 'en', { approximate: false });
    expect(typo?.entryId).toBe('reintegration-business');
    expect(typo?.coverage).toBeGreaterThan(exactOnly?.coverage ?? 0);
    expect(typo?.coverage).toBeGreaterThan(0.8);
  });

  it('finds longer forms of a word the language has no stemmer for', () => {
    const index = KeywordIndex.build(kb.entries.values());
    // "داوطلبا" is no word of the Farsi knowledge, but "داوطلبانه" (voluntary) begins with it.
    expect(index.search('داوطلبا', 'fa', { approximate: false })).toEqual([]);
    expect(index.search('داوطلبا', 'fa').length).toBeGreaterThan(0);
  });

  it('serves an edited entry at once and forgets a removed one (staff edits)', () => {
    const index = KeywordIndex.build(kb.entries.values());
    const edited = structuredClone(entry('avrr-cost'));
    edited.languages.en.variants.push('zanzibar quokka expenses');
    index.upsert(edited);
    expect(index.search('zanzibar quokka', 'en')[0]).toMatchObject({ entryId: 'avrr-cost', coverage: 1 });
    expect(index.size).toBe(kb.entries.size);

    index.remove('avrr-cost');
    expect(index.search('zanzibar quokka', 'en')).toEqual([]);
    expect(index.search('Does voluntary return cost me anything?', 'en').map((h) => h.entryId)).not.toContain('avrr-cost');
    expect(index.size).toBe(kb.entries.size - 1);
  });
});
