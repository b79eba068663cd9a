import { randomBytes, randomUUID } from 'node:crypto';
import type { Activity } from 'botbuilder';
import { BOT_STATE_COLLECTION } from '../../storage/bot-state-storage.js';
import { VersionConflictError, type DocumentChange, type Documents, type Store, type StoredDocument } from '../../storage/store.js';
import { isUserMessage, type ActivityListener, type ConversationLog, type PendingAppend } from './conversations.js';

/**
 * A conversation's own document: which run it is (see MemoryConversationLog), its last watermark,
 * and, until its user sends a message, when it started (its "unused" mark's time).
 */
interface ConversationHead {
  readonly generation: string;
  readonly last: number;
  readonly unusedSince?: string;
}
type Item = ConversationHead | Activity;
/** A head as read or written, with its version (undefined: not stored yet). */
interface Head {
  readonly version: string | undefined;
  readonly value: ConversationHead;
}

/** Heads remembered for the next append: enough for every conversation active at once. */
const MAX_REMEMBERED = 10_000;

/**
 * The broadcast topic: "<conversation id> <watermark> <instance>" after a turn's write,
 * "<conversation id> typing <json>" for typing.
 */
const TOPIC = 'directline';
/** Most activities returned at once; a client that is further behind reads again from there. */
const PAGE = 500;
/**
 * Keys, in the bot state's collection (a turn writes its state and its activities in one
 * apply): `directline/<id>` the head, `directline/<id>|<watermark>` the activities (fixed-width,
 * so key order is watermark order), `directline-unused/<start time>|<id>` the mark of a
 * conversation whose user has not sent a message yet.
 */
const PREFIX = 'directline/';
const UNUSED_PREFIX = 'directline-unused/';
const headKey = (conversationId: string) => `${PREFIX}${conversationId}`;
const activityKey = (conversationId: string, watermark: number) => `${PREFIX}${conversationId}|${String(watermark).padStart(10, '0')}`;
const unusedKey = (since: string, conversationId: string) => `${UNUSED_PREFIX}${since}|${conversationId}`;
const isHead = (item: unknown): item is ConversationHead => typeof item === 'object' && item !== null && 'last' in item && 'generation' in item;
/** Marks listed per sweep at most; the rest wait for the next. */
const UNUSED_PAGE = 1000;

interface Subscriber {
  readonly listener: ActivityListener;
  cursor: number;
  /** Deliveries run one after another, so a subscriber sees each activity once and in order. */
  delivering: Promise<void>;
}

/**
 * Direct Line conversations on a shared store (PostgreSQL), for several instances: the head
 * (the last watermark) and the activities live in the bot state's collection, so a turn writes
 * its user's activity, its replies, the head that claims their watermarks and the bot's state in
 * one atomic write, whichever instance does it. The writing instance hands the new activities to
 * its own WebSocket clients from memory, then announces the write once on the store's broadcast;
 * the other instances read them for the clients they hold. The text is kept only while the
 * conversation is in use: `sweep` deletes conversations idle longer than `idleMs`, and those whose
 * user never sent a message after `unusedMs`.
 */
export class StoredConversationLog implements ConversationLog {
  private readonly items: Documents<Item>;
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private readonly lastHeads = new Map<string, Head>();
  private readonly elsewhere = new Set<(conversationId: string | undefined) => void>();
  /** Tells this instance's announcements from the others'. */
  private readonly instance = randomBytes(6).toString('hex');
  private listening: Promise<() => Promise<void>> | undefined;

  constructor(
    private readonly store: Store,
    private readonly idleMs = 24 * 60 * 60 * 1000,
    private readonly unusedMs = idleMs,
  ) {
    this.items = store.documents(BOT_STATE_COLLECTION);
  }

  /**
   * Nothing to write: a conversation's head is created by its first turn, so a request to an
   * existing conversation costs no extra round trip to the database.
   */
  async create(id: string = randomUUID()): Promise<string> {
    return id;
  }

  /** Appends one activity in a write of its own (a turn appends through `begin`). */
  async append(conversationId: string, activity: Activity): Promise<string> {
    for (;;) {
      const found = new Map((await this.items.getMany(this.keysToRead(conversationId))).map((d) => [d.key, d] as const));
      const pending = this.begin(conversationId, found);
      const id = pending.add(activity);
      try {
        await pending.committed(await this.items.apply(pending.changes() as DocumentChange<Item>[]));
        return id;
      } catch (error) {
        // Another instance appended to this conversation meanwhile: take the next watermark.
        if (!(error instanceof VersionConflictError)) throw error;
        this.forget(conversationId);
      }
    }
  }

  /** The head, unless this instance wrote it last (a conversation's turns usually go through one instance). */
  keysToRead(conversationId: string): string[] {
    void this.listen().catch(() => undefined);
    return this.lastHeads.has(conversationId) ? [] : [headKey(conversationId)];
  }

  begin(conversationId: string, found: ReadonlyMap<string, StoredDocument<unknown>>): PendingAppend {
    const stored = found.get(headKey(conversationId));
    const head: Head = this.lastHeads.get(conversationId)
      ?? (stored && isHead(stored.value) ? { version: stored.version, value: stored.value } : { version: undefined, value: { generation: randomBytes(3).toString('hex'), last: 0 } });
    const added: Activity[] = [];
    let messaged = false;
    const next = () => {
      const last = head.value.last + added.length;
      // A conversation's first turn without a message from its user marks it unused; its first message takes the mark away.
      const { unusedSince, ...rest } = head.value;
      if (messaged) return { ...rest, last };
      return { ...rest, last, unusedSince: unusedSince ?? (head.version === undefined ? new Date().toISOString() : undefined) };
    };
    let written: ConversationHead | undefined;
    return {
      fresh: head.value.last === 0,
      stored: true,
      add: (activity) => {
        const watermark = head.value.last + added.length + 1;
        const id = `${conversationId}|${head.value.generation}${String(watermark).padStart(7, '0')}`;
        added.push({ ...activity, id } as Activity);
        if (isUserMessage(activity)) messaged = true;
        return id;
      },
      changes: () => {
        if (added.length === 0) return [];
        written = next();
        const changes: DocumentChange<Item>[] = [
          { key: headKey(conversationId), value: written, ifVersion: head.version ?? null },
          ...added.map((activity, i) => ({ key: activityKey(conversationId, head.value.last + i + 1), value: activity, ifVersion: null })),
        ];
        const mark = head.value.unusedSince;
        // The mark's value says nothing: its key is what the sweep reads.
        if (written.unusedSince && !mark) changes.push({ key: unusedKey(written.unusedSince, conversationId), value: {} as Activity });
        if (mark && !written.unusedSince) changes.push({ key: unusedKey(mark, conversationId), value: null });
        return changes;
      },
      committed: async (versions) => {
        if (added.length === 0 || !written) return;
        const watermark = written.last;
        this.remember(conversationId, { version: versions.get(headKey(conversationId)), value: written });
        // This instance's own clients get the activities from memory, not by reading them back.
        for (const s of this.subscribers.get(conversationId) ?? []) {
          s.delivering = s.delivering.then(() => {
            const unseen = added.filter((_, i) => head.value.last + i + 1 > s.cursor);
            if (s.cursor < head.value.last) return this.read(conversationId, s);
            if (unseen.length > 0) {
              s.cursor = watermark;
              s.listener(unseen, watermark);
            }
          }).catch(() => {
            // The store is unreachable: the next announcement or reconnect delivers from the same cursor.
          });
        }
        await this.store.broadcast.publish(TOPIC, `${conversationId} ${watermark} ${this.instance}`);
      },
    };
  }

  forget(conversationId: string): void {
    this.lastHeads.delete(conversationId);
  }

  onChangedElsewhere(listener: (conversationId: string | undefined) => void): void {
    this.elsewhere.add(listener);
    void this.listen().catch(() => undefined);
  }

  /** Keeps the head just written, for the next turn; the oldest go beyond MAX_REMEMBERED. */
  private remember(conversationId: string, head: Head): void {
    this.lastHeads.delete(conversationId);
    this.lastHeads.set(conversationId, head);
    if (this.lastHeads.size > MAX_REMEMBERED) this.lastHeads.delete(this.lastHeads.keys().next().value as string);
  }

  async broadcast(conversationId: string, activity: Activity): Promise<void> {
    await this.store.broadcast.publish(TOPIC, `${conversationId} typing ${JSON.stringify(activity)}`);
  }

  async since(conversationId: string, watermark = 0): Promise<{ activities: Activity[]; watermark: number }> {
    const found = await this.items.list({ prefix: `${PREFIX}${conversationId}|`, after: activityKey(conversationId, watermark), limit: PAGE });
    const activities = found.map((d) => d.value).filter((item): item is Activity => !isHead(item));
    const last = found.at(-1);
    return { activities, watermark: last ? Number(last.key.slice(PREFIX.length + conversationId.length + 1)) : watermark };
  }

  async watermark(conversationId: string): Promise<number> {
    const found = await this.items.get(headKey(conversationId));
    return found && isHead(found.value) ? found.value.last : 0;
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
   * Deletes what was written longer than `idleMs` ago (the heads of idle conversations: a head is
   * written with every turn, and old activities), and conversations whose user has not sent a
   * message since they started more than `unusedMs` ago. Conversations someone listens to here
   * are kept: their heads are written again first (each instance does this for its own
   * listeners). Returns how many documents went.
   */
  async sweep(now = Date.now()): Promise<number> {
    for (const conversationId of this.subscribers.keys()) {
      const head = await this.items.get(headKey(conversationId));
      if (head && isHead(head.value)) await this.items.put(head.key, head.value, { ifVersion: head.version }).catch(() => undefined);
    }
    const idle = await this.items.deleteWrittenBefore(new Date(now - this.idleMs), { prefix: PREFIX });
    return idle + (await this.sweepUnused(now));
  }

  /** The marks are keyed by start time: the expired ones come first. */
  private async sweepUnused(now: number): Promise<number> {
    const cutoff = new Date(now - this.unusedMs).toISOString();
    const marks = await this.items.list({ prefix: UNUSED_PREFIX, limit: UNUSED_PAGE });
    const expired = marks
      .map((mark) => ({ key: mark.key, since: mark.key.slice(UNUSED_PREFIX.length, mark.key.indexOf('|')), conversationId: mark.key.slice(mark.key.indexOf('|') + 1) }))
      .filter((m) => m.since < cutoff && !this.subscribers.has(m.conversationId));
    if (expired.length === 0) return 0;
    const heads = await this.items.getMany(expired.map((m) => headKey(m.conversationId)));
    const keys = expired.map((m) => m.key);
    for (const head of heads) {
      // A message since (its turn took the mark away in the same write) leaves no mark to find here.
      if (!isHead(head.value) || !head.value.unusedSince) continue;
      const conversationId = head.key.slice(PREFIX.length);
      keys.push(head.key, ...Array.from({ length: head.value.last }, (_, i) => activityKey(conversationId, i + 1)));
      this.lastHeads.delete(conversationId);
    }
    return this.items.delete(keys);
  }

  private listen(): Promise<unknown> {
    this.listening ??= this.store.broadcast.subscribe(
      TOPIC,
      (message) => this.onMessage(message),
      // Announcements made while the connection was down were missed: every subscriber reads on.
      () => {
        this.lastHeads.clear();
        for (const listener of this.elsewhere) listener(undefined);
        for (const [conversationId, set] of this.subscribers) for (const s of set) this.deliver(conversationId, s);
      },
    );
    // A failed subscription is tried again at the next use.
    this.listening.catch(() => (this.listening = undefined));
    return this.listening;
  }

  private onMessage(message: string): void {
    const [conversationId = '', kind = '', ...rest] = message.split(' ');
    if (kind !== 'typing' && rest[0] !== this.instance) {
      // Another instance wrote this conversation: what this one remembers of it is stale.
      this.lastHeads.delete(conversationId);
      for (const listener of this.elsewhere) listener(conversationId);
    }
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
    subscriber.delivering = subscriber.delivering.then(() => this.read(conversationId, subscriber)).catch(() => {
      // The store is unreachable: the next announcement or reconnect delivers from the same cursor.
    });
  }

  private async read(conversationId: string, subscriber: Subscriber): Promise<void> {
    for (;;) {
      const { activities, watermark } = await this.since(conversationId, subscriber.cursor);
      if (activities.length === 0) return;
      subscriber.cursor = watermark;
      subscriber.listener(activities, watermark);
      if (activities.length < PAGE) return;
    }
  }
}
