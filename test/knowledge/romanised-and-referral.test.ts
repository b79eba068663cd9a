import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadKnowledgeBase, validateKnowledge } from '../../src/knowledge/load.js';
import { ROMANISED_LANGUAGES } from '../../src/knowledge/schema.js';
import { KNOWLEDGE_DIR, ROOT } from '../support/paths.js';
import { useTempDir } from '../support/temp-dir.js';
import { smallEntry, smallSources, writeSmallKnowledge } from './small-knowledge.js';

const tempDir = useTempDir();
const validate = (...entries: ReturnType<typeof smallEntry>[]) => validateKnowledge(smallSources({ entries }));

describe('referral entries and romanised spellings', () => {
  it('accepts a referral flag and romanised spellings for ar, fa, ur, ps, bg, ru and uk, with nothing to warn about', () => {
    const { knowledgeBase, problems, warnings } = validate(smallEntry('help-outside-iom', (e) => (e.referral = true)), smallEntry('avrr-cost'));
    expect(problems).toEqual([]);
    expect(warnings).toEqual([]);
    expect(knowledgeBase?.entries.get('help-outside-iom')?.referral).toBe(true);
    expect(knowledgeBase?.entries.get('avrr-cost')?.referral).toBeUndefined();
    expect(knowledgeBase?.entries.get('avrr-cost')?.languages.fa.romanised).toEqual(['avrr-cost latin one fa', 'avrr-cost latin two fa']);
    expect([...ROMANISED_LANGUAGES].sort()).toEqual(['ar', 'bg', 'fa', 'ps', 'ru', 'uk', 'ur']);
  });

  it('refuses romanised spellings in the other languages, a referral flag that is not true or false, and names each field', () => {
    const entry = smallEntry('avrr-cost', (e) => {
      e.languages.fr.romanised = ['combien ca coute'];
      e.languages.en.romanised = ['how much'];
      (e as unknown as Record<string, unknown>).referral = 'yes';
    });
    const { knowledgeBase, problems } = validate(entry);
    expect(knowledgeBase).toBeUndefined();
    expect(problems).toEqual(expect.arrayContaining([{ file: 'avrr-cost.yaml', field: 'referral', message: 'must be boolean' }]));
    // The schema problem keeps the entry from the per-language checks; fixed, those come next.
    delete (entry as { referral?: unknown }).referral;
    expect(validate(entry).problems).toEqual([
      { file: 'avrr-cost.yaml', field: 'languages.en.romanised', message: 'romanised spellings are only for ar, fa, ur, ps, bg, ru, uk' },
      { file: 'avrr-cost.yaml', field: 'languages.fr.romanised', message: 'romanised spellings are only for ar, fa, ur, ps, bg, ru, uk' },
    ]);
  });

  it('refuses a romanised spelling that repeats the question, a variant or another spelling, or is not in Latin letters', () => {
    const entry = smallEntry('avrr-cost', (e) => {
      e.languages.ru.romanised = ['skolko stoit', 'Skolko  stoit!'];
      e.languages.bg.romanised = [e.languages.bg.variants[0]!.toUpperCase(), 'kolko struva'];
      e.languages.fa.romanised = ['hazine chie', 'هزینه چقدر است'];
    });
    expect(validate(entry).problems).toEqual([
      { file: 'avrr-cost.yaml', field: 'languages.bg.romanised[0]', message: 'repeats the question, a variant or another romanised spelling' },
      { file: 'avrr-cost.yaml', field: 'languages.fa.romanised[1]', message: expect.stringMatching(/^must be written in Latin letters/) },
      { file: 'avrr-cost.yaml', field: 'languages.ru.romanised[1]', message: 'repeats the question, a variant or another romanised spelling' },
    ]);
  });

  it('warns, without failing, when one of those languages has fewer than two romanised spellings', () => {
    const entry = smallEntry('avrr-cost', (e) => {
      delete e.languages.ur.romanised;
      e.languages.uk.romanised = ['skilky koshtuye'];
    });
    const { knowledgeBase, problems, warnings } = validate(entry);
    expect(problems).toEqual([]);
    expect(knowledgeBase?.entries.has('avrr-cost')).toBe(true);
    expect(warnings).toEqual([
      { file: 'avrr-cost.yaml', field: 'languages.ur.romanised', message: 'has 0 romanised spelling(s); add at least 2 (the question in Latin letters as people type it)' },
      { file: 'avrr-cost.yaml', field: 'languages.uk.romanised', message: 'has 1 romanised spelling(s); add at least 2 (the question in Latin letters as people type it)' },
    ]);
  });

  it('makes kb:check print the warnings and pass when there are only warnings', async () => {
    const dir = await writeSmallKnowledge(path.join(await tempDir(), 'knowledge'), { entries: [smallEntry('avrr-cost', (e) => delete e.languages.ps.romanised)] });
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/kb-check.ts', dir], { cwd: ROOT });
    expect(stderr).toContain('1 warning(s) in');
    expect(stderr).toContain('avrr-cost.yaml › languages.ps.romanised: has 0 romanised spelling(s)');
    expect(stdout).toContain('ok: 1 entries and 0 guided check(s)');
    expect(stdout).toContain('(1 warning(s))');
  });

  it('marks the three referral entries of the shipped knowledge base', async () => {
    const kb = await loadKnowledgeBase(KNOWLEDGE_DIR);
    const referrals = [...kb.entries.values()].filter((e) => e.referral).map((e) => e.id).sort();
    expect(referrals).toEqual(expect.arrayContaining(['asylum-decision-time', 'help-outside-iom', 'iom-jobs-housing']));
  });
});
