import type { FastifyRateLimitOptions, FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Queryable } from './database.js';

/**
 * A `@fastify/rate-limit` store in PostgreSQL (table `rate_limits`, see `migrations.ts`), so every
 * instance counts against the same limit. Fixed windows, like the plugin's own stores: a key's
 * first request opens a window of `timeWindow` ms; each request in it adds one; the first
 * request after it ends starts a new one. The database's clock decides, so instances whose
 * clocks differ still agree. `continueExceeding` and `exponentialBackoff` behave as in the
 * plugin's Redis store.
 */

/** The plugin passes its options (the route's, for a route's child store). */
interface StoreOptions {
  readonly continueExceeding?: boolean;
  readonly exponentialBackoff?: boolean;
  readonly routeInfo?: { readonly method?: string | string[]; readonly url?: string };
}

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** How often one process deletes expired rows (the rows of keys that did not come back). */
const SWEEP_EVERY_MS = 60_000;
/** The longest window exponential backoff may grow to: ten years, well inside timestamptz. */
const MAX_WINDOW_MS = 10 * 365 * 86_400_000;

/** Deletes the rows whose window has ended; returns how many. `incr` calls it once a minute at most. */
export async function sweepExpiredRateLimits(database: Queryable): Promise<number> {
  const { rowCount } = await database.query('delete from rate_limits where reset_at <= now()');
  return rowCount ?? 0;
}

/** The store constructor to pass as `store:` when registering `@fastify/rate-limit`. */
export function postgresRateLimitStore(database: Queryable): FastifyRateLimitStoreCtor {
  let lastSweep = 0;
  const sweepNow = () => {
    if (Date.now() - lastSweep < SWEEP_EVERY_MS) return;
    lastSweep = Date.now();
    // Best effort: a failed sweep only leaves rows for the next one.
    sweepExpiredRateLimits(database).catch(() => {});
  };

  class PostgresRateLimitStore implements FastifyRateLimitStore {
    private readonly continueExceeding: boolean;
    private readonly exponentialBackoff: boolean;

    constructor(
      options: FastifyRateLimitOptions,
      /** Distinguishes routes with their own limits, like the Redis store's key prefix. */
      private readonly prefix = '',
    ) {
      const o = options as StoreOptions;
      this.continueExceeding = o.continueExceeding === true;
      this.exponentialBackoff = o.exponentialBackoff === true;
    }

    /**
     * One upsert, so concurrent requests from any instance each count exactly once: the row lock
     * orders them. In SET, `r.` is the row before this request. `ttl` is what is left of the window.
     */
    incr(key: string, callback: Callback, timeWindow: number, max: number): void {
      sweepNow();
      const window = Math.min(timeWindow, MAX_WINDOW_MS);
      // $1 key, $2 window (ms), $3 max, $4 continueExceeding, $5 exponentialBackoff, $6 the longest window (ms).
      database
        .query<{ current: number; ttl: number }>(
          `insert into rate_limits as r (key, count, reset_at)
          values ($1, 1, now() + $2::float8 * interval '1 millisecond')
          on conflict (key) do update set
            count = case when r.reset_at <= now() then 1 else r.count + 1 end,
            reset_at = case
              when r.reset_at <= now() then now() + $2::float8 * interval '1 millisecond'
              when r.count + 1 > $3::integer and $4::boolean then now() + $2::float8 * interval '1 millisecond'
              when r.count + 1 > $3::integer and $5::boolean
                then now() + least($2::float8 * power(2, r.count - $3::integer), $6::float8) * interval '1 millisecond'
              else r.reset_at
            end
          returning count as current, greatest(0, ceil(extract(epoch from reset_at - now()) * 1000))::float8 as ttl`,
          [this.prefix + key, window, max, this.continueExceeding, this.exponentialBackoff, MAX_WINDOW_MS],
        )
        .then(
          ({ rows }) => callback(null, rows[0]),
          (error: Error) => callback(error),
        );
    }

    /** The state of `key` without counting a request (the plugin's `{ increment: false }`). */
    read(key: string, callback: Callback): void {
      database
        .query<{ current: number; ttl: number }>(
          `select count as current, ceil(extract(epoch from reset_at - now()) * 1000)::float8 as ttl
          from rate_limits where key = $1 and reset_at > now()`,
          [this.prefix + key],
        )
        .then(
          ({ rows }) => callback(null, rows[0] ?? { current: 0, ttl: 0 }),
          (error: Error) => callback(error),
        );
    }

    child(routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
      const { routeInfo } = routeOptions as StoreOptions;
      const method = [routeInfo?.method ?? ''].flat().join(',');
      return new PostgresRateLimitStore(routeOptions as FastifyRateLimitOptions, `${this.prefix}${method}${routeInfo?.url ?? ''}-`);
    }
  }
  return PostgresRateLimitStore;
}
