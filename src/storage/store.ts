import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';

/**
 * The one storage interface everything the server keeps goes through, with two backends chosen
 * by configuration: embedded (JSON files under DATA_DIR, or memory only) and PostgreSQL
 * (`DATABASE_URL`). Three kinds of data cover every store: documents (JSON values under keys,
 * each write giving a new version, so writers can refuse to overwrite what they have not seen),
 * counters (named numbers added to atomically, for aggregates) and a broadcast between the
 * instances sharing the store.
 */

/** A stored JSON value, its version (changed by every write) and when it was last written. */
export interface StoredDocument<T> {
  readonly key: string;
  readonly value: T;
  readonly version: string;
  readonly updatedAt: Date;
}

/** A write refused because a document was not at the version the writer expected. */
export class VersionConflictError extends Error {
  constructor(readonly keys: readonly string[]) {
    super(`version conflict on ${keys.join(', ')}`);
    this.name = 'VersionConflictError';
  }
}

export interface WriteOptions {
  /**
   * Only write if the stored document is at this version (a string), or does not exist (`null`);
   * otherwise the write is refused with `VersionConflictError`. Absent: write unconditionally.
   */
  readonly ifVersion?: string | null;
  /** The write time to record (tests); default now. */
  readonly at?: Date;
}

/** One change of `Documents.apply`: a value to write, or `null` to delete the key. */
export interface DocumentChange<T> extends Pick<WriteOptions, 'ifVersion'> {
  readonly key: string;
  readonly value: T | null;
}

export interface ListOptions {
  /** Only keys that start with this. */
  readonly prefix?: string;
  /** Only keys greater than this one (keys compare by UTF-16 code units, as JavaScript strings do: ASCII keys sort alike everywhere). */
  readonly after?: string;
  /** At most this many documents. */
  readonly limit?: number;
}

/** A named collection of documents. Keys: any non-empty string of at most 512 characters. */
export interface Documents<T> {
  get(key: string): Promise<StoredDocument<T> | undefined>;
  /** The documents that exist among `keys`, in the order of `keys`. */
  getMany(keys: readonly string[]): Promise<StoredDocument<T>[]>;
  /** Writes one document; returns its new version. */
  put(key: string, value: T, options?: WriteOptions): Promise<string>;
  /** Writes and deletes several documents at once: all of them, or (on a conflict) none. Returns the written keys' new versions. */
  apply(changes: readonly DocumentChange<T>[], at?: Date): Promise<ReadonlyMap<string, string>>;
  /** Deletes documents; returns how many existed. */
  delete(keys: readonly string[]): Promise<number>;
  /** Documents in key order. */
  list(options?: ListOptions): Promise<StoredDocument<T>[]>;
  /** Deletes documents last written before `cutoff` (retention); returns how many. */
  deleteWrittenBefore(cutoff: Date, options?: Pick<ListOptions, 'prefix'>): Promise<number>;
}

export type Counts = Readonly<Record<string, number>>;

/** A named collection of counters: under each key, named whole numbers. */
export interface Counters {
  /** Adds `deltas` to the key's counts in one atomic step (missing ones start at 0); returns the counts after. */
  add(key: string, deltas: Counts): Promise<Counts>;
  /** Counts in key order. */
  list(options?: Pick<ListOptions, 'prefix'>): Promise<{ readonly key: string; readonly counts: Counts }[]>;
}

/**
 * Messages to every instance sharing the store (this one included), for "something changed"
 * notices, not for data: a message may be lost while an instance is disconnected, so listeners
 * re-read what they need from documents. At most 4000 characters a message.
 */
export interface Broadcast {
  publish(topic: string, message: string): Promise<void>;
  /**
   * Calls `listener` with each message on `topic` until the returned function is called.
   * `onReconnect` is called when the subscription is back after a lost connection: messages
   * published meanwhile were missed, so the subscriber re-reads what it watches.
   */
  subscribe(topic: string, listener: (message: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
}

export interface StoreHealth {
  readonly ok: boolean;
  /** Why not, in words for an operator. */
  readonly problem?: string;
}

export interface Store {
  /** `embedded`: this process only; `postgres`: shared by every instance with the same DATABASE_URL. */
  readonly kind: 'embedded' | 'postgres';
  /** Collection names: lower-case letters, digits and `-`, starting with a letter. */
  documents<T>(collection: string): Documents<T>;
  counters(collection: string): Counters;
  readonly broadcast: Broadcast;
  /**
   * For `@fastify/rate-limit`: a rate-limit store in which every instance sharing this store
   * counts (PostgreSQL). Absent: each process counts alone (the embedded store).
   */
  readonly rateLimitStore?: FastifyRateLimitStoreCtor;
  /** Whether the store can be used right now (for /readyz). */
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}

/**
 * Whether an error means the store cannot be reached (rather than a bug or bad data): the
 * connection codes of Node's sockets and of the PostgreSQL driver, and the server's own
 * "shutting down / not ready" states (SQLSTATE class 57 and 08).
 */
export function isStoreUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|CONNECT_TIMEOUT|CONNECTION_CLOSED|CONNECTION_ENDED|CONNECTION_DESTROYED|57P0\d|08\d\d\d)$/.test(code);
}

const COLLECTION = /^[a-z][a-z0-9-]{0,62}$/;

/** Throws unless `name` is a valid collection name (both backends use it in file or row names). */
export function checkCollectionName(name: string): string {
  if (!COLLECTION.test(name)) throw new Error(`invalid collection name "${name}": lower-case letters, digits and -, starting with a letter`);
  return name;
}

export const MAX_KEY_LENGTH = 512;
export const MAX_BROADCAST_LENGTH = 4000;

export function checkKey(key: string): string {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) throw new Error(`document key must be 1 to ${MAX_KEY_LENGTH} characters`);
  return key;
}
