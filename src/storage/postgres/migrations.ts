import type { Database } from './database.js';

/**
 * The PostgreSQL schema, as the ordered list of changes that build it. A released migration is
 * never edited: a later change to the schema is a new entry with the next version. Each runs once
 * per database, recorded in `schema_migrations`.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'documents and counters',
    // COLLATE "C": keys compare by bytes, so ASCII keys order as JavaScript strings do, whatever the
    // database's locale. The (collection, updated_at) index serves retention (deleteWrittenBefore).
    sql: `
      create table documents (
        collection text not null,
        key text collate "C" not null,
        value jsonb not null,
        version text not null,
        updated_at timestamptz not null,
        primary key (collection, key)
      );
      create index documents_collection_updated_at on documents (collection, updated_at);
      create table counters (
        collection text not null,
        key text collate "C" not null,
        counts jsonb not null,
        primary key (collection, key)
      );
    `,
  },
  {
    version: 2,
    name: 'rate limits',
    // One row per limited key and window; reset_at indexed for the sweep of expired rows.
    sql: `
      create table rate_limits (
        key text primary key,
        count integer not null,
        reset_at timestamptz not null
      );
      create index rate_limits_reset_at on rate_limits (reset_at);
    `,
  },
];

/** Any fixed number, the same in every instance: the advisory lock that makes start-ups take turns. */
const MIGRATION_LOCK = 0x7261686e; // "rahn"

/**
 * Applies the migrations the database has not had yet, in order; returns their versions (empty
 * when it was up to date). Safe when several instances start at once: everything happens in one
 * transaction holding an advisory lock, so the others wait, then find the work done. Versions
 * the database has that this code does not know (a newer instance ran first) are left alone.
 */
export async function migrate(database: Pick<Database, 'transaction'>, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  return database.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(`
      create table if not exists schema_migrations (
        version integer primary key,
        name text not null,
        applied_at timestamptz not null default now()
      )`);
    const done = new Set((await tx.query<{ version: number }>('select version from schema_migrations')).rows.map((r) => r.version));
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      // Several statements in one string: a query without values uses the simple protocol, which allows that.
      await tx.query(migration.sql);
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [migration.version, migration.name]);
      applied.push(migration.version);
    }
    return applied;
  });
}
