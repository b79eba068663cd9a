import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { startPostgresCluster, type PostgresCluster } from '../support/postgres.js';

/**
 * The PostgreSQL store through a database restart, on a cluster of its own (stopping the shared
 * one would fail every other test): health says so while the server is gone, and everything
 * comes back by itself once it returns, broadcast subscriptions included.
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

      await cluster.start();
      // Health recovers on its own (connections come back with postgres.js's back-off).
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
});
