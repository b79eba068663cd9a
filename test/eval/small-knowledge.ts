import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { LANGUAGES } from '../../src/languages.js';
import { KNOWLEDGE_DIR } from '../support/paths.js';

/** A tiny knowledge base's entries: the same English texts in every language (enough for the eval's plumbing). */
export const SMALL_ENTRIES = {
  'bicycle-repair': {
    question: 'Where can I get my bicycle repaired?',
    variants: ['my bike has a flat tyre, who fixes it', 'bicycle repair shop near me', 'the chain of my bicycle broke, where to fix it'],
  },
  'library-card': {
    question: 'How do I get a library card?',
    variants: ['can I borrow books from the library', 'library membership card how', 'I want to read books, how do I join the library'],
  },
  'swimming-pool': {
    question: 'When is the swimming pool open?',
    variants: ['swimming pool opening hours', 'can I swim in the pool on Sunday', 'what time does the swimming pool close'],
  },
} as const;

export type SmallEntryId = keyof typeof SMALL_ENTRIES;

/** Writes the tiny knowledge base (three entries, the shipped contacts) into `dir`/knowledge and returns that folder. */
export async function writeSmallKnowledge(dir: string): Promise<string> {
  const knowledge = path.join(dir, 'knowledge');
  await mkdir(knowledge, { recursive: true });
  await copyFile(path.join(KNOWLEDGE_DIR, 'contacts.yaml'), path.join(knowledge, 'contacts.yaml'));
  for (const [id, texts] of Object.entries(SMALL_ENTRIES)) {
    const languages = Object.fromEntries(LANGUAGES.map((lang) => [lang, {
      status: lang === 'en' ? 'reviewed' : 'machine',
      question: texts.question,
      variants: [...texts.variants],
      answer: `The answer about ${id.replace('-', ' ')}.`,
    }]));
    const entry = { id, topic: 'test', tags: [], source: ['[TEST] a test source'], reviewed: '2026-12-01', languages };
    await writeFile(path.join(knowledge, `${id}.yaml`), stringify(entry));
  }
  return knowledge;
}
