import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { postgresRateLimitStore, sweepExpiredRateLimits } from '../../src/storage/postgres/rate-limit-store.js';
import { usePostgresDatabase } from '../support/postgres.js';

/** Rate limits kept in PostgreSQL hold across every instance of the server. */

const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

/** A server instance as ask-api.ts sets one up: the limit on the route, in the store's database. */
async function instance(store: PostgresStore, limit: { max: number; timeWindow: number }): Promise<FastifyInstance> {
  const app = Fastify();
  closing.push(() => app.close());
  await app.register(rateLimit, { global: false, store: postgresRateLimitStore(store.database) });
  app.get('/ask', { config: { rateLimit: limit } }, async () => ({ ok: true }));
  app.get('/other', { config: { rateLimit: limit } }, async () => ({ ok: true }));
  await app.ready();
  return app;
}

async function openStore(url: string): Promise<PostgresStore> {
  const store = await PostgresStore.open(url);
  closing.push(() => store.close());
  return store;
}

const ask = (app: FastifyInstance, url = '/ask') => app.inject({ method: 'GET', url });

describe('PostgreSQL rate-limit store', () => {
  it('two servers on one database share the limit: the request after the max, to either, gets 429', async () => {
    const url = await usePostgresDatabase();
    const limit = { max: 3, timeWindow: 60_000 };
    const [a, b] = [await instance(await openStore(url), limit), await instance(await openStore(url), limit)];
    const statuses = [];
    for (const app of [a, b, a]) statuses.push((await ask(app)).statusCode);
    expect(statuses).toEqual([200, 200, 200]);
    const refused = await ask(b);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await ask(a)).statusCode).toBe(429);
    // Each route with its own limit counts on its own.
    expect((await ask(b, '/other')).statusCode).toBe(200);
  });

  it('is the PostgreSQL store\'s own capability (store.rateLimitStore): two servers given it share one limit', async () => {
    const url = await usePostgresDatabase();
    const servers = [];
    for (const store of [await openStore(url), await openStore(url)]) {
      const app = Fastify();
      closing.push(() => app.close());
      await app.register(rateLimit, { global: false, store: store.rateLimitStore });
      app.get('/ask', { config: { rateLimit: { max: 2, timeWindow: 60_000 } } }, async () => ({ ok: true }));
      servers.push(app);
    }
    const statuses = [];
    for (const app of [servers[0]!, servers[1]!, servers[0]!]) statuses.push((await ask(app)).statusCode);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('counts every one of many concurrent requests exactly once', async () => {
    const url = await usePostgresDatabase();
    const limit = { max: 10, timeWindow: 60_000 };
    const [a, b] = [await instance(await openStore(url), limit), await instance(await openStore(url), limit)];
    const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => ask(i % 2 ? a : b)));
    expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(10);
    expect(responses.filter((r) => r.statusCode === 429)).toHaveLength(20);
  });

  it('starts a new window once the old one has ended, and sweeps ended windows away', async () => {
    const store = await openStore(await usePostgresDatabase());
    const app = await instance(store, { max: 1, timeWindow: 1000 });
    expect((await ask(app)).statusCode).toBe(200);
    const refused = await ask(app);
    expect(refused.statusCode).toBe(429);
    // Wait out the window (the database's clock decides), then the limit starts over.
    await new Promise((resolve) => setTimeout(resolve, Number(refused.headers['x-ratelimit-reset']) * 1000 + 100));
    expect((await ask(app)).statusCode).toBe(200);
    expect((await ask(app)).statusCode).toBe(429);

    await store.database.query(`update rate_limits set reset_at = now() - interval '1 second'`);
    expect(await sweepExpiredRateLimits(store.database)).toBe(1);
    expect((await store.database.query('select key from rate_limits')).rows).toHaveLength(0);
  });
});
