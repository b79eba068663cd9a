import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { embeddedStoreDir } from '../../src/storage/open-store.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import type { Store } from '../../src/storage/store.js';
import { usePostgresDatabase } from './postgres.js';

/** The embedded store a server with this DATA_DIR uses, opened afresh (it reads the files again). */
export const embeddedStoreOf = (dataDir: string) => EmbeddedStore.open(embeddedStoreDir(dataDir));

export interface StoreBackend {
  readonly name: 'embedded' | 'postgres';
  /**
   * A fresh, empty place to store things, and a way to open it: every `open()` of one place is
   * a new Store on the same data (files reread, or a new connection pool), as a restart or
   * another instance would see it. Closed after each test.
   */
  place(): Promise<{ open(): Promise<Store> }>;
}

/** Both backends, for `describe.each`: the same behaviour must hold on each. */
export function useStoreBackends(): StoreBackend[] {
  const opened: Store[] = [];
  const folders: string[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await Promise.all(folders.splice(0).map((f) => rm(f, { recursive: true, force: true })));
  });
  const keep = (store: Store) => {
    opened.push(store);
    return store;
  };
  return [
    {
      name: 'embedded',
      place: async () => {
        const dir = await mkdtemp(path.join(tmpdir(), 'rahnama-store-'));
        folders.push(dir);
        return { open: async () => keep(await EmbeddedStore.open(dir)) };
      },
    },
    {
      name: 'postgres',
      place: async () => {
        const url = await usePostgresDatabase();
        return { open: async () => keep(await PostgresStore.open(url)) };
      },
    },
  ];
}
