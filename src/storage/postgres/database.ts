import pg from 'pg';

/**
 * The connection pool of the PostgreSQL store (node-postgres), made safe to lose: every event a
 * lost connection raises has a listener (an unlistened 'error' event would end the process), and
 * the errors of a lost connection carry a code `isStoreUnavailable` knows, so the requests that
 * met them are answered 503 rather than 500.
 */

export type Log = (level: 'info' | 'warn', msg: string) => void;

export interface PoolOptions {
  /** Most connections; default 10. */
  readonly max?: number;
  /** Where lost connections are reported; default nowhere. */
  readonly log?: Log;
}

/** What runs statements: the pool, or the one connection of a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<pg.QueryResult<R>>;
}

/** Connecting (or waiting for a free connection) gives up after this, so nothing waits for a dead server for long. */
export const CONNECT_TIMEOUT_MS = 5000;
/** Idle connections go after a minute: a quiet instance does not hold a full pool. */
const IDLE_TIMEOUT_MS = 60_000;
/** How long `close` lets running statements finish before it cuts their connections. */
const CLOSE_TIMEOUT_MS = 5000;

/** Settings of every connection the store opens, the LISTEN connection's included. */
export function connectionConfig(url: string): pg.ClientConfig {
  // TCP keep-alive: a server that vanished without closing its sockets is noticed.
  return { connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true };
}

/** An error of a lost or unreachable connection, under the code the rest of the store matches on. */
export class PostgresConnectionError extends Error {
  constructor(
    readonly code: 'CONNECTION_CLOSED' | 'CONNECTION_ENDED' | 'CONNECT_TIMEOUT',
    cause: Error,
  ) {
    super(cause.message, { cause });
    this.name = 'PostgresConnectionError';
  }
}

/**
 * node-postgres reports a lost connection by message only (socket errors and the server's own
 * SQLSTATE keep their codes and pass unchanged). These are its messages for it, in pg 8.
 */
const CONNECTION_ERRORS: readonly [RegExp, PostgresConnectionError['code']][] = [
  [/^Connection terminated due to connection timeout$|^timeout exceeded when trying to connect$/, 'CONNECT_TIMEOUT'],
  [/^Connection terminated|is not queryable$/, 'CONNECTION_CLOSED'],
  [/^Cannot use a pool after calling end on the pool$/, 'CONNECTION_ENDED'],
];

/** `error`, or a PostgresConnectionError when it is node-postgres saying the connection is gone. */
export function connectionError(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof pg.DatabaseError || (error as { code?: unknown }).code !== undefined) return error;
  const match = CONNECTION_ERRORS.find(([pattern]) => pattern.test(error.message));
  return match ? new PostgresConnectionError(match[1], error) : error;
}

async function run<R extends pg.QueryResultRow>(on: pg.Pool | pg.PoolClient, text: string, values: readonly unknown[] | undefined): Promise<pg.QueryResult<R>> {
  try {
    // Without values, the simple protocol: a migration may hold several statements.
    return await (values === undefined ? on.query<R>(text) : on.query<R>(text, values as unknown[]));
  } catch (error) {
    throw connectionError(error);
  }
}

export class Database implements Queryable {
  private readonly clients = new Set<pg.PoolClient>();

  private constructor(private readonly pool: pg.Pool) {}

  static open(url: string, options: PoolOptions = {}): Database {
    const log = options.log ?? (() => {});
    const pool = new pg.Pool({ ...connectionConfig(url), max: options.max ?? 10, idleTimeoutMillis: IDLE_TIMEOUT_MS });
    const database = new Database(pool);
    // An idle connection that breaks is dropped by the pool, which then emits this.
    pool.on('error', (error) => log('warn', `PostgreSQL connection lost: ${error.message}`));
    pool.on('connect', (client) => {
      database.clients.add(client);
      // A checked-out connection that breaks between statements emits 'error' with no pool listener
      // attached; its next statement fails and reports it, so here there is nothing more to do.
      client.on('error', () => {});
    });
    pool.on('remove', (client) => database.clients.delete(client));
    return database;
  }

  query<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<pg.QueryResult<R>> {
    return run<R>(this.pool, text, values);
  }

  /**
   * Runs `work` in one transaction on one connection (READ COMMITTED, the server's default): BEGIN,
   * then COMMIT if `work` resolves, ROLLBACK if it throws. A connection that failed is closed, not
   * returned to the pool.
   */
  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw connectionError(error);
    }
    const tx: Queryable = { query: (text, values) => run(client, text, values) };
    try {
      await tx.query('begin');
      const result = await work(tx);
      await tx.query('commit');
      client.release();
      return result;
    } catch (error) {
      try {
        await client.query('rollback');
        client.release();
      } catch (rollbackError) {
        client.release(rollbackError as Error);
      }
      throw error;
    }
  }

  /** Closes every connection, once running statements are done (or after 5 s, cutting them off). */
  async close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), CLOSE_TIMEOUT_MS);
    });
    try {
      if ((await Promise.race([this.pool.end(), late])) !== 'late') return;
      // Their statements fail, their holders release them, and the pool's end completes.
      for (const client of this.clients) void (client as pg.PoolClient & pg.Client).end().catch(() => {});
    } finally {
      clearTimeout(timer);
    }
  }
}
