import { afterEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/storage/postgres/database.js';
import { MIGRATIONS, migrate } from '../../src/storage/postgres/migrations.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { usePostgresDatabase } from '../support/postgres.js';

const clients: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

function connect(url: string): Database {
  const database = Database.open(url, { max: 1 });
  clients.push(database);
  return database;
}

const versions = MIGRATIONS.map((m) => m.version);

describe('PostgreSQL migrations', () => {
  it('several instances starting at once apply each migration exactly once, and all succeed', async () => {
    const url = await usePostgresDatabase();
    const applied = await Promise.all(Array.from({ length: 6 }, () => migrate(connect(url))));
    expect(applied.flat().sort((a, b) => a - b)).toEqual(versions);
    // The one that did the work applied them all, in order.
    expect(applied.find((a) => a.length > 0)).toEqual(versions);
    const recorded = await connect(url).query<{ version: number }>('select version from schema_migrations order by version');
    expect(recorded.rows.map((r) => r.version)).toEqual(versions);
  });

  it('several stores opening one fresh database at once all work, and a later start applies nothing', async () => {
    const url = await usePostgresDatabase();
    const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresStore.open(url)));
    clients.push(...stores);
    await Promise.all(stores.map((s, i) => s.documents<number>('docs').put(`k${i}`, i)));
    expect((await stores[0]!.documents('docs').list()).map((d) => d.key)).toEqual(['k0', 'k1', 'k2', 'k3']);
    expect(await migrate(connect(url))).toEqual([]);
  });

  it('lists its migrations in increasing versions, each once', () => {
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
  });
});
