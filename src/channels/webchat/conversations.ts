import { randomBytes, randomUUID } from 'node:crypto';
import type { Activity } from 'botbuilder';
import type { DocumentChange, StoredDocument } from '../../storage/store.js';

/** Called with new activities and the watermark after them (unchanged for a passing "typing"). */
export type ActivityListener = (activities: Activity[], watermark: number) => void;

/**
 * The activities one turn appends (the user's and the bot's replies), numbered as they come and
 * kept back until the turn's one write: no one sees a reply whose state was not stored.
 */
export interface PendingAppend {
  /** Whether the conversation had no activity before this turn. */
  readonly fresh: boolean;
  /**
   * Whether the activities are written with the turn's state (on a store). In memory they are
   * not: they are shown while the state is written, as they can be shown no sooner.
   */
  readonly stored: boolean;
  /** Numbers an activity (its id, returned) and keeps it for the write. */
  add(activity: Activity): string;
  /** The documents to write with the turn's state, in the bot state's collection (none in memory). */
  changes(): DocumentChange<unknown>[];
  /** After the write (`versions`: the written keys' new versions): hands the activities to listeners here and tells the other instances. */
  committed(versions: ReadonlyMap<string, string>): Promise<void>;
}

/** A user's own message (typed or a button): a conversation that never got one is forgotten sooner. */
export const isUserMessage = (activity: Partial<Activity>): boolean => activity.type === 'message' && activity.from?.role === 'user';

/**
 * Where the web chat keeps its Direct Line conversations: each conversation's activities (both
 * ways) in order, numbered by watermark, and who is listening on a WebSocket. Two kinds: in
 * memory (one instance; message text never reaches the disk) and on a shared store (several
 * instances: any instance can serve any request of any conversation).
 */
export interface ConversationLog {
  /** Starts a conversation, or marks an existing one as in use; returns its id. */
  create(id?: string): Promise<string>;
  /** Appends an activity, giving it an id; returns the id. */
  append(conversationId: string, activity: Activity): Promise<string>;
  /** Sends a passing activity ("typing") to listeners without keeping it. */
  broadcast(conversationId: string, activity: Activity): Promise<void>;
  /** Activities after `watermark`, and the watermark after them. */
  since(conversationId: string, watermark?: number): Promise<{ activities: Activity[]; watermark: number }>;
  /** The watermark of the latest activity (0: nothing yet). */
  watermark(conversationId: string): Promise<number>;
  /**
   * Calls `listener` with the activities after `watermark` (the backlog), then with every new one,
   * in order and each once, until the returned function is called.
   */
  subscribe(conversationId: string, watermark: number, listener: ActivityListener): Promise<() => void>;
  /**
   * Forgets conversations idle too long, and sooner those that never got a message from their
   * user; returns how many (conversations, or documents on a store).
   */
  sweep(now?: number): Promise<number>;
  /** Keys to read with a turn's state before `begin` (what this instance does not know already). */
  keysToRead(conversationId: string): string[];
  /** Begins a turn's appends, from what was read of `keysToRead`. */
  begin(conversationId: string, found: ReadonlyMap<string, StoredDocument<unknown>>): PendingAppend;
  /** The turn's write was refused (another instance wrote first): forget what this one remembered of the conversation. */
  forget(conversationId: string): void;
  /** Calls `listener` when another instance changed a conversation (or messages may have been missed: `undefined`). */
  onChangedElsewhere(listener: (conversationId: string | undefined) => void): void;
}

/** Activities kept per conversation; older ones are dropped (a chat bubble history, not an archive). */
const MAX_ACTIVITIES = 200;

interface Conversation {
  readonly id: string;
  /**
   * Tells this run of a conversation from an earlier one with the same id (a restarted server
   * starts it afresh): activity ids stay unique, so clients that drop ids they have already
   * shown never drop a new message.
   */
  readonly generation: string;
  /** Activities in order; `activities[i]` has watermark `offset + i + 1`. */
  activities: Activity[];
  offset: number;
  lastUsed: number;
  readonly started: number;
  /** Whether its user has sent a message. */
  messaged: boolean;
  readonly listeners: Set<(activity: Activity) => void>;
}

/**
 * The conversations of a single instance, in memory only (message text never goes to disk), so a
 * reload can show them again. `sweep` forgets conversations with no one listening that are idle
 * longer than `idleMs`, or that never got a message from their user within `unusedMs` of their
 * start. A turn's activities reach listeners as soon as the turn is done, while its state is written.
 */
export class MemoryConversationLog implements ConversationLog {
  private readonly conversations = new Map<string, Conversation>();

  constructor(
    private readonly idleMs = 24 * 60 * 60 * 1000,
    private readonly unusedMs = idleMs,
  ) {}

  /** Starts a conversation, or marks an existing one as in use; returns its id. */
  async create(id: string = randomUUID()): Promise<string> {
    const existing = this.conversations.get(id);
    const now = Date.now();
    if (existing) existing.lastUsed = now;
    else this.conversations.set(id, { id, generation: randomBytes(3).toString('hex'), activities: [], offset: 0, lastUsed: now, started: now, messaged: false, listeners: new Set() });
    return id;
  }

  /** How many conversations are kept. */
  get size(): number {
    return this.conversations.size;
  }

  has(id: string): boolean {
    return this.conversations.has(id);
  }

  /** Appends an activity, giving it an id; returns the id. */
  async append(conversationId: string, activity: Activity): Promise<string> {
    const pending = this.begin(conversationId);
    const id = pending.add(activity);
    await pending.committed(new Map());
    return id;
  }

  /** Nothing to read: the conversations are here. */
  keysToRead(): string[] {
    return [];
  }

  begin(conversationId: string): PendingAppend {
    const conversation = this.get(conversationId);
    const base = this.latest(conversation);
    const added: Activity[] = [];
    return {
      fresh: base === 0,
      stored: false,
      add: (activity) => {
        const id = `${conversationId}|${conversation.generation}${String(base + added.length + 1).padStart(7, '0')}`;
        added.push({ ...activity, id } as Activity);
        return id;
      },
      changes: () => [],
      committed: async () => {
        // Turns of one conversation run one at a time (WebChatTurns), so nothing came in between.
        for (const stored of added) {
          conversation.activities.push(stored);
          if (conversation.activities.length > MAX_ACTIVITIES) {
            conversation.activities.shift();
            conversation.offset++;
          }
          if (isUserMessage(stored)) conversation.messaged = true;
          for (const listener of conversation.listeners) listener(stored);
        }
      },
    };
  }

  /** One instance: no one else writes. */
  forget(): void {}

  onChangedElsewhere(): void {}

  /** Sends a passing activity ("typing") to listeners without keeping it in the history. */
  async broadcast(conversationId: string, activity: Activity): Promise<void> {
    for (const listener of this.get(conversationId).listeners) listener(activity);
  }

  /** Activities after `watermark`, and the new watermark. */
  async since(conversationId: string, watermark = 0): Promise<{ activities: Activity[]; watermark: number }> {
    return this.sinceNow(conversationId, watermark);
  }

  private sinceNow(conversationId: string, watermark: number): { activities: Activity[]; watermark: number } {
    const conversation = this.get(conversationId);
    const start = Math.max(0, watermark - conversation.offset);
    return { activities: conversation.activities.slice(start), watermark: conversation.offset + conversation.activities.length };
  }

  async watermark(conversationId: string): Promise<number> {
    return this.latest(this.get(conversationId));
  }

  async subscribe(conversationId: string, watermark: number, listener: ActivityListener): Promise<() => void> {
    const conversation = this.get(conversationId);
    const backlog = this.sinceNow(conversationId, watermark);
    if (backlog.activities.length > 0) listener(backlog.activities, backlog.watermark);
    const each = (activity: Activity) => listener([activity], this.latest(conversation));
    conversation.listeners.add(each);
    return () => conversation.listeners.delete(each);
  }

  private latest(conversation: Conversation): number {
    return conversation.offset + conversation.activities.length;
  }

  /** Forgets idle conversations; returns how many. */
  async sweep(now = Date.now()): Promise<number> {
    let removed = 0;
    for (const [id, c] of this.conversations) {
      const expired = now - c.lastUsed > this.idleMs || (!c.messaged && now - c.started > this.unusedMs);
      if (expired && c.listeners.size === 0) {
        this.conversations.delete(id);
        removed++;
      }
    }
    return removed;
  }

  private get(id: string): Conversation {
    const conversation = this.conversations.get(id);
    if (!conversation) throw new Error(`unknown conversation ${id}`);
    conversation.lastUsed = Date.now();
    return conversation;
  }
}
