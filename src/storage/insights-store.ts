import { Low } from 'lowdb';
import type { Lang } from '../languages.js';
import { DurableJSONFile } from './durable-json-file.js';

/** A question the bot could not answer. Never stored with anything that identifies who asked. */
export interface UnansweredQuestion {
  readonly text: string;
  readonly lang: Lang;
  /** ISO time. */
  readonly at: string;
  /** The best candidate the engine had, and its confidence, to help staff decide. */
  readonly bestEntryId: string | null;
  readonly bestConfidence: number;
}

/** A 👍 or 👎 on an answer; anonymous. */
export interface Feedback {
  readonly entryId: string;
  readonly helpful: boolean;
  readonly lang: Lang;
  readonly at: string;
}

interface InsightsData {
  version: 1;
  unanswered: UnansweredQuestion[];
  feedback: Feedback[];
}

/**
 * What staff learn from conversations: unanswered questions and feedback, with no user
 * identifiers, in a JSON file under DATA_DIR, deleted after the retention period.
 */
export class InsightsStore {
  private constructor(private readonly db: Low<InsightsData>) {}

  static async open(filename: string): Promise<InsightsStore> {
    const db = new Low<InsightsData>(new DurableJSONFile<InsightsData>(filename), { version: 1, unanswered: [], feedback: [] });
    await db.read();
    if (db.data.version !== 1) throw new Error(`${filename}: unknown insights format version ${String(db.data.version)}`);
    return new InsightsStore(db);
  }

  async recordUnanswered(question: Omit<UnansweredQuestion, 'at'>, at = new Date()): Promise<void> {
    this.db.data.unanswered.push({ ...question, at: at.toISOString() });
    await this.db.write();
  }

  async recordFeedback(feedback: Omit<Feedback, 'at'>, at = new Date()): Promise<void> {
    this.db.data.feedback.push({ ...feedback, at: at.toISOString() });
    await this.db.write();
  }

  get unanswered(): readonly UnansweredQuestion[] {
    return this.db.data.unanswered;
  }

  get feedback(): readonly Feedback[] {
    return this.db.data.feedback;
  }

  /** Deletes records older than `days`; returns how many went. */
  async deleteOlderThan(days: number, now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - days * 86_400_000).toISOString();
    const { unanswered, feedback } = this.db.data;
    const keptUnanswered = unanswered.filter((r) => r.at >= cutoff);
    const keptFeedback = feedback.filter((r) => r.at >= cutoff);
    const removed = unanswered.length - keptUnanswered.length + feedback.length - keptFeedback.length;
    if (removed > 0) {
      this.db.data.unanswered = keptUnanswered;
      this.db.data.feedback = keptFeedback;
      await this.db.write();
    }
    return removed;
  }
}
