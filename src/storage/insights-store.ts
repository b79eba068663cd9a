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

/**
 * How often a guided check ended in an outcome, per day and language: a count, nothing about
 * who answered or what (an aggregate, so retention keeps it).
 */
export interface CheckOutcomeCount {
  readonly flow: string;
  readonly outcome: string;
  readonly lang: Lang;
  /** YYYY-MM-DD (UTC). */
  readonly day: string;
  count: number;
}

interface InsightsData {
  version: 1;
  unanswered: UnansweredQuestion[];
  feedback: Feedback[];
  /** Absent in files written before guided checks existed. */
  checkOutcomes?: CheckOutcomeCount[];
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

  async countCheckOutcome(outcome: Pick<CheckOutcomeCount, 'flow' | 'outcome' | 'lang'>, at = new Date()): Promise<void> {
    const day = at.toISOString().slice(0, 10);
    const counts = (this.db.data.checkOutcomes ??= []);
    const same = counts.find((c) => c.flow === outcome.flow && c.outcome === outcome.outcome && c.lang === outcome.lang && c.day === day);
    if (same) same.count++;
    else counts.push({ ...outcome, day, count: 1 });
    await this.db.write();
  }

  get checkOutcomes(): readonly CheckOutcomeCount[] {
    return this.db.data.checkOutcomes ?? [];
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
