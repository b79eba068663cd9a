import { createHash, randomBytes } from 'node:crypto';
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
  conversations: number;
  /** Messages the engine answered, of any kind; the next four add up to it. */
  questions: number;
  answered: number;
  fallback: number;
  smalltalk: number;
  emergency: number;
}

/** How often an entry was given as the answer on a day. */
export interface EntryCount {
  readonly day: string;
  readonly entryId: string;
  count: number;
}

/** 👍 and 👎 per day and language: the feedback records' counts, kept past retention. */
export interface FeedbackCount {
  readonly day: string;
  readonly lang: Lang;
  up: number;
  down: number;
}

/** What `countQuestion` is told: how a message was answered, and where. */
export interface QuestionCount {
  readonly channel: string;
  readonly lang: Lang;
  readonly kind: QuestionKind;
  readonly entryId: string | null;
  /**
   * The conversation's id, only to count each conversation once a day: it is hashed with a
   * per-process key and kept in memory for the current day, never written.
   */
  readonly conversation?: string;
}

/**
 * Version 2 added the aggregates (`daily`, `entries`, `feedbackCounts`); a version-1 file opens
 * with them empty, except the feedback counts, which are rebuilt from the feedback records still
 * kept. `checkOutcomes` came within version 1, so it may be absent too.
 */
interface InsightsData {
  version: 2;
  unanswered: UnansweredQuestion[];
  feedback: Feedback[];
  checkOutcomes?: CheckOutcomeCount[];
  daily?: DailyCount[];
  entries?: EntryCount[];
  feedbackCounts?: FeedbackCount[];
}

/** At most this many conversations are remembered per day (beyond, some may count twice). */
const MAX_CONVERSATIONS_PER_DAY = 100_000;
const dayOf = (at: Date) => at.toISOString().slice(0, 10);
/** Channel ids come from the Bot Framework; anything unexpected is counted as 'other'. */
const channelName = (channel: string | undefined) => (channel && /^[a-z0-9-]{1,32}$/i.test(channel) ? channel.toLowerCase() : 'other');

/**
 * What staff learn from conversations: unanswered questions and feedback, with no user
 * identifiers, in a JSON file under DATA_DIR, deleted after the retention period.
 */
export class InsightsStore {
  /** Today's conversations, as keyed hashes, in memory only (lost on restart: a few may count twice). */
  private seen = { day: '', conversations: new Set<string>() };
  private readonly conversationKey = randomBytes(32);
  private readonly dailyIndex = new Map<string, DailyCount>();

  private constructor(private readonly db: Low<InsightsData>) {
    for (const row of db.data.daily ?? []) this.dailyIndex.set(`${row.day}|${row.channel}|${row.lang}`, row);
  }

  static async open(filename: string): Promise<InsightsStore> {
    const db = new Low<InsightsData>(new DurableJSONFile<InsightsData>(filename), { version: 2, unanswered: [], feedback: [] });
    await db.read();
    const version = (db.data as { version: number }).version;
    if (version === 1) {
      // Upgraded in memory; written as version 2 with the next record.
      db.data.version = 2;
      const counts: FeedbackCount[] = [];
      for (const f of db.data.feedback) addFeedbackCount(counts, f.lang, f.helpful, new Date(f.at));
      db.data.feedbackCounts = counts;
    } else if (version !== 2) throw new Error(`${filename}: unknown insights format version ${String(version)}`);
    return new InsightsStore(db);
  }

  async recordUnanswered(question: Omit<UnansweredQuestion, 'at'>, at = new Date()): Promise<void> {
    this.db.data.unanswered.push({ ...question, at: at.toISOString() });
    await this.db.write();
  }

  /** Keeps the feedback record (deleted after retention) and counts it (kept). */
  async recordFeedback(feedback: Omit<Feedback, 'at'>, at = new Date()): Promise<void> {
    this.db.data.feedback.push({ ...feedback, at: at.toISOString() });
    addFeedbackCount((this.db.data.feedbackCounts ??= []), feedback.lang, feedback.helpful, at);
    await this.db.write();
  }

  /** Counts a message the engine answered: its day, channel, language and kind, and its entry. */
  async countQuestion(question: QuestionCount, at = new Date()): Promise<void> {
    const day = dayOf(at);
    const channel = channelName(question.channel);
    const key = `${day}|${channel}|${question.lang}`;
    let row = this.dailyIndex.get(key);
    if (!row) {
      row = { day, channel, lang: question.lang, conversations: 0, questions: 0, answered: 0, fallback: 0, smalltalk: 0, emergency: 0 };
      (this.db.data.daily ??= []).push(row);
      this.dailyIndex.set(key, row);
    }
    if (question.conversation !== undefined && this.firstToday(question.conversation, day)) row.conversations++;
    row.questions++;
    row[question.kind === 'answer' ? 'answered' : question.kind]++;
    if (question.entryId) {
      const entries = (this.db.data.entries ??= []);
      const same = lastWhere(entries, (e) => e.day === day && e.entryId === question.entryId);
      if (same) same.count++;
      else entries.push({ day, entryId: question.entryId, count: 1 });
    }
    await this.db.write();
  }

  /** Whether this is the conversation's first question today (remembered as a keyed hash). */
  private firstToday(conversation: string, day: string): boolean {
    if (this.seen.day !== day) this.seen = { day, conversations: new Set() };
    const hash = createHash('sha256').update(this.conversationKey).update(conversation).digest('base64url').slice(0, 22);
    const { conversations } = this.seen;
    if (conversations.has(hash)) return false;
    if (conversations.size >= MAX_CONVERSATIONS_PER_DAY) conversations.delete(conversations.values().next().value as string);
    conversations.add(hash);
    return true;
  }

  get dailyCounts(): readonly DailyCount[] {
    return this.db.data.daily ?? [];
  }

  get entryCounts(): readonly EntryCount[] {
    return this.db.data.entries ?? [];
  }

  get feedbackCounts(): readonly FeedbackCount[] {
    return this.db.data.feedbackCounts ?? [];
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

  /** Deletes records older than `days`; returns how many went. Counts (aggregates) are kept. */
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

function addFeedbackCount(counts: FeedbackCount[], lang: Lang, helpful: boolean, at: Date): void {
  const day = dayOf(at);
  let row = lastWhere(counts, (c) => c.day === day && c.lang === lang);
  if (!row) counts.push((row = { day, lang, up: 0, down: 0 }));
  row[helpful ? 'up' : 'down']++;
}

/** The last item that matches: today's rows are at the end. */
function lastWhere<T>(items: T[], test: (item: T) => boolean): T | undefined {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return items[i];
  return undefined;
}
