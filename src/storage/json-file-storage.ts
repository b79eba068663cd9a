import { randomUUID } from 'node:crypto';
import type { Storage, StoreItems } from 'botbuilder';
import { Low } from 'lowdb';
import { DurableJSONFile } from './durable-json-file.js';

type Items = Record<string, Record<string, unknown>>;

/**
 * Stored with each item: when it was last written (ISO time), for the retention clean-up.
 * Never returned by `read`, and overwritten by every `write`, so botbuilder never sees it.
 */
const LAST_WRITE = 'lastWrite';

/**
 * botbuilder `Storage` on a JSON file (lowdb) under DATA_DIR: the embedded default for
 * conversation and user state. Honours eTags like botbuilder's MemoryStorage: a write whose
 * eTag is not the stored one (and not '*') is refused, so a stale turn cannot overwrite a newer one.
 * Items not written for the retention period are deleted by `deleteOlderThan`.
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
      if (item) {
        const { [LAST_WRITE]: _lastWrite, ...rest } = item;
        items[key] = structuredClone(rest);
      }
    }
    return items;
  }

  async write(changes: StoreItems, at = new Date()): Promise<void> {
    for (const [key, change] of Object.entries(changes)) {
      const stored = this.db.data[key];
      const eTag = (change as { eTag?: string }).eTag;
      if (stored && eTag && eTag !== '*' && eTag !== stored.eTag) {
        throw new Error(`Storage: error writing "${key}" due to eTag conflict.`);
      }
    }
    for (const [key, change] of Object.entries(changes)) {
      this.db.data[key] = { ...structuredClone(change as Record<string, unknown>), eTag: randomUUID(), [LAST_WRITE]: at.toISOString() };
    }
    await this.db.write();
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) delete this.db.data[key];
    await this.db.write();
  }

  /**
   * Deletes items not written for more than `days`; returns how many went. Items without a
   * (readable) write time, from a version before retention, count as written `now`, so an
   * upgrade deletes nothing at once; they go `days` later if still idle.
   */
  async deleteOlderThan(days: number, now = new Date()): Promise<number> {
    const cutoff = now.getTime() - days * 86_400_000;
    let removed = 0;
    let stamped = 0;
    for (const [key, item] of Object.entries(this.db.data)) {
      const lastWrite = item[LAST_WRITE];
      const written = typeof lastWrite === 'string' ? Date.parse(lastWrite) : Number.NaN;
      if (Number.isNaN(written)) {
        item[LAST_WRITE] = now.toISOString();
        stamped++;
      } else if (written < cutoff) {
        delete this.db.data[key];
        removed++;
      }
    }
    if (removed + stamped > 0) await this.db.write();
    return removed;
  }
}
