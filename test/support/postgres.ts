import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, chown, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './process.js';

/**
 * Throw-away PostgreSQL clusters for tests, from Debian's `postgresql` package: no Docker, no
 * server to set up. The test run shares one cluster (started by the vitest globalSetup, its URL
 * handed to the tests as `inject('postgresUrl')`); each test takes a fresh database on it with
 * `usePostgresDatabase()`. Tests that stop the server start a private cluster of their own.
 */

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared test cluster's `postgres` database (a superuser URL). */
    postgresUrl: string;
  }
}

export interface PostgresCluster {
  /** The URL of `database` (default `postgres`) as the superuser. */
  url(database?: string): string;
  /** Creates a fresh empty database; returns its URL. */
  createDatabase(): Promise<string>;
  /**
   * Stops the server; data and port are kept. `fast` (the default) disconnects clients cleanly;
   * `immediate` aborts every backend at once, as a crash or a kill would.
   */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts the server again after `stop`, on the same port with the same data. */
  start(): Promise<void>;
  /** Stops the server if running and deletes its folder. */
  destroy(): Promise<void>;
}

const PG_ROOT = '/usr/lib/postgresql';
const SUPERUSER = 'postgres';

/** The `bin` folder of the highest installed PostgreSQL version. */
async function findBinaries(): Promise<string> {
  const versions = (await readdir(PG_ROOT).catch(() => [] as string[]))
    .filter((v) => existsSync(path.join(PG_ROOT, v, 'bin/initdb')))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) {
    throw new Error(`PostgreSQL not found (no ${PG_ROOT}/<version>/bin/initdb): the storage tests need it, apt-get install postgresql`);
  }
  return path.join(PG_ROOT, versions[0]!, 'bin');
}

/** initdb refuses to run as root: then the server runs as the `postgres` user the package creates. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, SUPERUSER], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error(`running as root, and there is no "${SUPERUSER}" user to run PostgreSQL as (apt-get install postgresql creates it)`);
  }
}

/** Runs a PostgreSQL tool to completion; rejects with its output (and the server log, if any). */
function run(file: string, args: string[], options: { cwd: string; user: { uid: number; gid: number } | undefined; log?: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], ...options.user, env: { ...process.env, LC_ALL: 'C' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    // 'exit', not 'close': the server pg_ctl starts must not hold us up (its output goes to the log file anyway).
    child.once('exit', (code) => {
      if (code === 0) return resolve();
      void (options.log ? readFile(options.log, 'utf8').catch(() => '') : Promise.resolve('')).then((log) =>
        reject(new Error(`${path.basename(file)} ${args.join(' ')} exited with ${code}:\n${output}\n${log.slice(-4000)}`)),
      );
    });
  });
}

/** Creates a uniquely named empty database through the superuser URL `adminUrl`; returns its URL. */
export async function createDatabaseAt(adminUrl: string): Promise<string> {
  const name = `t_${process.pid}_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  // A lost connection is reported by the query; unlistened, the event would end the test run.
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Initialises a cluster in a temp folder and starts it on a free loopback port. */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = await findBinaries();
  const user = serverUser();
  const dir = await mkdtemp(path.join(tmpdir(), 'rahnama-pg-'));
  const data = path.join(dir, 'data');
  const socketDir = path.join(dir, 'socket');
  const log = path.join(dir, 'server.log');
  await mkdir(socketDir);
  if (user) {
    await chown(dir, user.uid, user.gid);
    await chown(socketDir, user.uid, user.gid);
  }
  const port = await freePort();
  const opts = { cwd: dir, user, log };
  try {
    // --no-sync and the settings below trade crash safety for speed: the data is thrown away.
    await run(path.join(bin, 'initdb'), ['-D', data, '-U', SUPERUSER, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'], opts);
    const settings = [
      `port = ${port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${socketDir}'`,
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      // Every test file opens pools of its own, in parallel.
      'max_connections = 300',
    ];
    await appendFile(path.join(data, 'postgresql.conf'), `\n${settings.join('\n')}\n`);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  let running = false;
  const url = (database = 'postgres') => `postgres://${SUPERUSER}@127.0.0.1:${port}/${database}`;
  const start = async () => {
    await run(path.join(bin, 'pg_ctl'), ['start', '-D', data, '-l', log, '-w', '-t', '60'], opts);
    running = true;
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    if (!running) return;
    await run(path.join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', mode, '-w', '-t', '60'], opts);
    running = false;
  };
  try {
    await start();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    createDatabase: () => createDatabaseAt(url()),
    start,
    stop,
    destroy: async () => {
      await stop('fast');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh empty database on the run's shared cluster (see the globalSetup); returns its URL.
 * Every call makes a new one, so tests never see each other's rows.
 */
export async function usePostgresDatabase(): Promise<string> {
  // Imported here, not at the top: the globalSetup imports this file outside a test worker.
  const { inject } = await import('vitest');
  return createDatabaseAt(inject('postgresUrl'));
}
