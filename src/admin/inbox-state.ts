import type { Documents, Store } from '../storage/store.js';

/**
 * Which unanswered questions staff have dealt with, so the inbox shows only the rest: the keys
 * of handled question groups (see `groupKey`), with no text and no user.
 */
export class InboxState {
  private readonly records: Documents<{ at: string }>;

  constructor(store: Store) {
    this.records = store.documents('inbox-handled');
  }

  async handled(): Promise<ReadonlySet<string>> {
    return new Set((await this.records.list()).map((d) => d.key));
  }

  async markHandled(keys: readonly string[], at = new Date()): Promise<void> {
    await Promise.all(keys.map((key) => this.records.put(key, { at: at.toISOString() }, { at })));
  }

  /** Forgets marks older than `days` (their questions are gone by then too). */
  deleteOlderThan(days: number, now = new Date()): Promise<number> {
    return this.records.deleteWrittenBefore(new Date(now.getTime() - days * 86_400_000));
  }
}
