import type { Storage, StoreItems } from 'botbuilder';
import { TurnState, type StateKeys, type TurnStateStore } from '../bot/turn-state.js';
import { VersionConflictError, type DocumentChange, type Documents, type Store, type StoredDocument } from './store.js';

type Item = Record<string, unknown>;

/**
 * The collection of the bot's state, and of what is written with it in a turn's one write (the
 * web chat's stored conversations, under their own key prefix).
 */
export const BOT_STATE_COLLECTION = 'bot-state';

/**
 * botbuilder `Storage` (conversation and user state) on the Store, on either backend. Honours
 * eTags as botbuilder's MemoryStorage does: a write carrying an eTag (other than '*') is refused
 * when the stored item has another one, so a turn on one instance cannot silently overwrite a
 * newer turn's state written by another. The eTag is the document's version.
 */
export class BotStateStorage implements Storage, TurnStateStore {
  /** The documents, for those who write with the bot's state in one apply. */
  readonly items: Documents<Item>;

  constructor(store: Store) {
    this.items = store.documents(BOT_STATE_COLLECTION);
  }

  /** A turn's state, in one read. */
  async load(keys: StateKeys): Promise<TurnState> {
    return (await this.loadWith(keys, [])).state;
  }

  /** A turn's state and other documents of the collection (`more`), in the same one read. */
  async loadWith(keys: StateKeys, more: readonly string[]): Promise<{ state: TurnState; found: ReadonlyMap<string, StoredDocument<Item>> }> {
    const found = new Map((await this.items.getMany([keys.conversation, keys.user, ...more])).map((doc) => [doc.key, doc]));
    return { state: this.stateOf(keys, found), found };
  }

  /** A turn's state from documents already read (undefined: not stored). */
  stateOf(keys: StateKeys, found: ReadonlyMap<string, StoredDocument<Item> | undefined>): TurnState {
    const items: StoreItems = {};
    for (const key of [keys.conversation, keys.user]) {
      const doc = found.get(key);
      if (doc) items[key] = { ...doc.value, eTag: doc.version };
    }
    return new TurnState(keys, items);
  }

  /** Writes the turn's changes in one atomic write; refused (VersionConflictError) if another turn wrote meanwhile. */
  async save(state: TurnState): Promise<void> {
    const changes = state.changes();
    if (changes.length > 0) await this.items.apply(changes);
  }

  /** Writes changes to the collection in one atomic write (see Documents.apply). */
  apply(changes: readonly DocumentChange<Item>[], at?: Date): Promise<ReadonlyMap<string, string>> {
    return this.items.apply(changes, at);
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

  /**
   * Deletes the state of conversations and users idle for more than `days`; returns how many.
   * (The web chat's stored conversations in the collection go much sooner, see StoredConversationLog.)
   */
  deleteOlderThan(days: number, now = new Date()): Promise<number> {
    return this.items.deleteWrittenBefore(new Date(now.getTime() - days * 86_400_000));
  }
}
