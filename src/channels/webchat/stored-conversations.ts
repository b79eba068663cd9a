import { randomBytes, randomUUID } from 'node:crypto';
import type { Activity } from 'botbuilder';
import { VersionConflictError, type Documents, type Store } from '../../storage/store.js';
import type { ActivityListener, ConversationLog } from './conversations.js';

/** A conversation's own document: which run it is (see MemoryConversationLog) and its last watermark. */
interface ConversationHead {
  readonly generation: string;
  readonly last: number;
}
type Item = ConversationHead | Activity;
/** A head as read or written, with its version. */
interface Head {
  readonly version: string;
  readonly value: ConversationHead;
}

/** Heads remembered for the next append: enough for every conversation active at once. */
const MAX_REMEMBERED = 10_000;

/** The broadcast topic: "<conversation id> <watermark>" after an append, "<conversation id> typing <json>" for typing. */
const TOPIC = 'directline';
/** Most activities returned at once; a client that is further behind reads again from there. */
const PAGE = 500;
/** Watermarks as fixed-width text, so key order is watermark order. */
const activityKey = (conversationId: string, watermark: number) => `${conversationId}|${String(watermark).padStart(10, '0')}`;
const isHead = (item: Item): item is ConversationHead => 'last' in item && 'generation' in item;

interface Subscriber {
  readonly listener: ActivityListener;
  cursor: number;
  /** Deliveries run one after another, so a subscriber sees each activity once and in order. */
  delivering: Promise<void>;
}

/**
 * Direct Line conversations on a shared store (PostgreSQL), for several instances: the head
 * (the last watermark) and the activities live in one collection, so appending is one atomic
 * write that claims the next watermark and stores the activity together, whichever instance
 * does it. Every append is announced on the store's broadcast; each instance then reads the new
 * activities for the WebSocket clients it holds. The text is kept only while the conversation is
 * in use: `sweep` deletes conversations idle longer than `idleMs`.
 */
export class StoredConversationLog implements ConversationLog {
  private readonly items: Documents<Item>;
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private readonly lastHeads = new Map<string, Head>();
  private listening: Promise<() => Promise<void>> | undefined;

  constructor(
    private readonly store: Store,
    private readonly idleMs = 24 * 60 * 60 * 1000,
  ) {
    this.items = store.documents('directline');
  }

  /**
   * Nothing to write: a conversation's head is created by its first append or watermark read,
   * so a request to an existing conversation costs no extra round trip to the database.
   */
  async create(id: string = randomUUID()): Promise<string> {
    return id;
  }

  async append(conversationId: string, activity: Activity): Promise<string> {
    // The head this instance wrote last is usually still current (a turn's messages and replies
    // go through one instance): then no read is needed first. A stale one is a conflict, re-read.
    let head = this.lastHeads.get(conversationId) ?? (await this.head(conversationId));
    for (;;) {
      const watermark = head.value.last + 1;
      const id = `${conversationId}|${head.value.generation}${String(watermark).padStart(7, '0')}`;
      const next = { ...head.value, last: watermark };
      try {
        const versions = await this.items.apply([
          { key: conversationId, value: next, ifVersion: head.version },
          { key: activityKey(conversationId, watermark), value: { ...activity, id } as Activity, ifVersion: null },
        ]);
        this.remember(conversationId, { version: versions.get(conversationId)!, value: next });
      } catch (error) {
        // Another instance appended to this conversation meanwhile: take the next watermark.
        if (!(error instanceof VersionConflictError)) throw error;
        this.lastHeads.delete(conversationId);
        head = await this.head(conversationId);
        continue;
      }
      await this.store.broadcast.publish(TOPIC, `${conversationId} ${watermark}`);
      return id;
    }
  }

  /** Keeps the head just written, for the next append; the oldest go beyond MAX_REMEMBERED. */
  private remember(conversationId: string, head: Head): void {
    this.lastHeads.delete(conversationId);
    this.lastHeads.set(conversationId, head);
    if (this.lastHeads.size > MAX_REMEMBERED) this.lastHeads.delete(this.lastHeads.keys().next().value as string);
  }

  async broadcast(conversationId: string, activity: Activity): Promise<void> {
    await this.store.broadcast.publish(TOPIC, `${conversationId} typing ${JSON.stringify(activity)}`);
  }

  async since(conversationId: string, watermark = 0): Promise<{ activities: Activity[]; watermark: number }> {
    const found = await this.items.list({ prefix: `${conversationId}|`, after: activityKey(conversationId, watermark), limit: PAGE });
    const activities = found.map((d) => d.value).filter((item): item is Activity => !isHead(item));
    const last = found.at(-1);
    return { activities, watermark: last ? Number(last.key.slice(conversationId.length + 1)) : watermark };
  }

  async watermark(conversationId: string): Promise<number> {
    return (await this.head(conversationId)).value.last;
  }

  async subscribe(conversationId: string, watermark: number, listener: ActivityListener): Promise<() => void> {
    await this.listen();
    const subscriber: Subscriber = { listener, cursor: watermark, delivering: Promise.resolve() };
    const set = this.subscribers.get(conversationId) ?? new Set();
    this.subscribers.set(conversationId, set);
    set.add(subscriber);
    this.deliver(conversationId, subscriber);
    return () => {
      set.delete(subscriber);
      if (set.size === 0) this.subscribers.delete(conversationId);
    };
  }

  /**
   * Deletes what was written longer than `idleMs` ago: the heads of idle conversations (a head is
   * written with every append) and old activities. Conversations someone listens to here are
   * kept: their heads are written again first (each instance does this for its own listeners).
   * Returns how many documents went.
   */
  async sweep(now = Date.now()): Promise<number> {
    for (const conversationId of this.subscribers.keys()) {
      const head = await this.items.get(conversationId);
      if (head && isHead(head.value)) await this.items.put(conversationId, head.value, { ifVersion: head.version }).catch(() => undefined);
    }
    return this.items.deleteWrittenBefore(new Date(now - this.idleMs));
  }

  /** The conversation's head, created on first use (by whichever instance gets there first). */
  private async head(conversationId: string): Promise<Head> {
    const found = await this.items.get(conversationId);
    if (found && isHead(found.value)) return { version: found.version, value: found.value };
    const value = { generation: randomBytes(3).toString('hex'), last: 0 };
    try {
      return { version: await this.items.put(conversationId, value, { ifVersion: null }), value };
    } catch (error) {
      // Created by another request meanwhile: use that one.
      if (error instanceof VersionConflictError) return this.head(conversationId);
      throw error;
    }
  }

  private listen(): Promise<unknown> {
    this.listening ??= this.store.broadcast.subscribe(
      TOPIC,
      (message) => this.onMessage(message),
      // Appends announced while the connection was down were missed: every subscriber reads on.
      () => {
        for (const [conversationId, set] of this.subscribers) for (const s of set) this.deliver(conversationId, s);
      },
    );
    return this.listening;
  }

  private onMessage(message: string): void {
    const [conversationId = '', kind = '', ...rest] = message.split(' ');
    const set = this.subscribers.get(conversationId);
    if (!set) return;
    if (kind === 'typing') {
      const activity = JSON.parse(rest.join(' ')) as Activity;
      for (const s of set) s.listener([activity], s.cursor);
      return;
    }
    for (const s of set) if (Number(kind) > s.cursor) this.deliver(conversationId, s);
  }

  /** Reads and hands over what the subscriber has not had yet, after its deliveries in progress. */
  private deliver(conversationId: string, subscriber: Subscriber): void {
    subscriber.delivering = subscriber.delivering.then(async () => {
      for (;;) {
        const { activities, watermark } = await this.since(conversationId, subscriber.cursor);
        if (activities.length === 0) return;
        subscriber.cursor = watermark;
        subscriber.listener(activities, watermark);
        if (activities.length < PAGE) return;
      }
    }).catch(() => {
      // The store is unreachable: the next announcement or reconnect delivers from the same cursor.
    });
  }
}
