import { randomBytes } from 'node:crypto';
import type { Lang } from '../languages.js';
import type { Counters, DocumentChange, Documents, Store } from './store.js';

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
  readonly count: number;
}

/** How the engine took a message (the engine's `AnswerKind`). */
export type QuestionKind = 'answer' | 'fallback' | 'smalltalk' | 'emergency';

/**
 * Per day, channel and language: how many conversations asked something and how the questions
 * went. Counts only (no text, no identifier), so retention keeps them.
 */
export interface DailyCount {
  /** YYYY-MM-DD (UTC). */
  readonly day: string;
  /** The Bot Framework channel id ('webchat', 'telegram', 'msteams', …). */
  readonly channel: string;
  readonly lang: Lang;
  /** Conversations whose first question of the day this was. */
  readonly conversations: number;
  /** Messages the engine answered, of any kind; the next four add up to it. */
  readonly questions: number;
  readonly answered: number;
  readonly fallback: number;
  readonly smalltalk: number;
  readonly emergency: number;
}

/** How often an entry was given as the answer on a day. */
export interface EntryCount {
  readonly day: string;
  readonly entryId: string;
  readonly count: number;
}

/** 👍 and 👎 per day and language: the feedback records' counts, kept past retention. */
export interface FeedbackCount {
  readonly day: string;
  readonly lang: Lang;
  readonly up: number;
  readonly down: number;
}

/** What `countQuestion` is told: how a message was answered, and where. */
export interface QuestionCount {
  readonly channel: string;
  readonly lang: Lang;
  readonly kind: QuestionKind;
  readonly entryId: string | null;
  /** Whether this is the conversation's first question today (the bot keeps that in its state). */
  readonly firstOfDay?: boolean;
}

const dayOf = (at: Date) => at.toISOString().slice(0, 10);
/** Channel ids come from the Bot Framework; anything unexpected is counted as 'other'. */
const channelName = (channel: string | undefined) => (channel && /^[a-z0-9-]{1,32}$/i.test(channel) ? channel.toLowerCase() : 'other');
/** Counter keys join their labels with `|`, which no label contains (ids, codes and days). */
const keyOf = (...labels: string[]) => labels.join('|');
const labelsOf = (key: string) => key.split('|');
/** Time first, so records list in the order they came. */
const recordKey = (at: Date) => `${at.toISOString()}|${randomBytes(4).toString('hex')}`;

/** How long counts and records wait in memory before they are written together. */
const FLUSH_AFTER_MS = 1000;
/** Records kept in memory at most while the store cannot be reached; older ones are dropped. */
const MAX_PENDING_RECORDS = 10_000;

type CounterName = 'daily' | 'entries' | 'feedbackTotals' | 'checks';
/** A record waiting to be written, and its write time. */
interface PendingRecord<T> {
  readonly at: Date;
  readonly change: DocumentChange<T>;
}

/**
 * What staff learn from conversations, on the Store: unanswered questions and feedback (no user
 * identifiers; deleted after the retention period) and counts per day (aggregates, kept).
 *
 * Written behind: a turn only adds to what waits in memory, and every second what waited is
 * written at once (one write per collection, one add per counter key), so a turn costs the
 * store nothing here and a busy second costs it a few writes. Reads write what waits first, so
 * this process reads its own counts; other instances see them within a second. A crash loses at
 * most the last second's anonymous counts; `close` writes them on a graceful stop.
 */
export class InsightsStore {
  private readonly unansweredRecords: Documents<UnansweredQuestion>;
  private readonly feedbackRecords: Documents<Feedback>;
  private readonly counters: Record<CounterName, Counters>;
  private pendingRecords: { unanswered: PendingRecord<UnansweredQuestion>[]; feedback: PendingRecord<Feedback>[] } = { unanswered: [], feedback: [] };
  private pendingCounts = new Map<string, Map<string, Record<string, number>>>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(store: Store) {
    this.unansweredRecords = store.documents('unanswered-questions');
    this.feedbackRecords = store.documents('feedback');
    this.counters = {
      daily: store.counters('daily-counts'),
      entries: store.counters('entry-counts'),
      feedbackTotals: store.counters('feedback-counts'),
      checks: store.counters('check-outcomes'),
    };
  }

  async recordUnanswered(question: Omit<UnansweredQuestion, 'at'>, at = new Date()): Promise<void> {
    this.pendingRecords.unanswered.push({ at, change: { key: recordKey(at), value: { ...question, at: at.toISOString() } } });
    this.later();
  }

  /** Keeps the feedback record (deleted after retention) and counts it (kept). */
  async recordFeedback(feedback: Omit<Feedback, 'at'>, at = new Date()): Promise<void> {
    this.pendingRecords.feedback.push({ at, change: { key: recordKey(at), value: { ...feedback, at: at.toISOString() } } });
    this.count('feedbackTotals', keyOf(dayOf(at), feedback.lang), feedback.helpful ? { up: 1 } : { down: 1 });
  }

  /** Counts a message the engine answered: its day, channel, language and kind, and its entry. */
  async countQuestion(question: QuestionCount, at = new Date()): Promise<void> {
    const day = dayOf(at);
    const kind = question.kind === 'answer' ? 'answered' : question.kind;
    this.count('daily', keyOf(day, channelName(question.channel), question.lang), { conversations: question.firstOfDay ? 1 : 0, questions: 1, [kind]: 1 });
    if (question.entryId) this.count('entries', keyOf(day, question.entryId), { count: 1 });
  }

  async countCheckOutcome(outcome: Pick<CheckOutcomeCount, 'flow' | 'outcome' | 'lang'>, at = new Date()): Promise<void> {
    this.count('checks', keyOf(dayOf(at), outcome.flow, outcome.outcome, outcome.lang), { count: 1 });
  }

  private count(counters: CounterName, key: string, deltas: Record<string, number>): void {
    const byKey = this.pendingCounts.get(counters) ?? new Map<string, Record<string, number>>();
    this.pendingCounts.set(counters, byKey);
    const counts = byKey.get(key) ?? {};
    for (const [name, delta] of Object.entries(deltas)) counts[name] = (counts[name] ?? 0) + delta;
    byKey.set(key, counts);
    this.later();
  }

  private later(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      // A failed write keeps what waited for the next one; the next read reports the failure.
      this.flush().catch(() => undefined);
    }, FLUSH_AFTER_MS).unref();
  }

  /**
   * Writes what waits: the records in one write per collection, each counter key in one add.
   * What could not be written (the store unreachable) waits for the next time.
   */
  flush(): Promise<void> {
    this.flushing = this.flushing.catch(() => undefined).then(() => this.writePending());
    return this.flushing;
  }

  private async writePending(): Promise<void> {
    const records = this.pendingRecords;
    const counts = this.pendingCounts;
    this.pendingRecords = { unanswered: [], feedback: [] };
    this.pendingCounts = new Map();
    const writes: Promise<unknown>[] = [];
    const failed: (() => void)[] = [];
    const recordWrite = (kind: 'unanswered' | 'feedback', documents: Documents<never>) => {
      // One write per write time (retention goes by it): in service, all are "now".
      const byTime = new Map<number, PendingRecord<never>[]>();
      for (const r of records[kind] as PendingRecord<never>[]) {
        const group = byTime.get(r.at.getTime());
        if (group) group.push(r);
        else byTime.set(r.at.getTime(), [r]);
      }
      for (const [time, pending] of byTime) {
        writes.push(documents.apply(pending.map((r) => r.change), new Date(time)).catch((error: unknown) => {
          failed.push(() => (this.pendingRecords[kind] = [...pending, ...this.pendingRecords[kind]].slice(-MAX_PENDING_RECORDS) as never));
          throw error;
        }));
      }
    };
    recordWrite('unanswered', this.unansweredRecords as Documents<never>);
    recordWrite('feedback', this.feedbackRecords as Documents<never>);
    for (const [name, byKey] of counts) {
      for (const [key, deltas] of byKey) {
        writes.push(this.counters[name as CounterName].add(key, deltas).catch((error: unknown) => {
          failed.push(() => this.count(name as CounterName, key, deltas));
          throw error;
        }));
      }
    }
    const results = await Promise.allSettled(writes);
    for (const putBack of failed) putBack();
    if (failed.length > 0) this.later();
    const error = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (error) throw error.reason;
  }

  /** Writes what waits and stops the timer (a graceful stop). */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Per day (oldest first), channel and language. */
  async dailyCounts(): Promise<DailyCount[]> {
    await this.flush();
    return (await this.counters.daily.list()).map(({ key, counts: c }) => {
      const [day, channel, lang] = labelsOf(key) as [string, string, Lang];
      return { day, channel, lang, conversations: c.conversations ?? 0, questions: c.questions ?? 0, answered: c.answered ?? 0, fallback: c.fallback ?? 0, smalltalk: c.smalltalk ?? 0, emergency: c.emergency ?? 0 };
    });
  }

  async entryCounts(): Promise<EntryCount[]> {
    await this.flush();
    return (await this.counters.entries.list()).map(({ key, counts }) => {
      const [day, entryId] = labelsOf(key) as [string, string];
      return { day, entryId, count: counts.count ?? 0 };
    });
  }

  async feedbackCounts(): Promise<FeedbackCount[]> {
    await this.flush();
    return (await this.counters.feedbackTotals.list()).map(({ key, counts }) => {
      const [day, lang] = labelsOf(key) as [string, Lang];
      return { day, lang, up: counts.up ?? 0, down: counts.down ?? 0 };
    });
  }

  async checkOutcomes(): Promise<CheckOutcomeCount[]> {
    await this.flush();
    return (await this.counters.checks.list()).map(({ key, counts }) => {
      const [day, flow, outcome, lang] = labelsOf(key) as [string, string, string, Lang];
      return { flow, outcome, lang, day, count: counts.count ?? 0 };
    });
  }

  /** Unanswered questions still kept, oldest first. */
  async unanswered(): Promise<UnansweredQuestion[]> {
    await this.flush();
    return (await this.unansweredRecords.list()).map((d) => d.value);
  }

  async feedback(): Promise<Feedback[]> {
    await this.flush();
    return (await this.feedbackRecords.list()).map((d) => d.value);
  }

  /** Deletes records older than `days`; returns how many went. Counts (aggregates) are kept. */
  async deleteOlderThan(days: number, now = new Date()): Promise<number> {
    await this.flush();
    const cutoff = new Date(now.getTime() - days * 86_400_000);
    const removed = await Promise.all([this.unansweredRecords.deleteWrittenBefore(cutoff), this.feedbackRecords.deleteWrittenBefore(cutoff)]);
    return removed[0] + removed[1];
  }
}
