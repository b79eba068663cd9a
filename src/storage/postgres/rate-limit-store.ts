import type { FastifyRateLimitOptions, FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type postgres from 'postgres';

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
export async function sweepExpiredRateLimits(sql: postgres.Sql): Promise<number> {
  const result = await sql`delete from rate_limits where reset_at <= now()`;
  return result.count;
}

/** The store constructor to pass as `store:` when registering `@fastify/rate-limit`. */
export function postgresRateLimitStore(sql: postgres.Sql): FastifyRateLimitStoreCtor {
  let lastSweep = 0;
  const sweepNow = () => {
    if (Date.now() - lastSweep < SWEEP_EVERY_MS) return;
    lastSweep = Date.now();
    // Best effort: a failed sweep only leaves rows for the next one.
    sweepExpiredRateLimits(sql).catch(() => {});
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
      sql<{ current: number; ttl: number }[]>`
        insert into rate_limits as r (key, count, reset_at)
        values (${this.prefix + key}, 1, now() + ${window} * interval '1 millisecond')
        on conflict (key) do update set
          count = case when r.reset_at <= now() then 1 else r.count + 1 end,
          reset_at = case
            when r.reset_at <= now() then now() + ${window} * interval '1 millisecond'
            when r.count + 1 > ${max} and ${this.continueExceeding}::boolean then now() + ${window} * interval '1 millisecond'
            when r.count + 1 > ${max} and ${this.exponentialBackoff}::boolean
              then now() + least(${window}::float8 * power(2, r.count - ${max}), ${MAX_WINDOW_MS}) * interval '1 millisecond'
            else r.reset_at
          end
        returning count as current, greatest(0, ceil(extract(epoch from reset_at - now()) * 1000))::float8 as ttl`.then(
        ([row]) => callback(null, row),
        (error: Error) => callback(error),
      );
    }

    /** The state of `key` without counting a request (the plugin's `{ increment: false }`). */
    read(key: string, callback: Callback): void {
      sql<{ current: number; ttl: number }[]>`
        select count as current, ceil(extract(epoch from reset_at - now()) * 1000)::float8 as ttl
        from rate_limits where key = ${this.prefix + key} and reset_at > now()`.then(
        ([row]) => callback(null, row ?? { current: 0, ttl: 0 }),
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
