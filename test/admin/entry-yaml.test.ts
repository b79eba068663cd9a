import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { entryFileText } from '../../src/admin/entry-yaml.js';
import { alignSequences } from '../../src/admin/sequence-diff.js';
import { isEntryFile, readKnowledgeSources } from '../../src/knowledge/load.js';
import type { KnowledgeEntry } from '../../src/knowledge/schema.js';
import { KNOWLEDGE_DIR } from '../support/paths.js';

const shipped = async (file: string) => readFile(path.join(KNOWLEDGE_DIR, file), 'utf8');
const entryOf = (text: string) => parse(text) as KnowledgeEntry;

/** The lines of `after` that are not the same line of `before`, aligned as a diff aligns them. */
function changedLines(before: string, after: string) {
  const a = before.split('\n');
  const b = after.split('\n');
  return alignSequences(a, b)
    .filter((row) => !row.same)
    .map((row) => ({ removed: row.a === undefined ? undefined : a[row.a], added: row.b === undefined ? undefined : b[row.b] }));
}

describe('writing an entry file with only what changed', () => {
  it('gives back every shipped entry file byte for byte when nothing changed', async () => {
    const sources = (await readKnowledgeSources(KNOWLEDGE_DIR)).filter((s) => isEntryFile(s.file));
    expect(sources.length).toBeGreaterThan(40);
    for (const { file, text } of sources) expect(entryFileText(entryOf(text), text), file).toBe(text);
  });

  it('changes one line when one sentence of a Farsi answer changes, and keeps comments and the order of fields', async () => {
    const text = (await shipped('avrr-cost.yaml')).replace('topic: avrr\n', 'topic: avrr   # checked with the counsellors\n').replace('languages:\n', '# Eleven languages below.\nlanguages:\n');
    const entry = entryOf(text);
    const sentence = entry.languages.fa.answer.split('\n')[0]!;
    entry.languages.fa.answer = entry.languages.fa.answer.replace(sentence, `${sentence} یک جمله تازه.`);
    const after = entryFileText(entry, text);
    expect(changedLines(text, after)).toEqual([{ removed: `      ${sentence}`, added: `      ${sentence} یک جمله تازه.` }]);
    expect(after).toContain('topic: avrr   # checked with the counsellors\n');
    expect(after).toContain('# Eleven languages below.\nlanguages:\n');
    expect(entryOf(after)).toEqual(entry);
  });

  it("keeps a hand-formatted file's own spacing and indentation on every line the edit did not touch", async () => {
    const text = (await shipped('avrr-cost.yaml'))
      .replace('tags: [cost, tickets, fees, travel-money]', 'tags: [ cost,  tickets, fees, travel-money ]   #  tags')
      .replace(/\n {2}- "\[/g, '\n- "[')
      .replace('languages:\n', '\nlanguages:   # all eleven\n');
    const entry = entryOf(text);
    entry.languages.uk.answer = entry.languages.uk.answer.replace(/\n/, ' Нове речення.\n');
    const oneLine = changedLines(text, entryFileText(entry, text));
    expect(oneLine).toHaveLength(1);
    expect(oneLine[0]!.added).toContain('Нове речення.');
    // A new source beside two written without indentation: those two are indented as the new one is, nothing else changes.
    entry.source.push('[IOM] A third source');
    const after = entryFileText(entry, text);
    expect(entryOf(after)).toEqual(entry);
    expect(changedLines(text, after).map((c) => c.added)).toEqual([...entry.source.slice(0, 2).map((s) => `  - "${s}"`), '  - "[IOM] A third source"', expect.stringContaining('Нове речення.')]);
    expect(after).toContain('tags: [ cost,  tickets, fees, travel-money ]   #  tags\n');
    expect(after).toContain('\nlanguages:   # all eleven\n');
  });

  it('adds a way of asking as one new line quoted as its neighbours are, and removing one removes one line', async () => {
    const quoted = await shipped('avrr-cost.yaml');
    const entry = entryOf(quoted);
    entry.languages.en.variants.splice(1, 0, 'is the ticket free');
    expect(changedLines(quoted, entryFileText(entry, quoted))).toEqual([{ removed: undefined, added: '      - "is the ticket free"' }]);

    const unquoted = await shipped('about-iom.yaml');
    const other = entryOf(unquoted);
    const [removed] = other.languages.en.variants.splice(0, 1);
    other.languages.en.variants.push('who is iom');
    expect(changedLines(unquoted, entryFileText(other, unquoted))).toEqual([
      { removed: `      - ${removed}`, added: undefined },
      { removed: undefined, added: '      - who is iom' },
    ]);
  });

  it("puts a new field where the schema's order has it, and drops a removed one", async () => {
    const text = await shipped('avrr-cost.yaml');
    const entry = entryOf(text);
    entry.referral = true;
    entry.tags.push('price');
    delete entry.languages.ar.romanised;
    const after = entryFileText(entry, text);
    expect(after).toMatch(/\nreviewed: [\d-]+\nreferral: true\nrelated:/);
    expect(after).toContain('tags: [cost, tickets, fees, travel-money, price]\n');
    expect(entryOf(after)).toEqual(entry);
    const changes = changedLines(text, after);
    expect(changes.filter((c) => c.added !== undefined)).toHaveLength(2);
    expect(changes.filter((c) => c.added === undefined).map((c) => c.removed)).toEqual(['    romanised:', ...entryOf(text).languages.ar.romanised!.map((r) => `      - "${r}"`)]);
  });

  it("writes a new entry in the knowledge base's own style, which reads back as the same entry", async () => {
    const entry = entryOf(await shipped('avrr-cost.yaml'));
    const fresh = entryFileText({ ...entry, id: 'avrr-cost-copy', referral: true });
    expect(fresh).toContain('id: avrr-cost-copy\ntopic: avrr\ntags: [cost, tickets, fees, travel-money]\n');
    expect(fresh).toContain('    question: "Does voluntary return cost me anything?"\n');
    expect(fresh).toContain('    answer: |\n      The information we have');
    expect(entryOf(fresh)).toEqual({ ...entry, id: 'avrr-cost-copy', referral: true });
    // A file that does not parse is written anew rather than patched.
    expect(entryFileText(entry, 'id: [unclosed\n')).toBe(entryFileText(entry));
  });
});

describe('aligning two lists as a side-by-side diff does', () => {
  it('pairs an edited line with its new text, and shows added and removed lines alone', () => {
    expect(alignSequences(['a', 'b', 'c', 'd'], ['a', 'B', 'c', 'x', 'd', 'e'])).toEqual([
      { a: 0, b: 0, same: true },
      { a: 1, b: 1, same: false },
      { a: 2, b: 2, same: true },
      { b: 3, same: false },
      { a: 3, b: 4, same: true },
      { b: 5, same: false },
    ]);
    expect(alignSequences(['a', 'b'], [])).toEqual([{ a: 0, same: false }, { a: 1, same: false }]);
  });
});
