import type { Storage, StoreItems } from 'botbuilder';
import { VersionConflictError, type Documents, type Store } from './store.js';

type Item = Record<string, unknown>;

/**
 * botbuilder `Storage` (conversation and user state) on the Store, on either backend. Honours
 * eTags as botbuilder's MemoryStorage does: a write carrying an eTag (other than '*') is refused
 * when the stored item has another one, so a turn on one instance cannot silently overwrite a
 * newer turn's state written by another. The eTag is the document's version.
 */
export class BotStateStorage implements Storage {
  private readonly items: Documents<Item>;

  constructor(store: Store) {
    this.items = store.documents('bot-state');
  }

  async read(keys: string[]): Promise<StoreItems> {
    const found = await this.items.getMany(keys);
    return Object.fromEntries(found.map((doc) => [doc.key, { ...doc.value, eTag: doc.version }]));
  }

  /** `at`: the write time to record (tests of retention); botbuilder passes only `changes`. */
  async write(changes: StoreItems, at = new Date()): Promise<void> {
    await Promise.all(
      Object.entries(changes).map(async ([key, change]) => {
        const { eTag, ...value } = change as Item & { eTag?: string };
        const ifVersion = eTag && eTag !== '*' ? eTag : undefined;
        try {
          await this.items.put(key, value, { ifVersion, at });
        } catch (error) {
          // Not a conflict (the database is unreachable, say): thrown as it is, so it keeps its
          // code and the request gets 503, not 500.
          if (!(error instanceof VersionConflictError)) throw error;
          // An item deleted meanwhile (by /forget or retention) is written afresh, as MemoryStorage does.
          if (ifVersion === undefined || (await this.items.get(key))) {
            throw new Error(`Storage: error writing "${key}" due to eTag conflict.`, { cause: error });
          }
          await this.items.put(key, value, { ifVersion: null, at });
        }
      }),
    );
  }

  async delete(keys: string[]): Promise<void> {
    await this.items.delete(keys);
  }

  /** Deletes the state of conversations and users idle for more than `days`; returns how many. */
  deleteOlderThan(days: number, now = new Date()): Promise<number> {
    return this.items.deleteWrittenBefore(new Date(now.getTime() - days * 86_400_000));
  }
}
