import { VersionConflictError, type Documents, type Store } from '../../storage/store.js';

interface UpdateRecord {
  readonly state: 'working' | 'done';
}

/** How long an instance may work on an update before another may take it over (it may have died). */
const LEASE_MS = 60_000;

/**
 * Which of a channel's updates have been handled, shared by every instance: a platform resends an
 * update it got no answer for (Telegram does), and behind a load balancer the copy may reach
 * another instance. An update is claimed before it is handled and marked done after, so it is
 * handled once; a claim whose instance died is taken over after a minute, so nothing is lost either.
 */
export class HandledUpdates {
  private readonly records: Documents<UpdateRecord>;

  /** Records of `channel`'s updates, in the store's `<channel>-updates` collection. */
  constructor(store: Store, channel: string) {
    this.records = store.documents(`${channel}-updates`);
  }

  /** `new`: handle it now; `done`: already handled; `busy`: being handled elsewhere right now. */
  async begin(updateId: number, now = new Date()): Promise<'new' | 'done' | 'busy'> {
    const key = String(updateId);
    try {
      await this.records.put(key, { state: 'working' }, { ifVersion: null, at: now });
      return 'new';
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
    }
    const found = await this.records.get(key);
    if (!found) return this.begin(updateId, now);
    if (found.value.state === 'done') return 'done';
    if (now.getTime() - found.updatedAt.getTime() < LEASE_MS) return 'busy';
    try {
      await this.records.put(key, { state: 'working' }, { ifVersion: found.version, at: now });
      return 'new';
    } catch (error) {
      if (error instanceof VersionConflictError) return 'busy';
      throw error;
    }
  }

  async finish(updateId: number): Promise<void> {
    await this.records.put(String(updateId), { state: 'done' });
  }

  /** Records older than the platform keeps undelivered updates (Telegram: a day) are of no more use. */
  deleteOlderThan(days: number, now = new Date()): Promise<number> {
    return this.records.deleteWrittenBefore(new Date(now.getTime() - days * 86_400_000));
  }
}
