import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import path from 'node:path';
import type { Config } from '../config.js';
import { EmbeddedStore } from './embedded-store.js';
import type { Store } from './store.js';

/** Where the embedded store keeps its collection files. */
export const embeddedStoreDir = (dataDir: string) => path.join(dataDir, 'store');

/**
 * The store the configuration asks for: PostgreSQL when DATABASE_URL is set (its driver is
 * loaded only then), the embedded store under DATA_DIR otherwise. A file of the embedded store
 * that cannot be read stops start-up with `RAHNAMA_STORE_FILE_INVALID` naming it.
 */
export async function openStore(config: Pick<Config, 'dataDir' | 'databaseUrl'>, log?: (level: 'info' | 'warn', message: string) => void): Promise<Store> {
  if (!config.databaseUrl) return EmbeddedStore.open(embeddedStoreDir(config.dataDir));
  const { PostgresStore } = await import('./postgres/postgres-store.js');
  return PostgresStore.open(config.databaseUrl, { log });
}

/** For `@fastify/rate-limit`: the store's own rate-limit store, shared by every instance (PostgreSQL); embedded, none (each process counts alone). */
export async function sharedRateLimitStore(store: Store): Promise<FastifyRateLimitStoreCtor | undefined> {
  return store.rateLimitStore;
}
