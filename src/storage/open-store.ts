import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import path from 'node:path';
import type { Config } from '../config.js';
import { EmbeddedStore } from './embedded-store.js';
import { importLegacyFiles } from './legacy-files.js';
import type { Store } from './store.js';

/** Where the embedded store keeps its collection files. */
export const embeddedStoreDir = (dataDir: string) => path.join(dataDir, 'store');

/**
 * The store the configuration asks for: PostgreSQL when DATABASE_URL is set (its driver is
 * loaded only then), the embedded store under DATA_DIR otherwise. The embedded store first
 * takes in the files earlier versions kept in DATA_DIR (see legacy-files.ts); one it cannot
 * read stops start-up with an error naming it.
 */
export async function openStore(config: Pick<Config, 'dataDir' | 'databaseUrl'>, log?: (level: 'info' | 'warn', message: string) => void): Promise<Store> {
  if (!config.databaseUrl) {
    const store = await EmbeddedStore.open(embeddedStoreDir(config.dataDir));
    try {
      for (const { file, items } of await importLegacyFiles(config.dataDir, store)) log?.('info', `imported ${items} items from ${file} (kept as ${file}.imported)`);
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }
  const { PostgresStore } = await import('./postgres/postgres-store.js');
  return PostgresStore.open(config.databaseUrl, { log });
}

/** For `@fastify/rate-limit`: on PostgreSQL, a store every instance counts in; embedded, none (each process counts alone). */
export async function sharedRateLimitStore(store: Store): Promise<FastifyRateLimitStoreCtor | undefined> {
  if (store.kind !== 'postgres') return undefined;
  const [{ PostgresStore }, { postgresRateLimitStore }] = await Promise.all([import('./postgres/postgres-store.js'), import('./postgres/rate-limit-store.js')]);
  return store instanceof PostgresStore ? postgresRateLimitStore(store.database) : undefined;
}
