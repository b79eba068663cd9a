import { randomBytes } from 'node:crypto';
import type { Lang } from '../languages.js';
import type { Counters, Documents, Store } from './store.js';

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

/**
 * What staff learn from conversations, on the Store: unanswered questions and feedback (no user
 * identifiers; deleted after the retention period) and counts per day (aggregates, kept).
 */
export class InsightsStore {
  private readonly unansweredRecords: Documents<UnansweredQuestion>;
  private readonly feedbackRecords: Documents<Feedback>;
  private readonly daily: Counters;
  private readonly entries: Counters;
  private readonly feedbackTotals: Counters;
  private readonly checks: Counters;

  constructor(store: Store) {
    this.unansweredRecords = store.documents('unanswered-questions');
    this.feedbackRecords = store.documents('feedback');
    this.daily = store.counters('daily-counts');
    this.entries = store.counters('entry-counts');
    this.feedbackTotals = store.counters('feedback-counts');
    this.checks = store.counters('check-outcomes');
  }

  async recordUnanswered(question: Omit<UnansweredQuestion, 'at'>, at = new Date()): Promise<void> {
    await this.unansweredRecords.put(recordKey(at), { ...question, at: at.toISOString() }, { at });
  }

  /** Keeps the feedback record (deleted after retention) and counts it (kept). */
  async recordFeedback(feedback: Omit<Feedback, 'at'>, at = new Date()): Promise<void> {
    await Promise.all([
      this.feedbackRecords.put(recordKey(at), { ...feedback, at: at.toISOString() }, { at }),
      this.feedbackTotals.add(keyOf(dayOf(at), feedback.lang), feedback.helpful ? { up: 1 } : { down: 1 }),
    ]);
  }

  /** Counts a message the engine answered: its day, channel, language and kind, and its entry. */
  async countQuestion(question: QuestionCount, at = new Date()): Promise<void> {
    const day = dayOf(at);
    const kind = question.kind === 'answer' ? 'answered' : question.kind;
    await Promise.all([
      this.daily.add(keyOf(day, channelName(question.channel), question.lang), { conversations: question.firstOfDay ? 1 : 0, questions: 1, [kind]: 1 }),
      question.entryId ? this.entries.add(keyOf(day, question.entryId), { count: 1 }) : undefined,
    ]);
  }

  async countCheckOutcome(outcome: Pick<CheckOutcomeCount, 'flow' | 'outcome' | 'lang'>, at = new Date()): Promise<void> {
    await this.checks.add(keyOf(dayOf(at), outcome.flow, outcome.outcome, outcome.lang), { count: 1 });
  }

  /** Per day (oldest first), channel and language. */
  async dailyCounts(): Promise<DailyCount[]> {
    return (await this.daily.list()).map(({ key, counts: c }) => {
      const [day, channel, lang] = labelsOf(key) as [string, string, Lang];
      return { day, channel, lang, conversations: c.conversations ?? 0, questions: c.questions ?? 0, answered: c.answered ?? 0, fallback: c.fallback ?? 0, smalltalk: c.smalltalk ?? 0, emergency: c.emergency ?? 0 };
    });
  }

  async entryCounts(): Promise<EntryCount[]> {
    return (await this.entries.list()).map(({ key, counts }) => {
      const [day, entryId] = labelsOf(key) as [string, string];
      return { day, entryId, count: counts.count ?? 0 };
    });
  }

  async feedbackCounts(): Promise<FeedbackCount[]> {
    return (await this.feedbackTotals.list()).map(({ key, counts }) => {
      const [day, lang] = labelsOf(key) as [string, Lang];
      return { day, lang, up: counts.up ?? 0, down: counts.down ?? 0 };
    });
  }

  async checkOutcomes(): Promise<CheckOutcomeCount[]> {
    return (await this.checks.list()).map(({ key, counts }) => {
      const [day, flow, outcome, lang] = labelsOf(key) as [string, string, string, Lang];
      return { flow, outcome, lang, day, count: counts.count ?? 0 };
    });
  }

  /** Unanswered questions still kept, oldest first. */
  async unanswered(): Promise<UnansweredQuestion[]> {
    return (await this.unansweredRecords.list()).map((d) => d.value);
  }

  async feedback(): Promise<Feedback[]> {
    return (await this.feedbackRecords.list()).map((d) => d.value);
  }

  /** Deletes records older than `days`; returns how many went. Counts (aggregates) are kept. */
  async deleteOlderThan(days: number, now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - days * 86_400_000);
    const removed = await Promise.all([this.unansweredRecords.deleteWrittenBefore(cutoff), this.feedbackRecords.deleteWrittenBefore(cutoff)]);
    return removed[0] + removed[1];
  }
}
