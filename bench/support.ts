import { spawn, spawnSync } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { PostgresStore } from '../src/storage/postgres/postgres-store.js';
import { ROOT } from '../test/support/paths.js';
import { startPostgresCluster, type PostgresCluster } from '../test/support/postgres.js';
import { freePort } from '../test/support/process.js';

/** What the bench scripts (`npm run bench`, `npm run soak`) share: server processes, percentiles, the printed table. */

/** A script of this repository running in a Node process of its own, on loopback. */
export interface BenchProcess {
  readonly url: string;
  readonly pid: number;
  /** From spawn to the first answer on `/readyz`. */
  readonly readyMs: number;
  /** Whether the process has exited (killed, crashed or stopped). */
  exited(): boolean;
  /** SIGTERM, then resolves once it has exited. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash or the kernel's OOM killer would: no shutdown code runs. Resolves once it has exited. */
  kill(): Promise<void>;
}

export interface StartOptions {
  /** The port to listen on (default: a free one); the same port again lets clients carry on after a restart. */
  readonly port?: number;
  /** A file the process's output (stdout and stderr) is appended to; by default stdout is dropped and stderr shown. */
  readonly logFile?: string;
}

/**
 * Starts `script` (`src/main.ts`, `bench/bare-server.ts`, `scripts/start.mjs`) with `env` and resolves once `/readyz`
 * answers at all: ready means answering (on the bare server, any route).
 */
/**
 * The server as `npm start` runs it: the compiled build, through scripts/start.mjs. (Under tsx the
 * same server holds about 75 MB more: the loader's transpiled sources and source maps.)
 */
export const SERVER_SCRIPT = 'scripts/start.mjs';

/** Builds dist/ if the sources are newer, once, before servers are started (two at once must not both build). */
export function buildServerIfStale(): void {
  const built = spawnSync(process.execPath, [SERVER_SCRIPT, '--build-only'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0) throw new Error(`${SERVER_SCRIPT} --build-only failed (status ${built.status})`);
}

export async function startProcess(script: string, env: Record<string, string>, { port, logFile }: StartOptions = {}): Promise<BenchProcess> {
  const listenOn = port ?? (await freePort());
  const url = `http://127.0.0.1:${listenOn}`;
  const log = logFile ? await open(logFile, 'a') : undefined;
  const started = performance.now();
  // TypeScript through tsx; JavaScript (the compiled build, scripts/start.mjs) as it runs in production.
  const child = spawn(process.execPath, script.endsWith('.ts') ? ['--import', 'tsx', script] : [script], {
    cwd: ROOT, env: { ...process.env, PORT: String(listenOn), HOST: '127.0.0.1', ...env }, stdio: log ? ['ignore', log.fd, log.fd] : ['ignore', 'ignore', 'inherit'],
  });
  // The child has its own copy of the descriptor.
  await log?.close();
  let exited = false;
  const gone = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true;
    resolve();
  }));
  const end = async (signal: NodeJS.Signals) => {
    if (!exited) child.kill(signal);
    await gone;
  };
  for (;;) {
    if (exited) throw new Error(`${script} exited before it was ready`);
    const ok = await fetch(`${url}/readyz`).then(() => true, () => false);
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const readyMs = performance.now() - started;
  return { url, pid: child.pid ?? 0, readyMs, exited: () => exited, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}

/** A process's resident memory in MB, from /proc (0 if it is gone). */
export async function rssMbOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** The `p`th percentile of ascending `sorted` (0 when empty). */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Rows of cells as aligned columns, one line a row. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd()).join('\n');
}

/**
 * Runs `measure` with two stores on one fresh database of a private PostgreSQL cluster (two
 * instances sharing it), then closes them and removes the cluster; `{ skipped }` when no
 * cluster can be started (Debian's postgresql missing).
 */
export async function onTwoPostgresStores<T>(measure: (a: PostgresStore, b: PostgresStore, url: string) => Promise<T>): Promise<T | { readonly skipped: string }> {
  let cluster: PostgresCluster;
  try {
    cluster = await startPostgresCluster();
  } catch (error) {
    return { skipped: (error as Error).message.split('\n')[0]! };
  }
  try {
    const url = await cluster.createDatabase();
    const [a, b] = [await PostgresStore.open(url), await PostgresStore.open(url)];
    try {
      return await measure(a, b, url);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  } finally {
    await cluster.destroy();
  }
}
