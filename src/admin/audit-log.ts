import { Low } from 'lowdb';
import { DurableJSONFile } from '../storage/durable-json-file.js';

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

interface AuditData {
  version: 1;
  records: AuditRecord[];
}

/** The console's audit log: every published change, kept (it holds no user data), newest last. */
export class AuditLog {
  private constructor(private readonly db: Low<AuditData>) {}

  static async open(filename: string): Promise<AuditLog> {
    const db = new Low<AuditData>(new DurableJSONFile<AuditData>(filename), { version: 1, records: [] });
    await db.read();
    if (db.data.version !== 1) throw new Error(`${filename}: unknown audit log format version ${String(db.data.version)}`);
    return new AuditLog(db);
  }

  async record(record: AuditRecord): Promise<void> {
    this.db.data.records.push(record);
    await this.db.write();
  }

  /** The changes to one file, newest first. */
  historyOf(file: string): readonly AuditRecord[] {
    return this.db.data.records.filter((r) => r.file === file).reverse();
  }
}
