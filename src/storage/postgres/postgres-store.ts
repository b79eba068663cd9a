import { randomUUID } from 'node:crypto';
import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import pg from 'pg';
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
import { connectionConfig, connectionError, Database, type Log, type Queryable } from './database.js';
import { migrate } from './migrations.js';
import { postgresRateLimitStore } from './rate-limit-store.js';

/**
 * The Store on PostgreSQL (`DATABASE_URL`), shared by every instance using the same database.
 * Each method is one statement (or one transaction), so instances never need to coordinate:
 * conditional writes are decided by the database, counters are added to in place, and
 * broadcasts travel by LISTEN/NOTIFY. Schema: `migrations.ts`, applied by `open`. The driver is
 * node-postgres: a pool for statements (`database.ts`), one connection of its own for LISTEN.
 */

export interface PostgresStoreOptions {
  /** Where lost connections, broadcast reconnections and listener failures are reported; default nowhere. */
  readonly log?: Log;
  /** Most connections in the pool (a subscribed store holds one more, for LISTEN); default 10. */
  readonly max?: number;
}

const HEALTH_TIMEOUT_MS = 1500;

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly broadcast: PostgresBroadcast;
  /** Rate limits in the same database, so every instance counts against one limit. */
  readonly rateLimitStore: FastifyRateLimitStoreCtor;

  private constructor(
    /** The connection pool, for PostgreSQL-only helpers and tests. */
    readonly database: Database,
    url: string,
    log: Log,
  ) {
    this.broadcast = new PostgresBroadcast(database, url, log);
    this.rateLimitStore = postgresRateLimitStore(database);
  }

  /** Connects, brings the schema up to date, and returns the store. */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const log = options.log ?? (() => {});
    const database = Database.open(url, { max: options.max, log });
    try {
      const applied = await migrate(database);
      if (applied.length > 0) log('info', `database schema migrated to version ${applied.at(-1)} (applied ${applied.join(', ')})`);
    } catch (error) {
      await database.close();
      throw error;
    }
    return new PostgresStore(database, url, log);
  }

  documents<T>(collection: string): Documents<T> {
    return new PostgresDocuments<T>(this.database, checkCollectionName(collection));
  }

  counters(collection: string): Counters {
    return new PostgresCounters(this.database, checkCollectionName(collection));
  }

  async health(): Promise<StoreHealth> {
    const query = this.database.query('select 1');
    // Still waiting for a connection when the timeout wins, it gives up by itself (the pool's connect timeout).
    query.catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${HEALTH_TIMEOUT_MS} ms`)), HEALTH_TIMEOUT_MS);
    });
    try {
      await Promise.race([query, timeout]);
      return { ok: true };
    } catch (error) {
      return { ok: false, problem: `PostgreSQL is not answering: ${(error as Error).message}` };
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.broadcast.stop(), this.database.close()]);
  }
}

type DocumentRow = {
  key: string;
  value: unknown;
  version: string;
  updated_at: Date;
};

function toDocument<T>(row: DocumentRow): StoredDocument<T> {
  return { key: row.key, value: row.value as T, version: row.version, updatedAt: row.updated_at };
}

/**
 * The JSON text of a value to store; refuses what JSON cannot hold. It goes in as a text
 * parameter cast to jsonb in SQL (`$n::jsonb`): node-postgres would JSON-encode an object itself,
 * but turn `null` into SQL NULL rather than the JSON value null.
 */
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

/** The values of a statement being put together, each added where it is used: `add(v)` is its `$n`. */
class Parameters {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

function keyRange(params: Parameters, prefix: string | undefined): string {
  if (!prefix) return '';
  const end = prefixEnd(prefix);
  return end === undefined ? `and key >= ${params.add(prefix)}` : `and key >= ${params.add(prefix)} and key < ${params.add(end)}`;
}

/**
 * Writes one document in one statement, so the condition is checked by the database itself:
 * an upsert when unconditional, an insert that skips an existing row for `null`, an update
 * of the expected version otherwise. Returns false when the condition did not hold.
 */
async function writeOne(db: Queryable, collection: string, key: string, json: string, version: string, at: Date, ifVersion: string | null | undefined): Promise<boolean> {
  if (ifVersion === undefined) {
    await db.query(
      `insert into documents (collection, key, value, version, updated_at)
      values ($1, $2, $3::jsonb, $4, $5)
      on conflict (collection, key) do update
      set value = excluded.value, version = excluded.version, updated_at = excluded.updated_at`,
      [collection, key, json, version, at],
    );
    return true;
  }
  if (ifVersion === null) {
    const { rowCount } = await db.query(
      `insert into documents (collection, key, value, version, updated_at)
      values ($1, $2, $3::jsonb, $4, $5)
      on conflict (collection, key) do nothing`,
      [collection, key, json, version, at],
    );
    return rowCount === 1;
  }
  const { rowCount } = await db.query(
    `update documents set value = $3::jsonb, version = $4, updated_at = $5
    where collection = $1 and key = $2 and version = $6`,
    [collection, key, json, version, at, ifVersion],
  );
  return rowCount === 1;
}

class PostgresDocuments<T> implements Documents<T> {
  constructor(
    private readonly database: Database,
    private readonly collection: string,
  ) {}

  async get(key: string): Promise<StoredDocument<T> | undefined> {
    const { rows } = await this.database.query<DocumentRow>(
      'select key, value, version, updated_at from documents where collection = $1 and key = $2',
      [this.collection, checkKey(key)],
    );
    return rows[0] && toDocument<T>(rows[0]);
  }

  async getMany(keys: readonly string[]): Promise<StoredDocument<T>[]> {
    if (keys.length === 0) return [];
    keys.forEach(checkKey);
    const { rows } = await this.database.query<DocumentRow>(
      'select key, value, version, updated_at from documents where collection = $1 and key = any($2::text[])',
      [this.collection, [...keys]],
    );
    const byKey = new Map(rows.map((r) => [r.key, toDocument<T>(r)]));
    return keys.flatMap((k) => byKey.get(k) ?? []);
  }

  async put(key: string, value: T, options: WriteOptions = {}): Promise<string> {
    const version = randomUUID();
    const written = await writeOne(this.database, this.collection, checkKey(key), toJson(value), version, options.at ?? new Date(), options.ifVersion);
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
    await this.database.transaction(async (tx) => {
      for (const [i, change] of ordered.entries()) {
        const version = randomUUID();
        if (await this.applyOne(tx, change, change.value === null ? null : toJson(change.value), version, at)) {
          if (change.value !== null) versions.set(change.key, version);
          continue;
        }
        const rest = ordered.slice(i + 1);
        const { rows } = await tx.query<{ key: string; version: string }>(
          'select key, version from documents where collection = $1 and key = any($2::text[])',
          [this.collection, rest.map((c) => c.key)],
        );
        const stored = new Map(rows.map((r) => [r.key, r.version]));
        const later = rest.filter((c) => c.ifVersion !== undefined && (c.ifVersion ?? undefined) !== stored.get(c.key)).map((c) => c.key);
        throw new VersionConflictError([change.key, ...later]);
      }
    });
    return versions;
  }

  /** One change of `apply`, its condition checked by the statement itself; false when it does not hold. */
  private async applyOne(tx: Queryable, change: DocumentChange<T>, json: string | null, version: string, at: Date): Promise<boolean> {
    if (json !== null) return writeOne(tx, this.collection, change.key, json, version, at, change.ifVersion);
    if (change.ifVersion === null) {
      const { rowCount } = await tx.query('select 1 from documents where collection = $1 and key = $2', [this.collection, change.key]);
      return rowCount === 0;
    }
    if (change.ifVersion === undefined) {
      await tx.query('delete from documents where collection = $1 and key = $2', [this.collection, change.key]);
      return true;
    }
    const { rowCount } = await tx.query('delete from documents where collection = $1 and key = $2 and version = $3', [this.collection, change.key, change.ifVersion]);
    return rowCount === 1;
  }

  async delete(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    keys.forEach(checkKey);
    const { rowCount } = await this.database.query('delete from documents where collection = $1 and key = any($2::text[])', [this.collection, [...keys]]);
    return rowCount ?? 0;
  }

  async list(options: ListOptions = {}): Promise<StoredDocument<T>[]> {
    const params = new Parameters();
    const { rows } = await this.database.query<DocumentRow>(
      `select key, value, version, updated_at from documents
      where collection = ${params.add(this.collection)} ${keyRange(params, options.prefix)}
      ${options.after === undefined ? '' : `and key > ${params.add(options.after)}`}
      order by key
      ${options.limit === undefined ? '' : `limit ${params.add(options.limit)}`}`,
      params.values,
    );
    return rows.map((r) => toDocument<T>(r));
  }

  async deleteWrittenBefore(cutoff: Date, options: Pick<ListOptions, 'prefix'> = {}): Promise<number> {
    const params = new Parameters();
    const { rowCount } = await this.database.query(
      `delete from documents
      where collection = ${params.add(this.collection)} and updated_at < ${params.add(cutoff)} ${keyRange(params, options.prefix)}`,
      params.values,
    );
    return rowCount ?? 0;
  }
}

class PostgresCounters implements Counters {
  constructor(
    private readonly database: Database,
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
    const { rows } = await this.database.query<{ counts: Counts }>(
      `insert into counters as c (collection, key, counts)
      values ($1, $2, $3::jsonb)
      on conflict (collection, key) do update set counts = (
        select coalesce(jsonb_object_agg(name, coalesce((c.counts ->> name)::numeric, 0) + coalesce((excluded.counts ->> name)::numeric, 0)), '{}')
        from (select jsonb_object_keys(c.counts) union select jsonb_object_keys(excluded.counts)) as names (name)
      )
      returning counts`,
      [this.collection, key, JSON.stringify(deltas)],
    );
    return rows[0]!.counts;
  }

  async list(options: Pick<ListOptions, 'prefix'> = {}): Promise<{ readonly key: string; readonly counts: Counts }[]> {
    const params = new Parameters();
    const { rows } = await this.database.query<{ key: string; counts: Counts }>(
      `select key, counts from counters
      where collection = ${params.add(this.collection)} ${keyRange(params, options.prefix)}
      order by key`,
      params.values,
    );
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

/** Waits between attempts to LISTEN again after a lost connection: doubling from the first to the most. */
const RELISTEN_DELAY_MS = { first: 250, most: 5000 };

/**
 * Broadcast by LISTEN/NOTIFY on one channel. The store LISTENs once, on the first subscription,
 * on a connection of its own (a pooled one would go back to the pool and stop listening). When
 * that connection is lost it is opened again, with growing waits, until it LISTENs again;
 * subscribers are then told (`onReconnect`) that they may have missed messages.
 */
class PostgresBroadcast implements Broadcast {
  private readonly subscribers = new Set<Subscriber>();
  /** Settles when the LISTEN is in place (or its first attempt failed). */
  private ready: Promise<void> | undefined;
  private listenedBefore = false;
  /** The LISTEN connection while it is open or opening. */
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private retryDelay = RELISTEN_DELAY_MS.first;
  /** Parts of long messages still arriving, by message id. */
  private readonly parts = new Map<string, string[]>();
  private stopped = false;

  constructor(
    private readonly database: Database,
    private readonly url: string,
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
      await this.database.query('select pg_notify($1, $2)', [CHANNEL, payload]);
      return;
    }
    const pieces = splitText(payload, PART_LENGTH);
    const id = randomUUID();
    await this.database.transaction(async (tx) => {
      for (const [i, piece] of pieces.entries()) await tx.query('select pg_notify($1, $2)', [CHANNEL, `#${id}:${i}:${pieces.length}:${piece}`]);
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

  async stop(): Promise<void> {
    this.stopped = true;
    this.subscribers.clear();
    clearTimeout(this.retry);
    await this.client?.end().catch(() => {});
  }

  /**
   * LISTENs once for the life of the store. If the first attempt fails (server down), the
   * subscription fails, and attempts go on in the background, one connection at a time, so this
   * never LISTENs twice (which would deliver twice); `listened` marks the store ready when one
   * gets through.
   */
  private listen(): Promise<void> {
    this.ready ??= this.connect();
    return this.ready;
  }

  /** Opens the LISTEN connection; on failure, or when it is later lost, the next attempt is scheduled. */
  private async connect(): Promise<void> {
    const client = new pg.Client(connectionConfig(this.url));
    this.client = client;
    let lost = false;
    const onLost = (error: Error | undefined, established: boolean) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      void client.end().catch(() => {});
      if (this.stopped) return;
      if (established) this.log('warn', `PostgreSQL broadcast listener lost its connection${error ? ` (${error.message})` : ''}; listening again once it is back`);
      this.retry = setTimeout(() => {
        this.retry = undefined;
        // A failed attempt schedules the next one itself.
        this.connect().catch(() => {});
      }, this.retryDelay);
      this.retry.unref();
      this.retryDelay = Math.min(this.retryDelay * 2, RELISTEN_DELAY_MS.most);
    };
    let established = false;
    // Without these listeners a lost connection would end the process.
    client.on('error', (error) => onLost(error, established));
    client.on('end', () => onLost(undefined, established));
    client.on('notification', ({ channel, payload }) => {
      if (channel === CHANNEL && payload !== undefined) this.received(payload);
    });
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}`);
    } catch (error) {
      onLost(error as Error, false);
      throw connectionError(error);
    }
    if (this.stopped) {
      await client.end().catch(() => {});
      return;
    }
    established = true;
    this.retryDelay = RELISTEN_DELAY_MS.first;
    this.listened();
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
