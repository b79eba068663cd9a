import { readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readEvalFile } from '../../src/eval/evaluate.js';
import type { KnowledgeEntry } from '../../src/knowledge/schema.js';
import type { Lang } from '../../src/languages.js';
import { EngineCache, type EngineCacheLog } from '../../src/retrieval/engine-cache.js';
import type { AnswerEngine } from '../../src/retrieval/engine.js';
import type { KeywordIndex } from '../../src/retrieval/keyword-index.js';
import { keywordIndexCached, loadAnswerEngine, trainCached, type LoadedEngine } from '../../src/retrieval/load-engine.js';
import { testConfig } from '../support/engine.js';
import { EVAL_FILE } from '../support/paths.js';
import { useTempDir } from '../support/temp-dir.js';
import { writeSmallKnowledge } from '../eval/small-knowledge.js';

const tempDir = useTempDir();

/** What the cache said, as `warn …` and `debug …` lines. */
function recordingLog(): EngineCacheLog & { lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (m) => lines.push(`warn ${m}`), debug: (m) => lines.push(`debug ${m}`) };
}

/** Loads the engine with its own cache folder and log, and waits until what it built is written. */
async function load(env: Record<string, string>, log = recordingLog()): Promise<LoadedEngine & { log: ReturnType<typeof recordingLog> }> {
  const loaded = await loadAnswerEngine(testConfig(env), undefined, log);
  await loaded.cache.settled();
  return { ...loaded, log };
}

/** Every answer, with its scored candidates, to each question asked in its language and detected. */
async function answers(engine: AnswerEngine, questions: readonly { q: string; lang?: string }[]) {
  const results = [];
  for (const { q, lang } of questions) {
    results.push(await engine.ask({ text: q, ...(lang ? { lang } : {}) }, { explain: true }));
    results.push(await engine.ask({ text: q }, { explain: true }));
  }
  return results;
}

const SMALL_QUESTIONS = [
  { q: 'my bike has a flat tyre', lang: 'en' },
  { q: 'library card', lang: 'en' },
  { q: 'how do I renew my passport at the embassy?' },
  { q: 'hello' },
];

async function cacheFiles(dir: string, kind: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith(`${kind}-`) && name.endsWith('.bin'));
}

describe('the engine cache', () => {
  it('restores an engine that ranks and scores every eval question exactly as a freshly trained one', async () => {
    const env = { CACHE_DIR: await tempDir() };
    const fresh = await load(env);
    expect(fresh.log.lines).toEqual(expect.arrayContaining([expect.stringMatching(/^debug engine cache: no model cached/), expect.stringMatching(/^debug engine cache: model written/)]));
    const cached = await load(env);
    expect(cached.log.lines.filter((l) => / read from /.test(l))).toHaveLength(3);
    expect(cached.log.lines.filter((l) => l.startsWith('warn'))).toEqual([]);

    expect([...cached.knowledge.entries]).toEqual([...fresh.knowledge.entries]);
    expect(cached.knowledge.outOfScope).toEqual(fresh.knowledge.outOfScope);
    expect([...cached.knowledge.flows]).toEqual([...fresh.knowledge.flows]);
    expect(cached.knowledge.glossary).toEqual(fresh.knowledge.glossary);
    const questions = await readEvalFile(EVAL_FILE);
    expect(questions.length).toBeGreaterThan(200);
    const [before, after] = [await answers(fresh.engine, questions), await answers(cached.engine, questions)];
    // Candidates hold every score the engine computed (confidence, similarity, group, reading).
    expect(after).toEqual(before);
    expect(before.filter((r) => r.kind === 'answer').length).toBeGreaterThan(100);
  });

  it('restores a question model that scores every eval question bit for bit as the trained one (unrounded)', async () => {
    const { knowledge } = await load({ CACHE_DIR: await tempDir() });
    const set = { entries: knowledge.entries.values(), outOfScope: knowledge.outOfScope };
    const cache = new EngineCache(await tempDir(), recordingLog());
    const trained = trainCached(set, cache);
    await cache.settled();
    const restored = trainCached({ ...set, entries: knowledge.entries.values() }, cache);
    expect(restored.state.calibration).toEqual(trained.state.calibration);
    const questions = await readEvalFile(EVAL_FILE);
    for (const { q } of questions) {
      expect(restored.score(q)).toEqual(trained.score(q));
      expect(restored.index.profile(q)).toEqual(trained.index.profile(q));
    }
    expect(trained.score('ticket home free?').entries[0]?.probability).toBeGreaterThan(0.5);
  });

  it('restores a keyword index that finds the same entries with the same scores, and takes a published change as a fresh one does', async () => {
    const { knowledge } = await load({ CACHE_DIR: await tempDir() });
    const entries = [...knowledge.entries.values()];
    const cache = new EngineCache(await tempDir(), recordingLog());
    const built = keywordIndexCached(entries, cache);
    await cache.settled();
    const restored = keywordIndexCached(entries, cache);
    const questions = await readEvalFile(EVAL_FILE);
    const searches = (index: KeywordIndex) =>
      questions.flatMap(({ q, lang }) => (['en', (lang ?? 'en') as Lang] as const).map((l) => [index.search(q, l), index.search(q, l, { approximate: false }), index.vocabularyCoverage(q, l)]));
    expect(searches(restored)).toEqual(searches(built));

    const [first, second] = entries as [KnowledgeEntry, KnowledgeEntry];
    for (const index of [built, restored]) {
      index.upsert({ ...first, languages: { ...first.languages, en: { ...first.languages.en, variants: [...first.languages.en.variants, 'zanzibar ferry timetable'] } } });
      index.remove(second.id);
    }
    expect(restored.search('zanzibar ferry', 'en')[0]?.entryId).toBe(first.id);
    expect(searches(restored)).toEqual(searches(built));
  });

  it('retrains once per knowledge: publishing a change misses, and another engine publishing the same change reads it', async () => {
    const env = { CACHE_DIR: await tempDir(), KNOWLEDGE_DIR: await writeSmallKnowledge(await tempDir()) };
    const first = await load(env);
    const edited = (entry: KnowledgeEntry): KnowledgeEntry => ({ ...entry, languages: { ...entry.languages, en: { ...entry.languages.en, variants: [...entry.languages.en.variants, 'puncture on my cycle'] } } });
    const bike = first.knowledge.entries.get('bicycle-repair') as KnowledgeEntry;
    first.knowledge.upsertEntry(edited(bike));
    await first.cache.settled();
    expect(await cacheFiles(env.CACHE_DIR, 'model')).toHaveLength(2);

    const second = await load(env);
    second.log.lines.length = 0;
    second.knowledge.upsertEntry(edited(bike));
    expect(second.log.lines).toEqual([expect.stringMatching(/^debug engine cache: model read/)]);
    expect(await answers(second.engine, [...SMALL_QUESTIONS, { q: 'puncture on my cycle', lang: 'en' }])).toEqual(await answers(first.engine, [...SMALL_QUESTIONS, { q: 'puncture on my cycle', lang: 'en' }]));
  });

  it('caches the keyword index as it was built, even when a publish changes it before the file is written', async () => {
    const { knowledge } = await load({ CACHE_DIR: await tempDir(), KNOWLEDGE_DIR: await writeSmallKnowledge(await tempDir()) });
    const entries = [...knowledge.entries.values()];
    const cache = new EngineCache(await tempDir(), recordingLog());
    const live = keywordIndexCached(entries, cache);
    const pool = knowledge.entries.get('swimming-pool') as KnowledgeEntry;
    live.upsert({ ...pool, languages: { ...pool.languages, en: { ...pool.languages.en, variants: [...pool.languages.en.variants, 'zanzibar ferry timetable'] } } });
    expect(live.search('zanzibar ferry', 'en').map((h) => h.entryId)).toEqual(['swimming-pool']);
    await cache.settled();
    expect(keywordIndexCached(entries, cache).search('zanzibar ferry', 'en')).toEqual([]);
  });

  it('misses when a knowledge file changes, and answers from the changed file', async () => {
    const knowledgeDir = await writeSmallKnowledge(await tempDir());
    const env = { CACHE_DIR: await tempDir(), KNOWLEDGE_DIR: knowledgeDir };
    await load(env);
    const file = path.join(knowledgeDir, 'library-card.yaml');
    const entry = parse(await readFile(file, 'utf8')) as KnowledgeEntry;
    await writeFile(file, stringify({ ...entry, languages: { ...entry.languages, en: { ...entry.languages.en, variants: [...entry.languages.en.variants, 'borrowing permit for the reading room'] } } }));

    const changed = await load(env);
    expect(changed.log.lines).toEqual(expect.arrayContaining([expect.stringMatching(/^debug engine cache: no knowledge cached/), expect.stringMatching(/^debug engine cache: no model cached/)]));
    expect(changed.knowledge.entries.get('library-card')?.languages.en.variants).toContain('borrowing permit for the reading room');
    expect(await cacheFiles(env.CACHE_DIR, 'knowledge')).toHaveLength(2);
    expect(await cacheFiles(env.CACHE_DIR, 'model')).toHaveLength(2);
  });

  it.each([
    ['a truncated file', (bytes: Buffer) => bytes.subarray(0, Math.floor(bytes.length / 2))],
    ['a file with one byte changed', (bytes: Buffer) => Buffer.concat([bytes.subarray(0, -1), Buffer.from([(bytes.at(-1) ?? 0) ^ 0xff])])],
    ['a file that is not a cache file', () => Buffer.from('{"some":"json"}')],
    ['an empty file', () => Buffer.alloc(0)],
  ])('ignores %s with a warning, answers as a fresh build and writes a good file again', async (_, damage) => {
    const env = { CACHE_DIR: await tempDir(), KNOWLEDGE_DIR: await writeSmallKnowledge(await tempDir()) };
    const fresh = await load(env);
    for (const name of await readdir(env.CACHE_DIR)) {
      const file = path.join(env.CACHE_DIR, name);
      await writeFile(file, damage(await readFile(file)));
    }
    const rebuilt = await load(env);
    expect(rebuilt.log.lines.filter((l) => l.startsWith('warn'))).toEqual(['knowledge', 'keyword', 'model'].map((kind) => expect.stringMatching(new RegExp(`^warn engine cache: ignoring .*${kind}-\\w+\\.bin: .*; building instead$`))));
    expect(await answers(rebuilt.engine, SMALL_QUESTIONS)).toEqual(await answers(fresh.engine, SMALL_QUESTIONS));
    const again = await load(env);
    expect(again.log.lines.filter((l) => / read from /.test(l))).toHaveLength(3);
    expect(again.log.lines.filter((l) => l.startsWith('warn'))).toEqual([]);
  });

  it('never serves a file that holds another key\'s value, even under the right name', async () => {
    const dir = await tempDir();
    const log = recordingLog();
    const cache = new EngineCache(dir, log);
    const [one, two] = [EngineCache.key('model', ['one']), EngineCache.key('model', ['two'])];
    expect(one).not.toBe(two);
    expect(EngineCache.key('model', ['a', 'bc'])).not.toBe(EngineCache.key('model', ['ab', 'c']));
    await cache.write('model', one, { value: 1 });
    await writeFile(cache.fileOf('model', two), await readFile(cache.fileOf('model', one)));
    expect(cache.read('model', one)).toEqual({ value: 1 });
    expect(cache.read('model', two)).toBeUndefined();
    expect(log.lines.filter((l) => l.startsWith('warn'))).toEqual([expect.stringMatching(/holds model \w+, not model \w+/)]);
  });

  it('leaves nothing half-written under a real name: a crashed writer\'s temporary file is never read, and is cleared', async () => {
    const env = { CACHE_DIR: await tempDir(), KNOWLEDGE_DIR: await writeSmallKnowledge(await tempDir()) };
    const first = await load(env);
    const [model] = await cacheFiles(env.CACHE_DIR, 'model');
    const bytes = await readFile(path.join(env.CACHE_DIR, model as string));
    // What a writer killed mid-write leaves: its temporary file, half full; the real name gone.
    // (Process id 2^22 + 1 is above Linux's highest: no such process runs.)
    const leftover = `.${model}.${2 ** 22 + 1}-0123456789ab.tmp`;
    await writeFile(path.join(env.CACHE_DIR, leftover), bytes.subarray(0, bytes.length >> 1));
    await unlink(path.join(env.CACHE_DIR, model as string));

    const second = await load(env);
    expect(second.log.lines.filter((l) => l.startsWith('warn'))).toEqual([]);
    expect(second.log.lines).toEqual(expect.arrayContaining([expect.stringMatching(/^debug engine cache: no model cached/), expect.stringMatching(/^debug engine cache: model written/)]));
    expect(await answers(second.engine, SMALL_QUESTIONS)).toEqual(await answers(first.engine, SMALL_QUESTIONS));
    const names = await readdir(env.CACHE_DIR);
    expect(names).toContain(model);
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
