import { Low } from 'lowdb';
import { DurableJSONFile } from '../storage/durable-json-file.js';

interface InboxData {
  version: 1;
  /** Keys of questions staff dismissed or answered (see `groupKey`): no text, no user. */
  handled: { key: string; at: string }[];
}

/** Which unanswered questions staff have dealt with, so the inbox shows only the rest. */
export class InboxState {
  private constructor(private readonly db: Low<InboxData>) {}

  static async open(filename: string): Promise<InboxState> {
    const db = new Low<InboxData>(new DurableJSONFile<InboxData>(filename), { version: 1, handled: [] });
    await db.read();
    return new InboxState(db);
  }

  get handled(): ReadonlySet<string> {
    return new Set(this.db.data.handled.map((h) => h.key));
  }

  async markHandled(keys: readonly string[], at = new Date()): Promise<void> {
    const known = this.handled;
    for (const key of keys) if (!known.has(key)) this.db.data.handled.push({ key, at: at.toISOString() });
    await this.db.write();
  }
}
