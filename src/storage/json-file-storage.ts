import { randomUUID } from 'node:crypto';
import type { Storage, StoreItems } from 'botbuilder';
import { Low } from 'lowdb';
import { DurableJSONFile } from './durable-json-file.js';

type Items = Record<string, Record<string, unknown>>;

/**
 * botbuilder `Storage` on a JSON file (lowdb) under DATA_DIR: the embedded default for
 * conversation and user state. Honours eTags like botbuilder's MemoryStorage: a write whose
 * eTag is not the stored one (and not '*') is refused, so a stale turn cannot overwrite a newer one.
 */
export class JsonFileStorage implements Storage {
  private constructor(private readonly db: Low<Items>) {}

  static async open(filename: string): Promise<JsonFileStorage> {
    const db = new Low<Items>(new DurableJSONFile<Items>(filename), {});
    await db.read();
    return new JsonFileStorage(db);
  }

  async read(keys: string[]): Promise<StoreItems> {
    const items: StoreItems = {};
    for (const key of keys) {
      const item = this.db.data[key];
      if (item) items[key] = structuredClone(item);
    }
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    for (const [key, change] of Object.entries(changes)) {
      const stored = this.db.data[key];
      const eTag = (change as { eTag?: string }).eTag;
      if (stored && eTag && eTag !== '*' && eTag !== stored.eTag) {
        throw new Error(`Storage: error writing "${key}" due to eTag conflict.`);
      }
    }
    for (const [key, change] of Object.entries(changes)) {
      this.db.data[key] = { ...structuredClone(change as Record<string, unknown>), eTag: randomUUID() };
    }
    await this.db.write();
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) delete this.db.data[key];
    await this.db.write();
  }
}
