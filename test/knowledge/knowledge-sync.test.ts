import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { AuditLog } from '../../src/admin/audit-log.js';
import { KnowledgeEditor } from '../../src/admin/knowledge-editor.js';
import { outOfScopeText } from '../../src/admin/routes/wording.js';
import type { StoredKnowledgeFiles } from '../../src/knowledge/knowledge-files.js';
import { KnowledgeSync, type SyncLog } from '../../src/knowledge/knowledge-sync.js';
import type { LiveKnowledge } from '../../src/knowledge/live-knowledge.js';
import { openPublishedKnowledge } from '../../src/knowledge/published-knowledge.js';
import { OUT_OF_SCOPE_FILE } from '../../src/knowledge/load.js';
import type { KnowledgeEntry } from '../../src/knowledge/schema.js';
import type { AnswerEngine } from '../../src/retrieval/engine.js';
import { loadAnswerEngine } from '../../src/retrieval/load-engine.js';
import { testConfig } from '../support/engine.js';
import { KNOWLEDGE_DIR } from '../support/paths.js';
import { useStoreBackends } from '../support/stores.js';
import { unreferencedEntry } from './small-knowledge.js';

const postgres = useStoreBackends().find((b) => b.name === 'postgres')!;

const COST_QUESTION = 'Does voluntary return cost me anything?';
const NEW_ANSWER = 'Published on the first instance: the return programme pays for your ticket home.';
const POLL = { timeout: 15_000 };

/** A log that keeps what it was told. */
function recordingLog(): SyncLog & { readonly calls: { level: 'info' | 'error'; obj: object; msg: string }[] } {
  const calls: { level: 'info' | 'error'; obj: object; msg: string }[] = [];
  return { calls, info: (obj, msg) => calls.push({ level: 'info', obj, msg }), error: (obj, msg) => calls.push({ level: 'error', obj, msg }) };
}

interface Instance {
  readonly engine: AnswerEngine;
  readonly knowledge: LiveKnowledge;
  readonly files: StoredKnowledgeFiles;
  readonly sync: KnowledgeSync;
  readonly log: ReturnType<typeof recordingLog>;
  readonly editor: KnowledgeEditor;
}

/** Two instances on one fresh database, each started as main.ts starts one (seeded from the shipped folder). */
async function twoInstances(): Promise<[Instance, Instance]> {
  const place = await postgres.place();
  const start = async (): Promise<Instance> => {
    const store = await place.open();
    const published = await openPublishedKnowledge(testConfig(), store);
    const { engine, knowledge } = await loadAnswerEngine(testConfig(), published.sources);
    const log = recordingLog();
    const sync = new KnowledgeSync(store, published.files, knowledge, log, published.sources);
    await sync.start();
    const editor = new KnowledgeEditor(published.files, knowledge, new AuditLog(store), (files) => sync.announce(files));
    return { engine, knowledge, files: published.files as StoredKnowledgeFiles, sync, log, editor };
  };
  const first = await start();
  return [first, await start()];
}

const errorsOf = (instance: Instance) => instance.log.calls.filter((c) => c.level === 'error');
const answerTo = async (engine: AnswerEngine, text: string) => engine.ask({ text, lang: 'en' });

/** The entry as published now, with its English answer replaced. */
async function withNewAnswer(instance: Instance, id: string, answer: string): Promise<{ entry: KnowledgeEntry; version: string }> {
  const found = (await instance.editor.read(id))!;
  const entry = structuredClone(found.entry);
  entry.languages.en.answer = answer;
  return { entry, version: found.version };
}

describe('KnowledgeSync between two instances on one database', () => {
  it('puts an entry published on one instance into service on the other', async () => {
    const [first, second] = await twoInstances();
    expect(await answerTo(second.engine, COST_QUESTION)).toMatchObject({ kind: 'answer', entryId: 'avrr-cost', answer: expect.not.stringContaining(NEW_ANSWER) });

    const { entry, version } = await withNewAnswer(first, 'avrr-cost', NEW_ANSWER);
    expect(await first.editor.publish(entry, version, 'editor@example.org')).toEqual({ published: true, version: expect.any(String) });

    await expect.poll(async () => (await answerTo(second.engine, COST_QUESTION)).answer, POLL).toContain(NEW_ANSWER);
    expect(await answerTo(second.engine, COST_QUESTION)).toMatchObject({ kind: 'answer', entryId: 'avrr-cost' });
    expect(second.knowledge.entries.get('avrr-cost')?.languages.en.answer).toBe(NEW_ANSWER);
    expect(second.knowledge.entries.get('avrr-cost')).toEqual(first.knowledge.entries.get('avrr-cost'));
    expect(second.log.calls).toContainEqual({ level: 'info', obj: { changed: 1 }, msg: 'knowledge: published changes put into service' });
    expect(errorsOf(first)).toEqual([]);
    expect(errorsOf(second)).toEqual([]);
  });

  it('takes an entry deleted on one instance out of service on the other', async () => {
    const [first, second] = await twoInstances();
    // An entry nothing links to, so that it can be deleted.
    const id = await unreferencedEntry(KNOWLEDGE_DIR);
    const question = second.knowledge.entries.get(id)!.languages.en.question;
    expect(await answerTo(second.engine, question)).toMatchObject({ kind: 'answer', entryId: id });

    const { version } = (await first.editor.read(id))!;
    expect(await first.editor.remove(id, version, 'editor@example.org')).toMatchObject({ published: true });

    await expect.poll(() => second.knowledge.entries.has(id), POLL).toBe(false);
    expect(await answerTo(second.engine, question)).not.toMatchObject({ entryId: id });
    expect([...second.knowledge.entries.keys()]).toEqual([...first.knowledge.entries.keys()]);
    expect(errorsOf(second)).toEqual([]);
  });

  it('puts out-of-scope examples published on one instance into service on the other, without a restart', async () => {
    const [first, second] = await twoInstances();
    const before = second.knowledge.outOfScope;
    const added = 'How much does a flight ticket to Dubai cost for a holiday?';
    const { text, version } = await first.editor.readFile(OUT_OF_SCOPE_FILE);
    const examples = { ...before, en: [...before.en, added] };
    expect(await first.editor.publishFile(OUT_OF_SCOPE_FILE, outOfScopeText(text, examples), version, 'editor@example.org')).toMatchObject({ published: true });
    expect(first.knowledge.outOfScope.en).toContain(added);

    await expect.poll(() => second.knowledge.outOfScope.en, POLL).toContain(added);
    expect(second.knowledge.outOfScope).toEqual(first.knowledge.outOfScope);
    expect(second.log.calls).toContainEqual({ level: 'info', obj: { changed: 1 }, msg: 'knowledge: published changes put into service' });
    expect(errorsOf(first)).toEqual([]);
    expect(errorsOf(second)).toEqual([]);
  });

  it('picks up on refresh a change the other instance did not hear of (not listening, or never announced)', async () => {
    const [first, second] = await twoInstances();

    // Announced while the second was not listening.
    await second.sync.stop();
    const { entry, version } = await withNewAnswer(first, 'avrr-cost', NEW_ANSWER);
    expect(await first.editor.publish(entry, version, 'editor@example.org')).toMatchObject({ published: true });
    expect(second.knowledge.entries.get('avrr-cost')?.languages.en.answer).not.toBe(NEW_ANSWER);
    await second.sync.refresh();
    expect(second.knowledge.entries.get('avrr-cost')?.languages.en.answer).toBe(NEW_ANSWER);
    expect((await answerTo(second.engine, COST_QUESTION)).answer).toContain(NEW_ANSWER);

    // Written to the database without any announcement.
    const file = 'avrr-timeline.yaml';
    const before = await first.files.read(file);
    const edited = parse(before) as KnowledgeEntry;
    edited.languages.en.answer = 'Written straight into the database.';
    expect(await first.files.replace([{ file, before, after: stringify(edited) }])).toEqual([]);
    await second.sync.refresh();
    expect(second.knowledge.entries.get('avrr-timeline')?.languages.en.answer).toBe('Written straight into the database.');
    expect(errorsOf(second)).toEqual([]);
  });

  it('keeps serving the previous entries, and logs an error, when the published knowledge base is invalid', async () => {
    const [first, second] = await twoInstances();
    const previous = structuredClone(second.knowledge.entries.get('avrr-cost'));

    // A hand edit of the database, past the validation publishing does: a new English answer and no Farsi one.
    const file = 'avrr-cost.yaml';
    const before = await first.files.read(file);
    const broken = parse(before) as KnowledgeEntry;
    broken.languages.en.answer = NEW_ANSWER;
    delete (broken.languages.fa as Partial<KnowledgeEntry['languages']['fa']>).answer;
    expect(await first.files.replace([{ file, before, after: stringify(broken) }])).toEqual([]);

    await second.sync.refresh();
    expect(second.knowledge.entries.get('avrr-cost')).toEqual(previous);
    expect((await answerTo(second.engine, COST_QUESTION)).answer).not.toContain(NEW_ANSWER);
    expect(errorsOf(second)).toEqual([
      {
        level: 'error',
        obj: { problems: [expect.stringContaining('avrr-cost.yaml › languages.fa.answer: is missing')] },
        msg: 'knowledge: the published knowledge base is invalid; still serving the previous one',
      },
    ]);
  });
});
