import { randomBytes, randomUUID } from 'node:crypto';
import type { Activity } from 'botbuilder';

/** Called with new activities and the watermark after them (unchanged for a passing "typing"). */
export type ActivityListener = (activities: Activity[], watermark: number) => void;

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
  /** Forgets conversations idle too long; returns how many. */
  sweep(now?: number): Promise<number>;
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
  readonly listeners: Set<(activity: Activity) => void>;
}

/**
 * The conversations of a single instance, in memory only (message text never goes to disk), so a
 * reload can show them again. `sweep` forgets conversations idle longer than `idleMs` with no one
 * listening. Synchronous inside: a turn's replies reach listeners the moment they are appended.
 */
export class MemoryConversationLog implements ConversationLog {
  private readonly conversations = new Map<string, Conversation>();

  constructor(private readonly idleMs = 24 * 60 * 60 * 1000) {}

  /** Starts a conversation, or marks an existing one as in use; returns its id. */
  async create(id: string = randomUUID()): Promise<string> {
    const existing = this.conversations.get(id);
    if (existing) existing.lastUsed = Date.now();
    else this.conversations.set(id, { id, generation: randomBytes(3).toString('hex'), activities: [], offset: 0, lastUsed: Date.now(), listeners: new Set() });
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
    const conversation = this.get(conversationId);
    const id = `${conversationId}|${conversation.generation}${String(conversation.offset + conversation.activities.length + 1).padStart(7, '0')}`;
    const stored = { ...activity, id } as Activity;
    conversation.activities.push(stored);
    if (conversation.activities.length > MAX_ACTIVITIES) {
      conversation.activities.shift();
      conversation.offset++;
    }
    for (const listener of conversation.listeners) listener(stored);
    return id;
  }

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
      if (now - c.lastUsed > this.idleMs && c.listeners.size === 0) {
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
