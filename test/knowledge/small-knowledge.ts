import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadKnowledgeBase, type KnowledgeSource } from '../../src/knowledge/load.js';
import { ROMANISED_LANGUAGES, type GlossaryFile, type KnowledgeEntry } from '../../src/knowledge/schema.js';
import { LANGUAGES, type Lang } from '../../src/languages.js';

/**
 * A small valid knowledge base, written out per test: entries whose texts name their id and
 * language, contacts, and (when asked) a glossary and out-of-scope examples.
 */

const romanisable: ReadonlySet<Lang> = new Set(ROMANISED_LANGUAGES);

/** An entry in all eleven languages, with two romanised spellings where the language takes them. */
export function smallEntry(id: string, edit: (entry: KnowledgeEntry) => void = () => {}): KnowledgeEntry {
  const languages = Object.fromEntries(
    LANGUAGES.map((lang) => [
      lang,
      {
        status: lang === 'en' ? 'reviewed' : 'machine',
        question: `${id} question ${lang}`,
        variants: [`${id} other wording ${lang}`],
        ...(romanisable.has(lang) ? { romanised: [`${id} latin one ${lang}`, `${id} latin two ${lang}`] } : {}),
        answer: `${id} answer ${lang}\n`,
      },
    ]),
  ) as KnowledgeEntry['languages'];
  const entry: KnowledgeEntry = { id, topic: 'avrr', tags: [], source: ['[RL] Refugee Light Bulgaria'], reviewed: '2026-12-01', languages };
  edit(entry);
  return entry;
}

export const CONTACTS_YAML = stringify({
  verified: false,
  contact: { organisation: 'IOM Bulgaria (Sofia office)', address: 'ул. „Цар Асен“ 77, София (77 Tzar Asen Street, Sofia)', phone: '+359 2 000 000', email: '', hours: '', website: 'https://www.iom.bg' },
});

/** The same terms in every language unless given: `{ en: {...}, ur: {...} }` over a default. */
export function concept(defaults: { use: string[]; avoid?: string[] }, byLang: Partial<Record<Lang, { use: string[]; avoid?: string[] }>> = {}): GlossaryFile['concepts'][string] {
  return Object.fromEntries(LANGUAGES.map((lang) => [lang, byLang[lang] ?? defaults])) as GlossaryFile['concepts'][string];
}

/** `count` distinct examples per language. */
export function outOfScopeExamples(count = 20): Record<Lang, string[]> {
  return Object.fromEntries(LANGUAGES.map((lang) => [lang, Array.from({ length: count }, (_, i) => `unrelated question ${i + 1} in ${lang}`)])) as Record<Lang, string[]>;
}

export interface SmallKnowledge {
  entries: KnowledgeEntry[];
  glossary?: GlossaryFile | string;
  outOfScope?: { examples: Record<Lang, string[]> } | string;
}

/** The knowledge base as sources, as the folder or the database would hand them over. */
export function smallSources({ entries, glossary, outOfScope }: SmallKnowledge): KnowledgeSource[] {
  const text = (value: unknown) => (typeof value === 'string' ? value : stringify(value));
  return [
    { file: 'contacts.yaml', text: CONTACTS_YAML },
    ...entries.map((e) => ({ file: `${e.id}.yaml`, text: stringify(e) })),
    ...(glossary ? [{ file: 'glossary.yaml', text: text(glossary) }] : []),
    ...(outOfScope ? [{ file: 'out-of-scope.yaml', text: text(outOfScope) }] : []),
  ].sort((a, b) => (a.file < b.file ? -1 : 1));
}

/** Writes the knowledge base into `dir` (created); returns `dir`. */
export async function writeSmallKnowledge(dir: string, knowledge: SmallKnowledge): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const { file, text } of smallSources(knowledge)) await writeFile(path.join(dir, file), text);
  return dir;
}

/**
 * An entry of a knowledge folder that no other entry's `related` and no guided check names, so
 * that a test can delete or rename it and leave a valid knowledge base (the content grows, and
 * which entries are linked changes with it).
 */
export async function unreferencedEntry(dir: string): Promise<string> {
  const kb = await loadKnowledgeBase(dir);
  const named = new Set<string>();
  const walk = (value: unknown, key = ''): void => {
    if (Array.isArray(value)) {
      for (const item of value) typeof item === 'string' && (key === 'entries' || key === 'triggers') ? named.add(item) : walk(item);
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  for (const flow of kb.flows.values()) walk(flow);
  for (const entry of kb.entries.values()) for (const id of entry.related ?? []) named.add(id);
  const free = [...kb.entries.keys()].filter((id) => !named.has(id)).sort();
  if (free.length === 0) throw new Error(`every entry in ${dir} is linked from another`);
  return free[0]!;
}
