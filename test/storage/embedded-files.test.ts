import { appendFile, copyFile, cp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RahnamaError } from '../../src/errors.js';
import { REWRITE_BELOW_BYTES } from '../../src/storage/collection-files.js';
import { jsonPieces } from '../../src/storage/durable-json-file.js';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { openStore } from '../../src/storage/open-store.js';
import type { Store } from '../../src/storage/store.js';
import { useTempDir } from '../support/temp-dir.js';

/**
 * The embedded store's files (src/storage/collection-files.ts): a snapshot per collection and,
 * once it is large, logs of the changes in front of it; what a crash can leave behind; what a
 * bad file does at start-up.
 */

const tempDir = useTempDir();
const filler = 'x'.repeat(1000);

/** A store in `dir` whose `docs` collection is past the size where changes are appended. */
async function largeStore(dir: string): Promise<EmbeddedStore> {
  const store = await EmbeddedStore.open(dir);
  const count = Math.ceil((REWRITE_BELOW_BYTES * 1.2) / filler.length);
  await store.documents<string>('docs').apply(Array.from({ length: count }, (_, i) => ({ key: `seed/${String(i).padStart(4, '0')}`, value: `${filler}${i}` })));
  return store;
}

const filesIn = async (dir: string) => (await readdir(dir)).sort();
const logsIn = async (dir: string) => (await filesIn(dir)).filter((f) => f.endsWith('.log'));
const valuesOf = async (store: Store) => Object.fromEntries((await store.documents<string>('docs').list()).map((d) => [d.key, d.value]));

describe('embedded store files', () => {
  it('a change to a large collection is appended to a log, leaving the snapshot as it was', async () => {
    const dir = await tempDir();
    const store = await largeStore(dir);
    const snapshot = path.join(dir, 'docs.json');
    const before = await readFile(snapshot, 'utf8');
    await store.documents<string>('docs').put('seed/0001', 'changed');
    await store.documents<string>('docs').apply([{ key: 'new', value: 'added' }]);
    expect(await readFile(snapshot, 'utf8')).toBe(before);
    const [log] = await logsIn(dir);
    expect(log).toMatch(/^docs\.\d+\.log$/);
    // Two lines: the two changes, each about its own size.
    const lines = (await readFile(path.join(dir, log!), 'utf8')).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('"seed/0001"');
    expect(lines[0]!.length).toBeLessThan(200);
    await store.close();
  });

  it('once closed, refuses a late write and leaves no file behind (a flush timer after a shutdown)', async () => {
    // A small collection (rewritten whole) and a large one (changes appended to a log).
    for (const open of [async (dir: string) => EmbeddedStore.open(dir), largeStore]) {
      const dir = await tempDir();
      const store = await open(dir);
      const docs = store.documents<string>('docs');
      await docs.put('a', 'kept');
      const before = await filesIn(dir);
      await store.close();
      await expect(docs.put('b', 'late')).rejects.toThrow(/closed/);
      expect(await filesIn(dir)).toEqual(before);
    }
  });

  it('reopened, every change is there: puts, applies, deletes and counters, from snapshot and logs', async () => {
    const dir = await tempDir();
    const store = await largeStore(dir);
    const docs = store.documents<string>('docs');
    const expected = await valuesOf(store);
    await docs.put('a', 'first');
    await docs.put('a', 'second');
    await docs.apply([{ key: 'b', value: 'bee' }, { key: 'seed/0002', value: null }]);
    await docs.delete(['seed/0003', 'missing']);
    const version = await docs.put('c', 'sea', { at: new Date('2026-01-02T03:04:05.000Z') });
    Object.assign(expected, { a: 'second', b: 'bee', c: 'sea' });
    delete expected['seed/0002'];
    delete expected['seed/0003'];
    await store.counters('stats').add('day', { n: 2 });
    await store.close();

    const reopened = await EmbeddedStore.open(dir);
    expect(await valuesOf(reopened)).toEqual(expected);
    expect(await reopened.documents<string>('docs').get('c')).toEqual({ key: 'c', value: 'sea', version, updatedAt: new Date('2026-01-02T03:04:05.000Z') });
    expect(await reopened.counters('stats').add('day', { n: 1 })).toEqual({ n: 3 });
    await reopened.close();
  });

  it('folds the logs into the snapshot once they grow as large as it, and deletes them', async () => {
    const dir = await tempDir();
    const store = await largeStore(dir);
    const docs = store.documents<string>('docs');
    const snapshotBytes = (await stat(path.join(dir, 'docs.json'))).size;
    // Rewriting every document once makes the logs larger than the snapshot.
    for (const { key } of await docs.list()) await docs.put(key, `${filler}!`);
    await store.close();
    expect(await readFile(path.join(dir, 'docs.json'), 'utf8')).toContain(`${filler}!`);
    const logBytes = await Promise.all((await logsIn(dir)).map(async (f) => (await stat(path.join(dir, f))).size));
    expect(logBytes.reduce((a, b) => a + b, 0)).toBeLessThan(snapshotBytes / 2);
    const reopened = await EmbeddedStore.open(dir);
    expect(Object.values(await valuesOf(reopened)).every((v) => v === `${filler}!`)).toBe(true);
    await reopened.close();
  });

  it('deleted data leaves the files (a compaction, at the latest on close), not only the index', async () => {
    const dir = await tempDir();
    const store = await largeStore(dir);
    await store.documents<string>('docs').put('private/1', 'my secret address');
    await store.documents<string>('docs').delete(['private/1']);
    await store.close();
    for (const file of await filesIn(dir)) expect(await readFile(path.join(dir, file), 'utf8')).not.toContain('my secret address');
  });

  it('deleted data a crash left in the files is erased once the store writes again after the next start', async () => {
    const dir = await tempDir();
    const store = await largeStore(dir);
    await store.documents<string>('docs').put('private/1', 'my secret address');
    await store.documents<string>('docs').delete(['private/1']);
    // The files as a crash right now would leave them: the deletion logged, not yet erased.
    const crashed = await tempDir();
    await cp(dir, crashed, { recursive: true });
    await store.close();
    expect((await Promise.all((await filesIn(crashed)).map((f) => readFile(path.join(crashed, f), 'utf8')))).join('')).toContain('my secret address');

    const restarted = await EmbeddedStore.open(crashed);
    expect(await restarted.documents<string>('docs').get('private/1')).toBeUndefined();
    await restarted.documents<string>('docs').put('after', 'the restart');
    await restarted.close();
    for (const file of await filesIn(crashed)) expect(await readFile(path.join(crashed, file), 'utf8')).not.toContain('my secret address');
  });

  it('drops a last log line cut short by a crash, keeps every line before it, and writes on after it', async () => {
    const dir = await tempDir();
    const store = await largeStore(dir);
    await store.documents<string>('docs').put('kept', 'acknowledged');
    await store.close();
    const [log] = await logsIn(dir);
    await appendFile(path.join(dir, log!), '[["torn","never acknow');

    const reopened = await EmbeddedStore.open(dir);
    const docs = reopened.documents<string>('docs');
    expect((await docs.get('kept'))?.value).toBe('acknowledged');
    expect(await docs.get('torn')).toBeUndefined();
    await docs.put('after', 'the crash');
    await reopened.close();
    const again = await EmbeddedStore.open(dir);
    expect((await again.documents<string>('docs').getMany(['kept', 'torn', 'after'])).map((d) => d.value)).toEqual(['acknowledged', 'the crash']);
    await again.close();
  });

  it('a crash between writing a snapshot and deleting the logs it holds: those logs are not read again', async () => {
    const dir = await tempDir();
    const store = await largeStore(dir);
    await store.documents<string>('docs').put('k', 'old');
    const [log] = await logsIn(dir);
    await copyFile(path.join(dir, log!), path.join(dir, 'old.log.copy'));
    await store.documents<string>('docs').put('k', 'new');
    await store.compact();
    await store.close();
    // The folded log back in place, with its older value, as if its deletion had not happened.
    await copyFile(path.join(dir, 'old.log.copy'), path.join(dir, log!));

    const reopened = await EmbeddedStore.open(dir);
    expect((await reopened.documents<string>('docs').get('k'))?.value).toBe('new');
    expect(await logsIn(dir)).toEqual([]);
    await reopened.close();
  });

  it('a crash while a compaction writes: its unfinished snapshot is ignored and removed, the logs still count', async () => {
    const dir = await tempDir();
    const store = await largeStore(dir);
    await store.documents<string>('docs').put('k', 'in the log');
    await store.close();
    // What a writer killed before its rename leaves (its process id is one no process has).
    await writeFile(path.join(dir, '.docs.json.2147483646-0a1b2c3d4e5f.tmp'), '{"format":2,"kind":"docu');
    const reopened = await EmbeddedStore.open(dir);
    expect((await reopened.documents<string>('docs').get('k'))?.value).toBe('in the log');
    expect((await filesIn(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await reopened.close();
  });

  it('a small collection is one file, rewritten at each change', async () => {
    const dir = await tempDir();
    const store = await EmbeddedStore.open(dir);
    await store.documents<string>('small').put('k', 'v1');
    await store.documents<string>('small').put('k', 'v2');
    expect(await filesIn(dir)).toEqual(['small.json']);
    expect(JSON.parse(await readFile(path.join(dir, 'small.json'), 'utf8'))).toMatchObject({ format: 2, kind: 'documents', items: { k: { v: 'v2' } } });
    await store.close();
  });
});

describe('a bad store file at start-up', () => {
  /** What openStore throws for a DATA_DIR whose store folder holds `files`. */
  async function refusal(files: Record<string, string>): Promise<{ error: RahnamaError; dir: string }> {
    const dataDir = await tempDir();
    const dir = path.join(dataDir, 'store');
    const store = await largeStore(dir);
    await store.documents<string>('docs').put('k', 'v');
    await store.close();
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name.replace('<log>', (await logsIn(dir))[0]!)), text);
    const error = await openStore({ dataDir, databaseUrl: '' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RahnamaError);
    return { error: error as RahnamaError, dir };
  }

  it.each([
    ['a snapshot that is not JSON', { 'docs.json': '{"format":2,' }, 'docs.json', /not valid JSON/],
    ['a snapshot of another format', { 'docs.json': '{"format":9,"kind":"documents","log":0,"items":{}}' }, 'docs.json', /format/],
    ['a snapshot whose documents lack their version', { 'docs.json': '{"format":2,"kind":"documents","log":0,"items":{"k":{"v":1}}}' }, 'docs.json', /version/],
    ['a log with a bad line before its end', { '<log>': '[["k",{"v":1,"version":"a","at":"2026"}]]\nnot json\n[]\n' }, '.log', /line 2 is not JSON/],
    ['a log without its collection file', { 'other.3.log': '[]\n' }, 'other.3.log', /without its collection file/],
  ])('%s: RAHNAMA_STORE_FILE_INVALID naming the file', async (_, files, named, reason) => {
    const { error, dir } = await refusal(files);
    expect(error.code).toBe('RAHNAMA_STORE_FILE_INVALID');
    expect(error.message).toContain(dir);
    expect(error.message).toContain(named);
    expect(error.message).toMatch(reason);
  });
});

describe('jsonPieces', () => {
  it('writes what JSON.stringify writes, Maps as objects, in pieces for large data', () => {
    const value = { format: 2, skip: undefined, items: new Map<string, unknown>([['__proto__', { v: [1, 'ü'] }], ['k', { v: null, nested: { deep: [filler] } }]]), list: [1, { a: 2 }] };
    const plain = { format: 2, items: { ['__proto__']: { v: [1, 'ü'] }, k: { v: null, nested: { deep: [filler] } } }, list: [1, { a: 2 }] };
    expect([...jsonPieces(value)].join('')).toBe(JSON.stringify(plain));
    const large = new Map(Array.from({ length: 2000 }, (_, i) => [`k${i}`, filler]));
    const pieces = [...jsonPieces({ items: large })];
    expect(pieces.length).toBeGreaterThan(1);
    expect(JSON.parse(pieces.join('')).items.k1999).toBe(filler);
  });
});
