import type { Documents, Store } from '../storage/store.js';

/**
 * Which counsellors are online, across instances: the console marks a counsellor seen on each
 * heartbeat of their open queue page; one not seen for `windowSeconds` is offline. Within the
 * hours but with nobody online, a person gets the hours and the contact route, as outside them.
 */
export interface CounsellorSeen {
  /** The counsellor's e-mail address. */
  readonly counsellor: string;
  /** The languages they speak (for the queue's "you speak this" and for glosses). */
  readonly languages: readonly string[];
  readonly seenAt: string;
}

export interface CounsellorPresenceOptions {
  /** Seconds after the last heartbeat a counsellor counts as offline; default 90. */
  readonly windowSeconds?: number;
  readonly now?: () => Date;
}

export class CounsellorPresence {
  private readonly records: Documents<CounsellorSeen>;
  private readonly windowMs: number;
  private readonly now: () => Date;

  constructor(store: Store, options: CounsellorPresenceOptions = {}) {
    this.records = store.documents('handoff-presence');
    this.windowMs = (options.windowSeconds ?? 90) * 1000;
    this.now = options.now ?? (() => new Date());
  }

  /** A heartbeat; also drops marks long stale (they are only staff addresses). */
  async seen(counsellor: string, languages: readonly string[]): Promise<void> {
    const now = this.now();
    await this.records.put(counsellor, { counsellor, languages: [...languages], seenAt: now.toISOString() }, { at: now });
    await this.records.deleteWrittenBefore(new Date(now.getTime() - 10 * this.windowMs));
  }

  /** Signed out or closed the queue: offline at once. */
  async gone(counsellor: string): Promise<void> {
    await this.records.delete([counsellor]);
  }

  /** Counsellors seen within the window; with `language`, only those who speak it. */
  async online(language?: string): Promise<CounsellorSeen[]> {
    const since = this.now().getTime() - this.windowMs;
    return (await this.records.list())
      .map((d) => d.value)
      .filter((c) => Date.parse(c.seenAt) > since && (language === undefined || c.languages.includes(language)));
  }
}
