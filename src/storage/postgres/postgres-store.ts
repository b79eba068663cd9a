import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import {
  checkCollectionName,
  checkKey,
  MAX_BROADCAST_LENGTH,
  VersionConflictError,
  type Broadcast,
  type Counters,
  type Counts,
  type DocumentChange,
  type Documents,
  type ListOptions,
  type Store,
  type StoredDocument,
  type StoreHealth,
  type WriteOptions,
} from '../store.js';
import { migrate } from './migrations.js';

/**
 * The Store on PostgreSQL (`DATABASE_URL`), shared by every instance using the same database.
 * Each method is one statement (or one transaction), so instances never need to coordinate:
 * conditional writes are decided by the database, counters are added to in place, and
 * broadcasts travel by LISTEN/NOTIFY. Schema: `migrations.ts`, applied by `open`.
 */

export type Log = (level: 'info' | 'warn', msg: string) => void;

export interface PostgresStoreOptions {
  /** Where broadcast reconnections and listener failures are reported; default nowhere. */
  readonly log?: Log;
  /** Most connections in the pool (a subscribed store holds one more, for LISTEN); default 10. */
  readonly max?: number;
}

/** A statement runner: the pool or a transaction. */
type Query = postgres.Sql | postgres.TransactionSql;

const HEALTH_TIMEOUT_MS = 1500;
const CLOSE_TIMEOUT_S = 5;

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly broadcast: PostgresBroadcast;

  private constructor(
    /** The postgres.js client, for PostgreSQL-only helpers (the rate-limit store). */
    readonly sql: postgres.Sql,
    log: Log,
  ) {
    this.broadcast = new PostgresBroadcast(sql, log);
  }

  /** Connects, brings the schema up to date, and returns the store. */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const sql = postgres(url, {
      max: options.max ?? 10,
      connect_timeout: 5,
      // Idle connections go after a minute: a quiet instance does not hold a full pool.
      idle_timeout: 60,
      // Notices ("relation already exists, skipping") are not for the application log.
      onnotice: () => {},
      // No column or value transforms: rows come back with the names and types the SQL gives.
      transform: undefined,
    });
    const log = options.log ?? (() => {});
    try {
      const applied = await migrate(sql);
      if (applied.length > 0) log('info', `database schema migrated to version ${applied.at(-1)} (applied ${applied.join(', ')})`);
    } catch (error) {
      await sql.end({ timeout: 1 });
      throw error;
    }
    return new PostgresStore(sql, log);
  }

  documents<T>(collection: string): Documents<T> {
    return new PostgresDocuments<T>(this.sql, checkCollectionName(collection));
  }

  counters(collection: string): Counters {
    return new PostgresCounters(this.sql, checkCollectionName(collection));
  }

  async health(): Promise<StoreHealth> {
    const query = this.sql`select 1`;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${HEALTH_TIMEOUT_MS} ms`)), HEALTH_TIMEOUT_MS);
    });
    try {
      await Promise.race([query, timeout]);
      return { ok: true };
    } catch (error) {
      // A query still queued for a connection (the server is gone) must not run much later.
      void query.cancel();
      query.catch(() => {});
      return { ok: false, problem: `PostgreSQL is not answering: ${(error as Error).message}` };
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.broadcast.stop();
    await this.sql.end({ timeout: CLOSE_TIMEOUT_S });
  }
}

interface DocumentRow {
  key: string;
  value: unknown;
  version: string;
  updated_at: Date;
}

function toDocument<T>(row: DocumentRow): StoredDocument<T> {
  return { key: row.key, value: row.value as T, version: row.version, updatedAt: row.updated_at };
}

/**
 * JSON goes in as text parameters (type oid 25) cast to jsonb in SQL: an untyped string would be
 * typed jsonb by the server and JSON-encoded a second time, and `sql.json(null)` would be SQL
 * NULL rather than the JSON value null.
 */
const TEXT = 25;

/** The JSON text of a value to store; refuses what JSON cannot hold. */
function toJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new Error('document value must be JSON (got undefined, a function or a symbol)');
  return json;
}

/**
 * The least string above every string starting with `prefix`, in code point order (how "C"
 * compares UTF-8), or undefined when there is none. A range (`key >= prefix and key < end`)
 * uses the primary key index, and `%` and `_` mean nothing in it, unlike in LIKE.
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = Array.from(prefix, (c) => c.codePointAt(0)!);
  while (points.length > 0) {
    const last = points.pop()!;
    if (last < 0x10ffff) {
      points.push(last === 0xd7ff ? 0xe000 : last + 1); // skip the surrogates: not characters
      return String.fromCodePoint(...points);
    }
  }
  return undefined;
}

function keyRange(sql: Query, prefix: string | undefined): postgres.Fragment {
  if (!prefix) return sql``;
  const end = prefixEnd(prefix);
  return end === undefined ? sql`and key >= ${prefix}` : sql`and key >= ${prefix} and key < ${end}`;
}

/**
 * Writes one document in one statement, so the condition is checked by the database itself:
 * an upsert when unconditional, an insert that skips an existing row for `null`, an update
 * of the expected version otherwise. Returns false when the condition did not hold.
 */
async function writeOne(sql: Query, collection: string, key: string, json: string, version: string, at: Date, ifVersion: string | null | undefined): Promise<boolean> {
  if (ifVersion === undefined) {
    await sql`
      insert into documents (collection, key, value, version, updated_at)
      values (${collection}, ${key}, ${sql.typed(json, TEXT)}::jsonb, ${version}, ${at})
      on conflict (collection, key) do update
      set value = excluded.value, version = excluded.version, updated_at = excluded.updated_at`;
    return true;
  }
  if (ifVersion === null) {
    const rows = await sql`
      insert into documents (collection, key, value, version, updated_at)
      values (${collection}, ${key}, ${sql.typed(json, TEXT)}::jsonb, ${version}, ${at})
      on conflict (collection, key) do nothing
      returning 1`;
    return rows.length === 1;
  }
  const rows = await sql`
    update documents set value = ${sql.typed(json, TEXT)}::jsonb, version = ${version}, updated_at = ${at}
    where collection = ${collection} and key = ${key} and version = ${ifVersion}
    returning 1`;
  return rows.length === 1;
}

class PostgresDocuments<T> implements Documents<T> {
  constructor(
    private readonly sql: postgres.Sql,
    private readonly collection: string,
  ) {}

  async get(key: string): Promise<StoredDocument<T> | undefined> {
    const [row] = await this.sql<DocumentRow[]>`
      select key, value, version, updated_at from documents
      where collection = ${this.collection} and key = ${checkKey(key)}`;
    return row && toDocument<T>(row);
  }

  async getMany(keys: readonly string[]): Promise<StoredDocument<T>[]> {
    if (keys.length === 0) return [];
    keys.forEach(checkKey);
    const rows = await this.sql<DocumentRow[]>`
      select key, value, version, updated_at from documents
      where collection = ${this.collection} and key = any(${[...keys]}::text[])`;
    const byKey = new Map(rows.map((r) => [r.key, toDocument<T>(r)]));
    return keys.flatMap((k) => byKey.get(k) ?? []);
  }

  async put(key: string, value: T, options: WriteOptions = {}): Promise<string> {
    const version = randomUUID();
    const written = await writeOne(this.sql, this.collection, checkKey(key), toJson(value), version, options.at ?? new Date(), options.ifVersion);
    if (!written) throw new VersionConflictError([key]);
    return version;
  }

  /**
   * In one transaction, optimistically: each write checks its own condition in the database, so
   * the usual case is the writes alone. They go in key order, so two applies touching the same
   * rows lock them in the same order and cannot deadlock. On the first refused write the
   * transaction rolls back, and the changes not tried yet are checked too, so the error names
   * every conflicting key.
   */
  async apply(changes: readonly DocumentChange<T>[], at = new Date()): Promise<ReadonlyMap<string, string>> {
    const versions = new Map<string, string>();
    if (changes.length === 0) return versions;
    const keys = changes.map((c) => checkKey(c.key));
    if (new Set(keys).size !== keys.length) throw new Error('apply: each key at most once');
    const ordered = [...changes].sort((a, b) => (a.key < b.key ? -1 : 1));
    await this.sql.begin(async (tx) => {
      for (const [i, change] of ordered.entries()) {
        const version = randomUUID();
        if (await this.applyOne(tx, change, change.value === null ? null : toJson(change.value), version, at)) {
          if (change.value !== null) versions.set(change.key, version);
          continue;
        }
        const rest = ordered.slice(i + 1);
        const rows = await tx<{ key: string; version: string }[]>`
          select key, version from documents
          where collection = ${this.collection} and key = any(${rest.map((c) => c.key)}::text[])`;
        const stored = new Map(rows.map((r) => [r.key, r.version]));
        const later = rest.filter((c) => c.ifVersion !== undefined && (c.ifVersion ?? undefined) !== stored.get(c.key)).map((c) => c.key);
        throw new VersionConflictError([change.key, ...later]);
      }
    });
    return versions;
  }

  /** One change of `apply`, its condition checked by the statement itself; false when it does not hold. */
  private async applyOne(tx: Query, change: DocumentChange<T>, json: string | null, version: string, at: Date): Promise<boolean> {
    if (json !== null) return writeOne(tx, this.collection, change.key, json, version, at, change.ifVersion);
    if (change.ifVersion === null) {
      const rows = await tx`select 1 from documents where collection = ${this.collection} and key = ${change.key}`;
      return rows.length === 0;
    }
    const rows = await tx`
      delete from documents where collection = ${this.collection} and key = ${change.key}
      ${change.ifVersion === undefined ? tx`` : tx`and version = ${change.ifVersion}`}
      returning 1`;
    return change.ifVersion === undefined || rows.length === 1;
  }

  async delete(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    keys.forEach(checkKey);
    const result = await this.sql`delete from documents where collection = ${this.collection} and key = any(${[...keys]}::text[])`;
    return result.count;
  }

  async list(options: ListOptions = {}): Promise<StoredDocument<T>[]> {
    const { sql } = this;
    const rows = await sql<DocumentRow[]>`
      select key, value, version, updated_at from documents
      where collection = ${this.collection} ${keyRange(sql, options.prefix)}
      ${options.after === undefined ? sql`` : sql`and key > ${options.after}`}
      order by key
      ${options.limit === undefined ? sql`` : sql`limit ${options.limit}`}`;
    return rows.map((r) => toDocument<T>(r));
  }

  async deleteWrittenBefore(cutoff: Date, options: Pick<ListOptions, 'prefix'> = {}): Promise<number> {
    const result = await this.sql`
      delete from documents
      where collection = ${this.collection} and updated_at < ${cutoff} ${keyRange(this.sql, options.prefix)}`;
    return result.count;
  }
}

class PostgresCounters implements Counters {
  constructor(
    private readonly sql: postgres.Sql,
    private readonly collection: string,
  ) {}

  /**
   * One upsert: a new key takes the deltas as they are; an existing one gets, for every name in
   * either, old + delta (a missing side counts 0). The row lock makes concurrent adds queue.
   */
  async add(key: string, deltas: Counts): Promise<Counts> {
    checkKey(key);
    for (const [name, delta] of Object.entries(deltas)) {
      if (!Number.isSafeInteger(delta)) throw new Error(`counter "${name}": ${delta} is not a whole number`);
    }
    const [row] = await this.sql<{ counts: Counts }[]>`
      insert into counters as c (collection, key, counts)
      values (${this.collection}, ${key}, ${this.sql.typed(JSON.stringify(deltas), TEXT)}::jsonb)
      on conflict (collection, key) do update set counts = (
        select coalesce(jsonb_object_agg(name, coalesce((c.counts ->> name)::numeric, 0) + coalesce((excluded.counts ->> name)::numeric, 0)), '{}')
        from (select jsonb_object_keys(c.counts) union select jsonb_object_keys(excluded.counts)) as names (name)
      )
      returning counts`;
    return row!.counts;
  }

  async list(options: Pick<ListOptions, 'prefix'> = {}): Promise<{ readonly key: string; readonly counts: Counts }[]> {
    const rows = await this.sql<{ key: string; counts: Counts }[]>`
      select key, counts from counters
      where collection = ${this.collection} ${keyRange(this.sql, options.prefix)}
      order by key`;
    return rows.map((r) => ({ key: r.key, counts: r.counts }));
  }
}

/** The one NOTIFY channel of the store; topics travel inside the payload. */
const CHANNEL = 'rahnama';
/** NOTIFY takes payloads under 8000 bytes; larger messages go in parts (see `publish`). */
const MAX_PAYLOAD_BYTES = 7900;
/** Characters of a part: at most 3 bytes each in UTF-8, so a part fits with its header. */
const PART_LENGTH = 2500;
const PART = /^#([0-9a-f-]+):(\d+):(\d+):/;

interface Subscriber {
  readonly topic: string;
  readonly listener: (message: string) => void;
  readonly onReconnect: (() => void) | undefined;
}

/**
 * Broadcast by LISTEN/NOTIFY on one channel. The store LISTENs once, on the first subscription,
 * on a connection of its own that postgres.js re-establishes after a loss; it then calls
 * `onlisten` again, which is how subscribers learn that they may have missed messages.
 */
class PostgresBroadcast implements Broadcast {
  private readonly subscribers = new Set<Subscriber>();
  /** Settles when the LISTEN is in place (or its first attempt failed). */
  private ready: Promise<void> | undefined;
  private listenedBefore = false;
  /** Parts of long messages still arriving, by message id. */
  private readonly parts = new Map<string, string[]>();
  private stopped = false;

  constructor(
    private readonly sql: postgres.Sql,
    private readonly log: Log,
  ) {}

  /**
   * A message and its topic go as one JSON payload. One too long for NOTIFY (4000 characters of
   * Farsi are 8000 bytes) goes as numbered parts, all in one transaction: PostgreSQL delivers a
   * transaction's notifications together and in order, or not at all.
   */
  async publish(topic: string, message: string): Promise<void> {
    if (message.length > MAX_BROADCAST_LENGTH) throw new Error(`broadcast message over ${MAX_BROADCAST_LENGTH} characters`);
    const payload = JSON.stringify({ topic, message });
    if (Buffer.byteLength(payload) <= MAX_PAYLOAD_BYTES) {
      await this.sql`select pg_notify(${CHANNEL}, ${payload})`;
      return;
    }
    const pieces = splitText(payload, PART_LENGTH);
    const id = randomUUID();
    await this.sql.begin(async (tx) => {
      for (const [i, piece] of pieces.entries()) await tx`select pg_notify(${CHANNEL}, ${`#${id}:${i}:${pieces.length}:${piece}`})`;
    });
  }

  async subscribe(topic: string, listener: (message: string) => void, onReconnect?: () => void): Promise<() => Promise<void>> {
    if (this.stopped) throw new Error('store closed');
    const subscriber: Subscriber = { topic, listener, onReconnect };
    this.subscribers.add(subscriber);
    try {
      await this.listen();
    } catch (error) {
      this.subscribers.delete(subscriber);
      throw error;
    }
    // The LISTEN stays for the life of the store: one idle connection, and no race with the next subscriber.
    return async () => {
      this.subscribers.delete(subscriber);
    };
  }

  stop(): void {
    this.stopped = true;
    this.subscribers.clear();
  }

  /**
   * LISTENs once for the life of the store. If the first attempt fails (server down), postgres.js
   * keeps retrying in the background with the same callbacks, so this never LISTENs twice (which
   * would deliver twice); `listened` marks the store ready when a retry gets through.
   */
  private listen(): Promise<void> {
    this.ready ??= new Promise<void>((resolve, reject) => {
      this.sql.listen(CHANNEL, (payload) => this.received(payload), () => {
        this.listened();
        resolve();
      }).catch(reject);
    });
    return this.ready;
  }

  private listened(): void {
    this.ready = Promise.resolve();
    if (!this.listenedBefore) {
      this.listenedBefore = true;
      return;
    }
    // Back after a lost connection: whatever was published meanwhile is gone.
    this.parts.clear();
    this.log('info', 'PostgreSQL broadcast listener reconnected');
    for (const s of [...this.subscribers]) this.call(() => s.onReconnect?.());
  }

  private received(payload: string): void {
    const part = PART.exec(payload);
    if (part) {
      const [header, id, index, count] = part as unknown as [string, string, string, string];
      const parts = this.parts.get(id) ?? [];
      parts[Number(index)] = payload.slice(header.length);
      if (parts.filter((p) => p !== undefined).length < Number(count)) {
        this.parts.set(id, parts);
        return;
      }
      this.parts.delete(id);
      payload = parts.join('');
    }
    let topic: unknown;
    let message: unknown;
    try {
      ({ topic, message } = JSON.parse(payload) as { topic: unknown; message: unknown });
    } catch {
      this.log('warn', `PostgreSQL broadcast: ignored a payload that is not JSON on channel ${CHANNEL}`);
      return;
    }
    for (const s of [...this.subscribers]) {
      if (s.topic === topic) this.call(() => s.listener(message as string));
    }
  }

  /** One subscriber failing must not keep the message from the others. */
  private call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.log('warn', `broadcast subscriber failed: ${(error as Error).message}`);
    }
  }
}

/** Pieces of at most `length` UTF-16 units, never splitting a surrogate pair (a lone half would not survive UTF-8). */
function splitText(text: string, length: number): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < text.length; ) {
    let end = Math.min(start + length, text.length);
    const code = text.charCodeAt(end - 1);
    if (end < text.length && code >= 0xd800 && code <= 0xdbff) end--;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}
