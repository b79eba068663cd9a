import { TurnContext, type Activity, type ActivityHandler } from 'botbuilder';
import { stateKeys, TURN_STATE, type StateKeys } from '../../bot/turn-state.js';
import type { BotStateStorage } from '../../storage/bot-state-storage.js';
import { VersionConflictError, type DocumentChange, type StoredDocument } from '../../storage/store.js';
import { PENDING_APPEND, type WebChatAdapter } from './adapter.js';
import { WEBCHAT_CHANNEL_ID } from './channel.js';
import type { ConversationLog, PendingAppend } from './conversations.js';

/** State remembered per conversation for its next turn: enough for every conversation active at once. */
const MAX_REMEMBERED = 10_000;
/** A turn refused this often (other instances writing the same conversation each time) fails. */
const MAX_ATTEMPTS = 4;

type Item = Record<string, unknown>;

/** The state documents this instance wrote last for a conversation (null: not stored). */
interface Remembered {
  readonly keys: StateKeys;
  readonly docs: ReadonlyMap<string, StoredDocument<Item> | null>;
}

export interface WebChatTurnsOptions {
  conversations: ConversationLog;
  state: BotStateStorage;
  adapter: WebChatAdapter;
  bot: ActivityHandler;
}

/**
 * Runs web chat turns, each as one unit of work: the bot state and the conversation's head are
 * read once (not at all when this instance wrote them last), the bot's state changes and replies
 * stay in memory, and the user's activity, the replies and the state are written in one
 * `Documents.apply`; only then do listeners get the activities (one notice to other instances).
 * (On one instance the activities live in memory only and are shown while the state is written.)
 *
 * A write refused because another instance wrote the conversation meanwhile runs the turn again
 * on what is stored now: nothing of the refused turn was seen (its dashboard counts included).
 * Turns of one conversation run one at a time in this instance.
 */
export class WebChatTurns {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly remembered = new Map<string, Remembered>();

  constructor(private readonly options: WebChatTurnsOptions) {
    options.conversations.onChangedElsewhere((conversationId) => {
      if (conversationId === undefined) this.remembered.clear();
      else this.remembered.delete(conversationId);
    });
  }

  /** A user's activity and the bot's turn on it, written together; returns the activity's id. */
  async post(activity: Activity): Promise<string> {
    return (await this.queued(activity, true))!;
  }

  /**
   * The bot's greeting (`update`: a member joined) of a conversation with no activity yet;
   * false, with nothing run, if it has some.
   */
  async start(update: Activity): Promise<boolean> {
    return (await this.queued(update, false)) !== undefined;
  }

  /**
   * The bot's messages outside a turn (a counsellor's reply, the end of a handoff) appended to a
   * conversation after its turns in hand, so they take the next watermarks; false, with nothing
   * written, when the conversation is gone (closed long enough to be forgotten).
   */
  async deliver(conversationId: string, userId: string, activities: readonly Partial<Activity>[]): Promise<boolean> {
    return this.inOrder(conversationId, async () => {
      const { conversations, state: storage, adapter } = this.options;
      const context = new TurnContext(adapter, {
        type: 'event',
        name: 'handoff',
        channelId: WEBCHAT_CHANNEL_ID,
        conversation: { id: conversationId },
        from: { id: userId, role: 'user' },
        recipient: { id: 'rahnama', name: 'Rahnama', role: 'bot' },
      } as Activity);
      // As a turn's replies: the head read once (not at all if this instance wrote it last), all
      // the activities in one write, another instance's write in between taken into account.
      for (let attempt = 1; ; attempt++) {
        const toRead = conversations.keysToRead(conversationId);
        const found = new Map(toRead.length > 0 ? (await storage.items.getMany(toRead)).map((d) => [d.key, d] as const) : []);
        let pending: PendingAppend;
        try {
          pending = conversations.begin(conversationId, found);
        } catch {
          return false; // forgotten (in memory: swept)
        }
        if (pending.fresh) return false; // nothing there: forgotten, or never started
        context.turnState.set(PENDING_APPEND, pending);
        await context.sendActivities([...activities]);
        try {
          const changes = pending.changes() as DocumentChange<Item>[];
          await pending.committed(changes.length > 0 ? await storage.apply(changes) : new Map());
          return true;
        } catch (error) {
          conversations.forget(conversationId);
          if (!(error instanceof VersionConflictError) || attempt >= MAX_ATTEMPTS) throw error;
        }
      }
    });
  }

  private queued(activity: Activity, stored: boolean): Promise<string | undefined> {
    return this.inOrder(activity.conversation.id, () => this.run(activity, stored));
  }

  /** Runs `task` after the conversation's turns and deliveries in hand here. */
  private inOrder<T>(conversationId: string, task: () => Promise<T>): Promise<T> {
    const turn = (this.queues.get(conversationId) ?? Promise.resolve()).catch(() => undefined).then(task);
    this.queues.set(conversationId, turn);
    void turn.catch(() => undefined).finally(() => {
      if (this.queues.get(conversationId) === turn) this.queues.delete(conversationId);
    });
    return turn;
  }

  /** `stored`: the activity is the user's, kept in the conversation; otherwise only a fresh conversation gets a turn. */
  private async run(activity: Activity, stored: boolean): Promise<string | undefined> {
    const { conversations, state: storage, adapter, bot } = this.options;
    const conversationId = activity.conversation.id;
    const keys = stateKeys(activity);
    for (let attempt = 1; ; attempt++) {
      const remembered = this.remembered.get(conversationId);
      const known = remembered && remembered.keys.user === keys.user && remembered.keys.conversation === keys.conversation ? remembered.docs : undefined;
      const toRead = [...(known ? [] : [keys.conversation, keys.user]), ...conversations.keysToRead(conversationId)];
      const found = new Map(toRead.length > 0 ? (await storage.items.getMany(toRead)).map((d) => [d.key, d] as const) : []);
      const pending = conversations.begin(conversationId, found);
      if (!stored && !pending.fresh) return undefined;
      const docs = new Map<string, StoredDocument<Item> | null>([keys.conversation, keys.user].map((key) => [key, known ? (known.get(key) ?? null) : (found.get(key) ?? null)]));
      const state = storage.stateOf(keys, new Map([...docs].map(([key, doc]) => [key, doc ?? undefined])));
      const id = stored ? pending.add(activity) : undefined;
      const context = new TurnContext(adapter, id === undefined ? activity : { ...activity, id });
      context.turnState.set(TURN_STATE, state);
      context.turnState.set(PENDING_APPEND, pending);
      await adapter.processContext(context, (c) => bot.run(c));
      const stateChanges = state.changes();
      const changes = [...stateChanges, ...pending.changes()] as DocumentChange<Item>[];
      // Activities kept in memory only are shown at once, while the state is written: one
      // instance alone writes its conversations (turns of one run one at a time), so its write
      // is never refused and the turn never runs again.
      const shown = pending.stored ? undefined : pending.committed(new Map());
      let versions: ReadonlyMap<string, string>;
      try {
        versions = changes.length > 0 ? await storage.apply(changes) : new Map();
      } catch (error) {
        this.remembered.delete(conversationId);
        conversations.forget(conversationId);
        if (!(error instanceof VersionConflictError)) throw error;
        if (!shown && attempt < MAX_ATTEMPTS) continue;
        if (!shown) throw error;
        // Shown already: only retention can have deleted the state meanwhile (no other instance
        // writes here), so the turn's state is written as it is.
        versions = await storage.apply(changes.map(({ key, value }) => ({ key, value })));
      }
      this.remember(conversationId, keys, docs, stateChanges, versions);
      await Promise.all([shown ?? pending.committed(versions), state.committed()]);
      return id ?? '';
    }
  }

  private remember(conversationId: string, keys: StateKeys, read: ReadonlyMap<string, StoredDocument<Item> | null>, changes: readonly DocumentChange<Item>[], versions: ReadonlyMap<string, string>): void {
    const docs = new Map(read);
    for (const change of changes) {
      const version = versions.get(change.key);
      docs.set(change.key, change.value === null || version === undefined ? null : { key: change.key, value: change.value, version, updatedAt: new Date() });
    }
    this.remembered.delete(conversationId);
    this.remembered.set(conversationId, { keys, docs });
    if (this.remembered.size > MAX_REMEMBERED) this.remembered.delete(this.remembered.keys().next().value as string);
  }
}
