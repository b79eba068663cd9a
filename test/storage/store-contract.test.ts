import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { VersionConflictError, type Store } from '../../src/storage/store.js';
import { usePostgresDatabase } from '../support/postgres.js';
import { useTempDir } from '../support/temp-dir.js';

/**
 * What every Store backend promises (src/storage/store.ts), proved against each of them, so the
 * server behaves the same on the embedded store and on PostgreSQL.
 */

const tempDir = useTempDir();
const opened: Store[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

/** `open` makes a store on fresh storage; `again` a second instance on the same storage, if the backend shares. */
interface Backend {
  readonly name: string;
  open(): Promise<{ store: Store; again?: () => Promise<Store> }>;
}

const track = <S extends Store>(store: S): S => {
  opened.push(store);
  return store;
};

const backends: Backend[] = [
  {
    name: 'PostgreSQL',
    open: async () => {
      const url = await usePostgresDatabase();
      return { store: track(await PostgresStore.open(url)), again: async () => track(await PostgresStore.open(url)) };
    },
  },
  { name: 'embedded (files)', open: async () => ({ store: track(await EmbeddedStore.open(await tempDir())) }) },
  { name: 'embedded (memory)', open: async () => ({ store: track(await EmbeddedStore.inMemory()) }) },
];

/** Collects broadcast messages; `next(n)` resolves once `n` have arrived (no timers: the test timeout bounds it). */
function inbox() {
  const messages: string[] = [];
  let wake: (() => void) | undefined;
  return {
    messages,
    listener: (m: string) => {
      messages.push(m);
      wake?.();
    },
    async until(count: number): Promise<string[]> {
      while (messages.length < count) await new Promise<void>((resolve) => (wake = resolve));
      return messages;
    },
  };
}

async function conflictOf(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VersionConflictError);
  return [...(error as VersionConflictError).keys].sort();
}

describe.each(backends)('Store contract: $name', (backend) => {
  let store: Store;
  const open = async () => {
    const opened = await backend.open();
    store = opened.store;
    return opened;
  };

  it('returns what was put, with a new version and the write time at every write', async () => {
    await open();
    const docs = store.documents<{ text: string; n: number[] }>('notes');
    const at = new Date('2024-05-06T07:08:09.123Z');
    const v1 = await docs.put('سلام/1', { text: 'خوش آمدید', n: [1, 2] }, { at });
    expect(await docs.get('سلام/1')).toEqual({ key: 'سلام/1', value: { text: 'خوش آمدید', n: [1, 2] }, version: v1, updatedAt: at });
    const v2 = await docs.put('سلام/1', { text: 'again', n: [] });
    expect(v2).not.toBe(v1);
    const got = await docs.get('سلام/1');
    expect(got?.value).toEqual({ text: 'again', n: [] });
    expect(got?.version).toBe(v2);
    expect(got?.updatedAt).toBeInstanceOf(Date);
    expect(await docs.get('missing')).toBeUndefined();
  });

  it('keeps any JSON value, and collections apart', async () => {
    await open();
    const docs = store.documents<unknown>('values');
    for (const [key, value] of Object.entries({ s: 'text', n: 1.5, b: false, a: [1, 'x', null], o: { nested: { deep: true } } })) {
      await docs.put(key, value);
      expect((await docs.get(key))?.value).toEqual(value);
    }
    expect(await store.documents('other').get('s')).toBeUndefined();
  });

  it('ifVersion null writes a new key but refuses an existing one', async () => {
    await open();
    const docs = store.documents<number>('docs');
    const version = await docs.put('k', 1, { ifVersion: null });
    expect(await conflictOf(docs.put('k', 2, { ifVersion: null }))).toEqual(['k']);
    expect(await docs.get('k')).toMatchObject({ value: 1, version });
  });

  it('ifVersion string writes over that version only: refuses a stale version and a missing document', async () => {
    await open();
    const docs = store.documents<number>('docs');
    const v1 = await docs.put('k', 1);
    const v2 = await docs.put('k', 2, { ifVersion: v1 });
    expect(await conflictOf(docs.put('k', 3, { ifVersion: v1 }))).toEqual(['k']);
    expect(await conflictOf(docs.put('missing', 3, { ifVersion: v1 }))).toEqual(['missing']);
    expect(await docs.get('k')).toMatchObject({ value: 2, version: v2 });
    expect(await docs.get('missing')).toBeUndefined();
  });

  it('apply writes all changes or, on any conflict, none, naming every conflicting key', async () => {
    await open();
    const docs = store.documents<string>('docs');
    const va = await docs.put('a', 'a1');
    const vb = await docs.put('b', 'b1');
    await docs.put('b', 'b2');
    await docs.put('c', 'c1');
    const refused = docs.apply([
      { key: 'a', value: 'a2', ifVersion: va },
      { key: 'b', value: 'b3', ifVersion: vb }, // stale
      { key: 'c', value: 'c2', ifVersion: null }, // exists
      { key: 'd', value: 'd1' },
      { key: 'a-gone', value: null },
    ]);
    expect(await conflictOf(refused)).toEqual(['b', 'c']);
    expect((await docs.list()).map((d) => [d.key, d.value])).toEqual([
      ['a', 'a1'],
      ['b', 'b2'],
      ['c', 'c1'],
    ]);

    const at = new Date('2023-01-01T00:00:00.000Z');
    const versions = await docs.apply(
      [
        { key: 'a', value: 'a2', ifVersion: va },
        { key: 'b', value: null },
        { key: 'd', value: 'd1', ifVersion: null },
      ],
      at,
    );
    const after = await docs.list();
    // The new versions of what was written (not of what was deleted), as a later get sees them.
    expect(Object.fromEntries(versions)).toEqual({ a: after[0]!.version, d: after[2]!.version });
    expect(after.map((d) => [d.key, d.value])).toEqual([
      ['a', 'a2'],
      ['c', 'c1'],
      ['d', 'd1'],
    ]);
    expect(after[0]!.version).not.toBe(va);
    expect(after[0]!.updatedAt).toEqual(at);
  });

  it('getMany returns the documents that exist, in the order asked', async () => {
    await open();
    const docs = store.documents<number>('docs');
    for (const [i, key] of ['c', 'a', 'b'].entries()) await docs.put(key, i);
    expect((await docs.getMany(['b', 'missing', 'a', 'c'])).map((d) => d.key)).toEqual(['b', 'a', 'c']);
    expect(await docs.getMany([])).toEqual([]);
  });

  it('lists in key order, by prefix (% and _ literal), after a key, up to a limit', async () => {
    await open();
    const docs = store.documents<number>('docs');
    const keys = ['x/2', 'x/10', 'x/1', 'y/1', 'x', 'p%q', 'pzq', 'p_q', 'paq', 'P_q', 'x/1/a'];
    for (const key of keys) await docs.put(key, 0);
    const list = async (options: Parameters<typeof docs.list>[0]) => (await docs.list(options)).map((d) => d.key);
    expect(await list({})).toEqual([...keys].sort());
    expect(await list({ prefix: 'x/' })).toEqual(['x/1', 'x/1/a', 'x/10', 'x/2']);
    expect(await list({ prefix: 'x/', after: 'x/1/a', limit: 1 })).toEqual(['x/10']);
    expect(await list({ after: 'x/2' })).toEqual(['y/1']);
    expect(await list({ limit: 2 })).toEqual(['P_q', 'p%q']);
    expect(await list({ prefix: 'p%' })).toEqual(['p%q']);
    expect(await list({ prefix: 'p_' })).toEqual(['p_q']);
    expect(await list({ prefix: 'nothing' })).toEqual([]);
  });

  it('delete removes the keys and counts those that existed', async () => {
    await open();
    const docs = store.documents<number>('docs');
    await docs.put('a', 1);
    await docs.put('b', 2);
    await docs.put('c', 3);
    expect(await docs.delete(['a', 'missing', 'b'])).toBe(2);
    expect((await docs.list()).map((d) => d.key)).toEqual(['c']);
    expect(await docs.delete([])).toBe(0);
  });

  it('deleteWrittenBefore removes documents last written before the cutoff, within a prefix if given', async () => {
    await open();
    const docs = store.documents<number>('docs');
    const old = new Date('2020-01-01T00:00:00Z');
    await docs.put('conv/1', 1, { at: old });
    await docs.put('conv/2', 2, { at: old });
    await docs.put('user/1', 3, { at: old });
    await docs.put('conv/3', 4); // now
    await docs.put('conv/2', 5); // rewritten now: kept
    expect(await docs.deleteWrittenBefore(new Date('2021-01-01T00:00:00Z'), { prefix: 'conv/' })).toBe(1);
    expect((await docs.list()).map((d) => d.key)).toEqual(['conv/2', 'conv/3', 'user/1']);
    expect(await docs.deleteWrittenBefore(new Date('2021-01-01T00:00:00Z'))).toBe(1);
    expect((await docs.list()).map((d) => d.key)).toEqual(['conv/2', 'conv/3']);
  });

  it('counters add exactly under 50 concurrent adds, missing names starting at 0', async () => {
    await open();
    const counters = store.counters('stats');
    await Promise.all(Array.from({ length: 50 }, (_, i) => counters.add('day/2024-01-01', { asked: 1, answered: i % 2 })));
    expect(await counters.add('day/2024-01-01', { fallback: 2 })).toEqual({ asked: 50, answered: 25, fallback: 2 });
    expect(await counters.add('day/2024-01-01', { asked: -10 })).toEqual({ asked: 40, answered: 25, fallback: 2 });
  });

  it('counters list by prefix in key order', async () => {
    await open();
    const counters = store.counters('stats');
    await counters.add('day/2', { a: 2 });
    await counters.add('day/1', { a: 1 });
    await counters.add('week/1', { a: 7 });
    expect(await counters.list({ prefix: 'day/' })).toEqual([
      { key: 'day/1', counts: { a: 1 } },
      { key: 'day/2', counts: { a: 2 } },
    ]);
    expect((await counters.list()).map((c) => c.key)).toEqual(['day/1', 'day/2', 'week/1']);
  });

  it('broadcast reaches subscribers of the topic only, until they unsubscribe', async () => {
    await open();
    const first = inbox();
    const second = inbox();
    const unsubscribeFirst = await store.broadcast.subscribe('knowledge', first.listener);
    await store.broadcast.subscribe('knowledge', second.listener);
    // Messages arrive in publishing order, so once 'changed' is in, 'elsewhere' would have been too.
    await store.broadcast.publish('other-topic', 'elsewhere');
    await store.broadcast.publish('knowledge', 'changed');
    expect(await first.until(1)).toEqual(['changed']);
    await unsubscribeFirst();
    await store.broadcast.publish('knowledge', 'again');
    expect(await second.until(2)).toEqual(['changed', 'again']);
    expect(first.messages).toEqual(['changed']);
  });

  it('broadcast carries messages up to 4000 characters of any script, and refuses longer ones', async () => {
    await open();
    const got = inbox();
    await store.broadcast.subscribe('t', got.listener);
    const farsi = 'پیام'.repeat(1000);
    const emoji = '😀'.repeat(2000);
    await store.broadcast.publish('t', farsi);
    await store.broadcast.publish('t', emoji);
    expect(await got.until(2)).toEqual([farsi, emoji]);
    await expect(store.broadcast.publish('t', 'x'.repeat(4001))).rejects.toThrow();
  });

  it('refuses invalid collection names and keys', async () => {
    await open();
    expect(() => store.documents('Bad Name')).toThrow(/collection name/);
    expect(() => store.counters('1st')).toThrow(/collection name/);
    await expect(store.documents('docs').put('', 1)).rejects.toThrow(/key/);
    await expect(store.documents('docs').put('k'.repeat(513), 1)).rejects.toThrow(/key/);
  });

  it('reports itself healthy', async () => {
    await open();
    expect(await store.health()).toEqual({ ok: true });
  });

  // Only PostgreSQL is shared by several processes: these do not apply to the embedded store.
  if (backend.name === 'PostgreSQL') describe('shared by several instances', () => {
    it('two instances on one database see each other’s documents, counters and broadcasts', async () => {
      const { again } = await open();
      const other = await again!();
      await store.documents<string>('docs').put('k', 'from the first');
      expect((await other.documents<string>('docs').get('k'))?.value).toBe('from the first');
      await other.counters('stats').add('k', { n: 2 });
      expect(await store.counters('stats').add('k', { n: 1 })).toEqual({ n: 3 });

      const here = inbox();
      const there = inbox();
      await store.broadcast.subscribe('t', here.listener);
      await other.broadcast.subscribe('t', there.listener);
      await other.broadcast.publish('t', 'hello');
      expect(await here.until(1)).toEqual(['hello']);
      expect(await there.until(1)).toEqual(['hello']);
    });

    it('concurrent conditional writes from two instances on one key: exactly one wins', async () => {
      const { again } = await open();
      const other = await again!();
      const [mine, theirs] = [store.documents<string>('docs'), other.documents<string>('docs')];
      for (let round = 0; round < 10; round++) {
        const key = `k${round}`;
        // Both create the key at once...
        const created = await Promise.allSettled([mine.put(key, 'mine', { ifVersion: null }), theirs.put(key, 'theirs', { ifVersion: null })]);
        expect(created.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        // ...then both update the version they read.
        const { version } = (await mine.get(key))!;
        const updated = await Promise.allSettled([
          mine.put(key, 'mine again', { ifVersion: version }),
          theirs.apply([{ key, value: 'theirs again', ifVersion: version }]),
        ]);
        expect(updated.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const loser = updated.find((r) => r.status === 'rejected');
        expect((loser as PromiseRejectedResult).reason).toBeInstanceOf(VersionConflictError);
      }
    });
  });
});
