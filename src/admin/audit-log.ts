import { randomBytes } from 'node:crypto';
import type { Documents, Store } from '../storage/store.js';

/** One change to the knowledge base: who, when, what, and the file before and after. */
export interface AuditRecord {
  readonly at: string;
  /** The staff member's e-mail address. */
  readonly who: string;
  readonly action: 'create' | 'publish' | 'restore' | 'delete';
  readonly file: string;
  /** The file's text before the change (empty for a new file) and after it. */
  readonly before: string;
  readonly after: string;
}

/**
 * The console's audit log on the Store: every published change, kept (it holds no user data).
 * Keyed by file, then time, so one file's history is one ordered range.
 */
export class AuditLog {
  private readonly records: Documents<AuditRecord>;

  constructor(store: Store) {
    this.records = store.documents('audit-log');
  }

  async record(record: AuditRecord): Promise<void> {
    await this.records.put(`${record.file}|${record.at}|${randomBytes(4).toString('hex')}`, record, { at: new Date(record.at) });
  }

  /** The changes to one file, newest first. */
  async historyOf(file: string): Promise<AuditRecord[]> {
    return (await this.records.list({ prefix: `${file}|` })).map((d) => d.value).reverse();
  }
}
