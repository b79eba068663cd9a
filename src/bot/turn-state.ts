import type { Activity, StatePropertyAccessor, Storage, StoreItems, TurnContext } from 'botbuilder';
import type { DocumentChange } from '../storage/store.js';

/** The two places a turn keeps state: its conversation's and its user's. */
export type StateScope = 'conversation' | 'user';
export type StateBag = Record<string, unknown>;
export type StateKeys = Readonly<Record<StateScope, string>>;

/**
 * The keys botbuilder's ConversationState and UserState use (empty namespace), so state stored
 * by either reads the same.
 */
export function stateKeys(activity: Partial<Activity>): StateKeys {
  const channelId = activity.channelId;
  const conversationId = activity.conversation?.id;
  const userId = activity.from?.id;
  if (!channelId || !conversationId || !userId) throw new Error('a turn needs activity.channelId, conversation.id and from.id');
  return { conversation: `${channelId}/conversations/${conversationId}/`, user: `${channelId}/users/${userId}/` };
}

/** The turn's state on `context.turnState`: set by the channel that runs the turn, or by the bot itself. */
export const TURN_STATE = Symbol('rahnama turn state');

/** A property without a value, or an empty object, is not stored: a turn that only looked writes nothing. */
function stored(bag: StateBag): StateBag {
  return Object.fromEntries(Object.entries(bag).filter(([, v]) => v !== undefined && !(typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0)));
}
const isEmpty = (bag: StateBag) => Object.keys(bag).length === 0;

/**
 * One turn's state (grammY's session pattern): read once when the turn begins, changed in memory
 * by the handlers, and written once when it ends. Each scope remembers the version it was read
 * at, so the write is refused if another turn wrote it meanwhile.
 */
export class TurnState {
  private readonly bags: Record<StateScope, StateBag>;
  private readonly read: Record<StateScope, { json: string; version?: string }>;
  private forgotten = false;
  private readonly afterWrite: (() => Promise<void> | void)[] = [];

  /** `items`: what was stored under `keys` (botbuilder's form: each item's eTag is its version). */
  constructor(readonly keys: StateKeys, items: StoreItems) {
    const scope = (key: string) => {
      // A copy: the handlers change it in place, and what was read (or remembered) must not change with it.
      const { eTag, ...value } = structuredClone(items[key] ?? {}) as StateBag & { eTag?: string };
      return { bag: value, read: { json: JSON.stringify(stored(value)), version: items[key] ? eTag : undefined } };
    };
    const conversation = scope(keys.conversation);
    const user = scope(keys.user);
    this.bags = { conversation: conversation.bag, user: user.bag };
    this.read = { conversation: conversation.read, user: user.read };
  }

  bag(scope: StateScope): StateBag {
    return this.bags[scope];
  }

  /** The user asked to be forgotten: both scopes are deleted at the end of the turn, nothing written. */
  forget(): void {
    this.forgotten = true;
  }

  get isForgotten(): boolean {
    return this.forgotten;
  }

  /**
   * Something to do once the turn's state is written (counts for the dashboard): a turn whose
   * write is refused and run again does not count twice.
   */
  onCommitted(task: () => Promise<void> | void): void {
    this.afterWrite.push(task);
  }

  /** Runs what waited for the write. */
  async committed(): Promise<void> {
    await Promise.all(this.afterWrite.splice(0).map((task) => task()));
  }

  /**
   * What to write at the end of the turn: each scope that changed, at the version it was read at
   * (`null`: it must still not exist), or deleted. Nothing for a scope that did not change.
   */
  changes(): DocumentChange<StateBag>[] {
    const changes: DocumentChange<StateBag>[] = [];
    for (const scope of ['conversation', 'user'] as const) {
      const key = this.keys[scope];
      const { json, version } = this.read[scope];
      if (this.forgotten) {
        if (version !== undefined) changes.push({ key, value: null });
        continue;
      }
      const value = stored(this.bags[scope]);
      if (JSON.stringify(value) === json) continue;
      if (isEmpty(value)) {
        if (version !== undefined) changes.push({ key, value: null, ifVersion: version });
      } else {
        changes.push({ key, value, ifVersion: version ?? null });
      }
    }
    return changes;
  }
}

/** Where the bot core's state lives: read once per turn, written once. */
export interface TurnStateStore {
  load(keys: StateKeys): Promise<TurnState>;
  /** Writes the turn's changes (one atomic write where the storage has one). */
  save(state: TurnState): Promise<void>;
}

/**
 * A TurnStateStore on any botbuilder Storage (MemoryStorage in tests): one read, then one write
 * and, for deleted scopes, one delete.
 */
export function turnStateOn(storage: Storage): TurnStateStore {
  return {
    load: async (keys) => new TurnState(keys, await storage.read([keys.conversation, keys.user])),
    save: async (state) => {
      const changes = state.changes();
      const writes = Object.fromEntries(changes.filter((c) => c.value !== null).map((c) => [c.key, { ...c.value, eTag: c.ifVersion ?? '*' }]));
      const deletes = changes.filter((c) => c.value === null).map((c) => c.key);
      if (Object.keys(writes).length > 0) await storage.write(writes);
      if (deletes.length > 0) await storage.delete(deletes);
    },
  };
}

/** The turn's state; throws outside a turn the bot (or its channel) began. */
export function turnStateOf(context: TurnContext): TurnState {
  const state = context.turnState.get(TURN_STATE) as TurnState | undefined;
  if (!state) throw new Error('no turn state: the turn did not go through RahnamaBot');
  return state;
}

/** One named property of a scope of the turn's state, as botbuilder's StatePropertyAccessor. */
export class TurnProperty<T> implements StatePropertyAccessor<T> {
  constructor(
    private readonly scope: StateScope,
    private readonly name: string,
  ) {}

  get(context: TurnContext): Promise<T | undefined>;
  get(context: TurnContext, defaultValue: T): Promise<T>;
  async get(context: TurnContext, defaultValue?: T): Promise<T | undefined> {
    const bag = turnStateOf(context).bag(this.scope);
    if (bag[this.name] === undefined && defaultValue !== undefined) bag[this.name] = typeof defaultValue === 'object' ? structuredClone(defaultValue) : defaultValue;
    return bag[this.name] as T | undefined;
  }

  async set(context: TurnContext, value: T): Promise<void> {
    turnStateOf(context).bag(this.scope)[this.name] = value;
  }

  async delete(context: TurnContext): Promise<void> {
    delete turnStateOf(context).bag(this.scope)[this.name];
  }
}
