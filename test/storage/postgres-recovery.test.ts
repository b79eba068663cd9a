import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BotStateStorage } from '../../src/storage/bot-state-storage.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { isStoreUnavailable } from '../../src/storage/store.js';
import { startPostgresCluster, type PostgresCluster } from '../support/postgres.js';

/**
 * The PostgreSQL store through a database restart, on a cluster of its own (stopping the shared
 * one would fail every other test): health says so while the server is gone, and everything
 * comes back by itself once it returns, broadcast subscriptions included. A lost connection
 * that were not handled would end this test worker, failing the run.
 */

let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await startPostgresCluster();
});
afterAll(async () => {
  await cluster?.destroy();
});

/** A promise and the function that resolves it. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  return { promise, fire };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PostgreSQL store recovery', () => {
  it('reports the server gone without hanging, then recovers by itself: documents and broadcasts work again', { timeout: 90_000 }, async () => {
    const store = await PostgresStore.open(await cluster.createDatabase());
    try {
      const docs = store.documents<string>('docs');
      await docs.put('before', 'written before the restart');
      const reconnected = signal();
      const received: string[] = [];
      const arrived = signal();
      await store.broadcast.subscribe(
        'kb',
        (message) => {
          received.push(message);
          arrived.fire();
        },
        reconnected.fire,
      );
      expect(await store.health()).toEqual({ ok: true });

      await cluster.stop();
      const down = await store.health();
      expect(down.ok).toBe(false);
      expect(down.problem).toMatch(/PostgreSQL/);
      // The bot's state write, with and without an eTag, fails as "unavailable" (503), not as
      // an eTag conflict (500).
      const state = new BotStateStorage(store);
      for (const change of [{ turn: { n: 1 } }, { turn: { n: 1, eTag: '1' } }]) {
        const failure = await state.write(change).then(() => undefined, (error: unknown) => error);
        expect(isStoreUnavailable(failure)).toBe(true);
      }

      await cluster.start();
      // Health recovers on its own (the pool opens new connections as statements ask for them).
      while (!(await store.health()).ok);
      expect((await docs.get('before'))?.value).toBe('written before the restart');
      await docs.put('after', 'written after the restart');
      expect((await docs.list()).map((d) => d.key)).toEqual(['after', 'before']);

      // The LISTEN is back: subscribers are told to re-read, then messages arrive again.
      await reconnected.promise;
      await store.broadcast.publish('kb', 'changed');
      await arrived.promise;
      expect(received).toEqual(['changed']);
    } finally {
      await store.close();
    }
  });

  it('survives the server killed mid-load: every failed call is coded unavailable, and statements, transactions and LISTEN resume after it', { timeout: 120_000 }, async () => {
    const url = await cluster.createDatabase();
    const [store, other] = [await PostgresStore.open(url), await PostgresStore.open(url)];
    try {
      const docs = store.documents<number>('load');
      const reconnected = signal();
      const received: string[] = [];
      await store.broadcast.subscribe('kb', (message) => received.push(message), reconnected.fire);

      // Twenty writers, twice the pool: single writes and two-document transactions, without pause.
      let writing = true;
      let done = 0;
      const failures: unknown[] = [];
      const writers = Array.from({ length: 20 }, async (_, w) => {
        for (let n = 0; writing; n++) {
          try {
            await docs.put(`single-${w}`, n);
            await docs.apply([
              { key: `pair-${w}-a`, value: n },
              { key: `pair-${w}-b`, value: n },
            ]);
            done++;
          } catch (error) {
            failures.push(error);
            await pause(50);
          }
        }
      });
      const waitFor = (condition: () => boolean) => expect.poll(condition, { timeout: 60_000, interval: 50 }).toBe(true);

      try {
        await waitFor(() => done >= 100);
        await cluster.stop('immediate');
        await waitFor(() => failures.length >= 40);
        expect((await store.health()).ok).toBe(false);

        await cluster.start();
        await expect.poll(async () => (await store.health()).ok, { timeout: 60_000, interval: 100 }).toBe(true);
        // Writing goes on at full speed: no connection was lost to the pool for good.
        const before = done;
        await waitFor(() => done >= before + 100);
      } finally {
        writing = false;
        await Promise.all(writers);
      }
      // Each failure says "the database cannot be reached", so a request meeting it gets a 503.
      expect(failures.filter((error) => !isStoreUnavailable(error))).toEqual([]);
      // A transaction is whole after the kill: both documents of every pair have the same value.
      for (let w = 0; w < 20; w++) {
        const pair = await docs.getMany([`pair-${w}-a`, `pair-${w}-b`]);
        expect(pair[0]?.value).toBe(pair[1]?.value);
      }

      // The LISTEN is back: subscribers are told, then another instance's notices arrive again.
      await reconnected.promise;
      await other.broadcast.publish('kb', 'published by another instance');
      await expect.poll(() => received, { timeout: 10_000 }).toEqual(['published by another instance']);
    } finally {
      await Promise.all([store.close(), other.close()]);
    }
  });
});
