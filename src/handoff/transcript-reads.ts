import { randomBytes } from 'node:crypto';
import type { Documents, Store } from '../storage/store.js';

/**
 * Who read which live-conversation transcript, and when. The console's `AuditLog` records
 * knowledge changes (a file before and after) and does not fit a read; this is its sibling, on
 * the Store the same way. It holds staff e-mail addresses and handoff ids, no user data, and is
 * kept after the transcripts themselves are deleted.
 */
export interface TranscriptRead {
  readonly at: string;
  /** The staff member's e-mail address. */
  readonly who: string;
  readonly handoffId: string;
}

export class TranscriptReads {
  private readonly reads: Documents<TranscriptRead>;

  constructor(store: Store) {
    this.reads = store.documents('handoff-reads');
  }

  async record(read: TranscriptRead): Promise<void> {
    await this.reads.put(`${read.handoffId}/${read.at}/${randomBytes(4).toString('hex')}`, read, { at: new Date(read.at) });
  }

  /** The reads of one handoff, oldest first. */
  async of(handoffId: string): Promise<TranscriptRead[]> {
    return (await this.reads.list({ prefix: `${handoffId}/` })).map((d) => d.value);
  }
}
