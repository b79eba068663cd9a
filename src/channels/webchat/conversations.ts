import { randomBytes, randomUUID } from 'node:crypto';
import type { Activity } from 'botbuilder';

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
 * Direct Line conversations of the self-hosted web chat, in memory only (message text never
 * goes to disk): each conversation's activities (both ways) with a watermark, so a reload can
 * show them again, and listeners for the WebSocket stream. `sweep` forgets conversations idle
 * longer than `idleMs` with no one listening.
 */
export class ConversationStore {
  private readonly conversations = new Map<string, Conversation>();

  constructor(private readonly idleMs = 24 * 60 * 60 * 1000) {}

  /** Starts a conversation, or marks an existing one as in use; returns its id. */
  create(id: string = randomUUID()): string {
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
  append(conversationId: string, activity: Activity): string {
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
  broadcast(conversationId: string, activity: Activity): void {
    for (const listener of this.get(conversationId).listeners) listener(activity);
  }

  /** Activities after `watermark`, and the new watermark. */
  since(conversationId: string, watermark = 0): { activities: Activity[]; watermark: number } {
    const conversation = this.get(conversationId);
    const start = Math.max(0, watermark - conversation.offset);
    return { activities: conversation.activities.slice(start), watermark: conversation.offset + conversation.activities.length };
  }

  /** The watermark of the latest activity. */
  watermark(conversationId: string): number {
    const conversation = this.get(conversationId);
    return conversation.offset + conversation.activities.length;
  }

  /** Calls `listener` with every new activity until the returned function is called. */
  subscribe(conversationId: string, listener: (activity: Activity) => void): () => void {
    const conversation = this.get(conversationId);
    conversation.listeners.add(listener);
    return () => conversation.listeners.delete(listener);
  }

  /** Forgets idle conversations; returns how many. */
  sweep(now = Date.now()): number {
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
