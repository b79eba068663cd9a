import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { buildWidget } from '../src/channels/webchat/widget-build.js';
import { readEvalFile, type EvalItem } from '../src/eval/evaluate.js';
import { LANGUAGES } from '../src/languages.js';
import { postMessage, startConversation, type DirectLineConversation } from '../test/support/direct-line-client.js';
import { startPostgresCluster, type PostgresCluster } from '../test/support/postgres.js';
import { freePort } from '../test/support/process.js';
import { buildServerIfStale, SERVER_SCRIPT } from './support.js';

/**
 * The storage backends and instance count side by side, for `npm run bench` (suite `instances`)
 * or alone (`npx tsx bench/instances.ts`): `/api/ask` and web chat throughput on (a) one
 * instance on the embedded store, (b) one instance on PostgreSQL, (c) two instances on one
 * PostgreSQL database, all running at once on a private PostgreSQL cluster (a fresh database per
 * configuration) and measured in turn, round after round, as the HTTP suite measures its two
 * servers: the machine's load drifts, and each round sees the three under about the same
 * conditions. The CPU each part took (the servers, PostgreSQL, the bench's own client,
 * everything else on the machine) is read from /proc, so the ratios can be read against what
 * the machine had to give.
 */

export interface InstancesOptions {
  readonly root: string;
  /** Questions for `/api/ask`, sent in turn (several languages, each detected). */
  readonly asks: readonly string[];
  /** Conversation i's questions: one language per conversation, as a person keeps theirs. */
  readonly chat: (i: number) => readonly string[];
  /** Each measurement's length (the warm-ups are shorter). */
  readonly seconds: number;
  /** Rounds: each round measures every configuration once, in turn, so drifting machine load hits all alike. */
  readonly rounds: number;
  /** `/api/ask` connections in all, split between the instances. */
  readonly connections: number;
  /** Web chat conversations in all, started in turn on each instance. */
  readonly conversations: number;
  readonly progress: (what: string) => void;
}

export interface AskLoad {
  requestsPerSecond: number;
  requests: number;
  /** With two instances, the slower instance's (autocannon's histograms are not merged). */
  p50ms: number;
  p99ms: number;
  non2xx: number;
  errors: number;
}

export interface ChatLoad {
  turns: number;
  messagesPerSecond: number;
  /** A turn: the POST of a message, returning once the bot's replies and state are stored. */
  p50ms: number;
  p99ms: number;
  errors: number;
  errorKinds: Record<string, number>;
}

/** One round's web chat: its rate, and every turn's time (pooled over rounds for the percentiles). */
interface ChatRound {
  messagesPerSecond: number;
  times: number[];
  errors: Map<string, number>;
}

/** Where the CPU went during a measurement, in % of one core (the machine has `cores` × 100 %). */
export interface CpuShare {
  servers: number;
  postgres: number;
  /** This process: autocannon or the web chat client. */
  client: number;
  /** Busy time of the machine not accounted for above: other work on the same cores. */
  other: number;
  idle: number;
  /** The servers' context switches (voluntary and not) per second: how often they went to sleep or were put aside. */
  serverSwitches: number;
}

export interface Measured {
  label: string;
  instances: number;
  /** The median round's (by rate); `askRounds`: each round's rate, in order. */
  ask: AskLoad;
  askRounds: number[];
  /** Averaged over the rounds. */
  askCpu: CpuShare;
  /** The median round's rate; latency percentiles over every turn of every round. */
  chat: ChatLoad;
  chatRounds: number[];
  chatCpu: CpuShare;
  /** PostgreSQL transactions (commits and rollbacks, from pg_stat_database) per request and per turn, over all rounds. */
  transactions?: { perRequest: number; perTurn: number };
}

export interface InstancesResult {
  cores: number;
  seconds: number;
  rounds: number;
  connections: number;
  conversations: number;
  embedded: Measured;
  postgres: Measured;
  postgres2: Measured;
  /** What the servers logged at warn or above (or an instance that died), first ones only. */
  serverWarnings: string[];
}

/** `BENCH_INSTANCES_SECONDS` (default 5) per measurement, `BENCH_INSTANCES_ROUNDS` (3), `BENCH_INSTANCES_CONVERSATIONS` (50). */
export const instancesDefaults = {
  seconds: Number(process.env.BENCH_INSTANCES_SECONDS ?? 5),
  rounds: Number(process.env.BENCH_INSTANCES_ROUNDS ?? 3),
  connections: 32,
  conversations: Number(process.env.BENCH_INSTANCES_CONVERSATIONS ?? 50),
} as const;

/** The questions both `npm run bench` and a run of this file alone use: answerable eval questions. */
export function benchQuestions(items: readonly EvalItem[]): Pick<InstancesOptions, 'asks' | 'chat'> {
  const answerable = items.filter((item) => item.expect !== 'none');
  const byLang = LANGUAGES.map((lang) => answerable.filter((e) => (e.lang ?? 'en') === lang).map((e) => e.q)).filter((qs) => qs.length > 0);
  return { asks: answerable.filter((_, i) => i % 5 === 0).map((e) => e.q), chat: (i) => byLang[i % byLang.length] ?? [] };
}

// --- CPU accounting from /proc ----------------------------------------------------------------

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcTimes { ppid: number; own: number; reaped: number }

/** utime + stime, and the children's it waited for (cutime + cstime), in ticks; undefined if gone. */
async function procTimes(pid: number | string): Promise<ProcTimes | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return undefined;
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  return { ppid: fields[1] ?? 0, own: (fields[11] ?? 0) + (fields[12] ?? 0), reaped: (fields[13] ?? 0) + (fields[14] ?? 0) };
}

interface CpuSnapshot { at: number; machineBusy: number; machineTotal: number; servers: number; serverSwitches: number; postgres: number; clientMicros: number }

/** A process's context switches so far, voluntary and not; 0 if gone. */
async function switchesOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return [...status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

/**
 * The servers' ticks (their own and their reaped children's), PostgreSQL's (the postmaster, the
 * backends it reaped and every live process it started), this process's, and the machine's.
 */
async function snapshot(serverPids: readonly number[], postmaster: number | undefined): Promise<CpuSnapshot> {
  let servers = 0;
  let serverSwitches = 0;
  for (const pid of serverPids) {
    const t = await procTimes(pid);
    servers += t ? t.own + t.reaped : 0;
    serverSwitches += await switchesOf(pid);
  }
  let postgresTicks = 0;
  if (postmaster) {
    const main = await procTimes(postmaster);
    postgresTicks += main ? main.own + main.reaped : 0;
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const t = await procTimes(entry);
      if (t?.ppid === postmaster) postgresTicks += t.own;
    }
  }
  const cpu = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  const usage = process.cpuUsage();
  return { at: performance.now(), machineBusy: total - idle, machineTotal: total, servers, serverSwitches, postgres: postgresTicks, clientMicros: usage.user + usage.system };
}

function share(a: CpuSnapshot, b: CpuSnapshot, cores: number): CpuShare {
  const seconds = (b.at - a.at) / 1000;
  const percent = (ticks: number) => (ticks / TICKS_PER_SECOND / seconds) * 100;
  const servers = percent(b.servers - a.servers);
  const postgresShare = percent(b.postgres - a.postgres);
  const client = ((b.clientMicros - a.clientMicros) / 1e6 / seconds) * 100;
  // The machine's counters, scaled to the cores: busy over total, not over wall time.
  const machineBusy = ((b.machineBusy - a.machineBusy) / Math.max(1, b.machineTotal - a.machineTotal)) * cores * 100;
  return {
    servers, postgres: postgresShare, client, other: Math.max(0, machineBusy - servers - postgresShare - client), idle: Math.max(0, cores * 100 - machineBusy),
    serverSwitches: (b.serverSwitches - a.serverSwitches) / seconds,
  };
}

async function measuringCpu<T>(serverPids: readonly number[], postmaster: number | undefined, cores: number, run: () => Promise<T>): Promise<[T, CpuShare]> {
  const before = await snapshot(serverPids, postmaster);
  const result = await run();
  return [result, share(before, await snapshot(serverPids, postmaster), cores)];
}

/**
 * The database's transactions so far. The statistics lag by up to a second (each backend sends
 * its counts at most once a second), about the same at both ends of a measurement.
 */
async function transactionsOf(url: string): Promise<number> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('select (xact_commit + xact_rollback)::text as n from pg_stat_database where datname = current_database()');
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

/** The cluster's postmaster: the parent of a backend. */
async function postmasterOf(cluster: PostgresCluster): Promise<number | undefined> {
  const client = new pg.Client(cluster.url());
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    return rows[0] ? (await procTimes(rows[0].pid))?.ppid : undefined;
  } finally {
    await client.end();
  }
}

// --- server instances ---------------------------------------------------------------------------

interface Instance { url: string; pid: number; stop(): Promise<void>; warnings(): string[] }

/**
 * The server as `npm start` runs it (compiled: `SERVER_SCRIPT`) in a process of its own, ready once `/readyz` answers 200 (so at LOG_LEVEL=warn,
 * unlike test/support's startServer, which waits for the info-level "ready" line). Its output
 * is kept: warnings and errors are shown after the bench, the tail if it fails to start.
 */
async function startInstance(root: string, env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [SERVER_SCRIPT], {
    cwd: root, env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const warnings: string[] = [];
  const keep = (data: Buffer) => {
    const text = data.toString();
    tail = (tail + text).slice(-8000);
    for (const line of text.split('\n')) {
      const level = /^\{"level":(\d+)/.exec(line)?.[1];
      if (line.trim() && (level === undefined ? !line.startsWith('rahnama: ') : Number(level) >= 40) && warnings.length < 20) warnings.push(line.slice(0, 300));
    }
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  let stopping = false;
  const gone = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
    exited = true;
    // A server that dies under load is a finding, not noise: its last words go in the report.
    if (!stopping) warnings.unshift(`exited during the bench (${signal ?? `code ${code}`}): ${tail.slice(-1500)}`);
    resolve();
  }));
  const stop = async () => {
    if (exited) return;
    stopping = true;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(killer);
  };
  const deadline = performance.now() + 120_000;
  for (;;) {
    if (exited) throw new Error(`${SERVER_SCRIPT} exited before it was ready:\n${tail}`);
    if (performance.now() > deadline) {
      await stop();
      throw new Error(`${SERVER_SCRIPT} not ready after 120 s:\n${tail}`);
    }
    if (await fetch(`${url}/readyz`).then((r) => r.ok, () => false)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url, pid: child.pid ?? 0, stop, warnings: () => warnings };
}

// --- the loads ----------------------------------------------------------------------------------

/** autocannon on each instance at once, the connections split between them; rates summed. */
async function askLoad(urls: readonly string[], asks: readonly string[], connections: number, seconds: number): Promise<AskLoad> {
  // Behind a proxy (TRUST_PROXY), each request from another of 65,536 addresses, as from many
  // visitors: with a few addresses in turn, the connections would take the same rate-limit rows
  // at the same moment, and the bench would measure its own row-lock queue.
  let sent = 0;
  const requests = [{
    method: 'POST' as const, path: '/api/ask',
    setupRequest: (request: autocannon.Request) => {
      const n = sent++;
      const address = (n * 40503) % 65536;
      return { ...request, headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.1.${address >> 8}.${address & 255}` }, body: JSON.stringify({ text: asks[n % asks.length] }) };
    },
  }];
  const runs = await Promise.all(urls.map((url) => autocannon({ url, connections: Math.ceil(connections / urls.length), duration: seconds, requests })));
  return {
    requestsPerSecond: runs.reduce((sum, r) => sum + r.requests.average, 0),
    requests: runs.reduce((sum, r) => sum + r.requests.total, 0),
    p50ms: Math.max(...runs.map((r) => r.latency.p50)),
    p99ms: Math.max(...runs.map((r) => r.latency.p99)),
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/**
 * Every conversation in a closed loop for `seconds`: post a message, wait for the POST to
 * return (the bot has answered and stored its replies and state), post the next. Message k of
 * conversation i goes to instance (i + k) mod n: with two instances, every other message of a
 * conversation lands on the other one, which must take up the conversation from the database.
 */
async function chatLoad(urls: readonly string[], conversations: readonly DirectLineConversation[], chat: InstancesOptions['chat'], seconds: number): Promise<ChatRound> {
  const times: number[] = [];
  const errors = new Map<string, number>();
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(conversations.map(async (conversation, i) => {
    const list = chat(i);
    for (let k = 0; performance.now() < end; k++) {
      const sent = performance.now();
      try {
        const response = await postMessage(urls[(i + k) % urls.length]!, conversation, list[(i + k) % list.length] ?? 'hello');
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        times.push(performance.now() - sent);
      } catch (error) {
        const message = (error as Error).message;
        errors.set(message, (errors.get(message) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, 50)); // no busy loop on a dead server
      }
    }
  }));
  const elapsedMs = performance.now() - start; // turns begun before the end finish after it
  return { messagesPerSecond: (times.length / elapsedMs) * 1000, times, errors };
}

/** The median round's rate, percentiles over all the rounds' turns, errors summed. */
function chatSummary(rounds: readonly ChatRound[]): ChatLoad {
  const times = rounds.flatMap((r) => r.times).sort((a, b) => a - b);
  const errors = new Map<string, number>();
  for (const r of rounds) for (const [kind, n] of r.errors) errors.set(kind, (errors.get(kind) ?? 0) + n);
  return {
    turns: times.length,
    messagesPerSecond: median(rounds.map((r) => r.messagesPerSecond)),
    p50ms: percentile(times, 50),
    p99ms: percentile(times, 99),
    errors: [...errors.values()].reduce((a, b) => a + b, 0),
    errorKinds: Object.fromEntries(errors),
  };
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** The mean of equally long measurements' CPU shares. */
function meanShare(shares: readonly CpuShare[]): CpuShare {
  const mean = (f: (c: CpuShare) => number) => shares.reduce((sum, c) => sum + f(c), 0) / Math.max(1, shares.length);
  return {
    servers: mean((c) => c.servers), postgres: mean((c) => c.postgres), client: mean((c) => c.client),
    other: mean((c) => c.other), idle: mean((c) => c.idle), serverSwitches: mean((c) => c.serverSwitches),
  };
}

// --- the suite ----------------------------------------------------------------------------------

const CONFIGURATIONS = [
  { key: 'embedded', label: 'embedded store, 1 instance', instances: 1, database: false },
  { key: 'postgres', label: 'PostgreSQL, 1 instance', instances: 1, database: true },
  { key: 'postgres2', label: 'PostgreSQL, 2 instances', instances: 2, database: true },
] as const;

/**
 * Starts the three configurations side by side (an idle instance costs next to no CPU), warms
 * each up, then measures them in turn, round after round. Returns `{ skipped }` when no
 * PostgreSQL cluster can be started (Debian's package missing). Instances, the cluster and the
 * temp folders are removed however it ends, also on Ctrl-C.
 */
export async function instancesBench(options: InstancesOptions): Promise<InstancesResult | { skipped: string }> {
  buildServerIfStale();
  const { root, progress, seconds, rounds, connections, conversations: conversationCount } = options;
  const cores = availableParallelism();
  progress('instances: starting a private PostgreSQL cluster');
  let cluster: PostgresCluster;
  try {
    cluster = await startPostgresCluster();
  } catch (error) {
    return { skipped: (error as Error).message.split('\n')[0] ?? 'PostgreSQL did not start' };
  }
  const folders: string[] = [];
  const running = new Set<Instance>();
  const cleanUp = async () => {
    await Promise.all([...running].map((i) => i.stop()));
    await cluster.destroy();
    await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })));
  };
  const interrupted = (signal: NodeJS.Signals) => void cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const tmp = await mkdtemp(path.join(tmpdir(), 'rahnama-bench-instances-'));
    folders.push(tmp);
    const widgetDir = path.join(tmp, 'widget');
    await buildWidget(widgetDir); // built once here, so no instance builds it
    const postmaster = await postmasterOf(cluster);
    const env = {
      LOG_LEVEL: 'warn', EMBEDDINGS: 'false', MODEL_DOWNLOAD: 'false', RATE_LIMIT_MAX: '1000000000', TRUST_PROXY: 'loopback',
      DIRECTLINE_SECRET: 'i'.repeat(40), WIDGET_DIR: widgetDir,
    };

    progress('instances: starting 1 instance on the embedded store, 1 on PostgreSQL, 2 on another PostgreSQL database');
    const setups = await Promise.all(CONFIGURATIONS.map(async (config, n) => {
      const databaseUrl = config.database ? await cluster.createDatabase() : '';
      // Each instance its own DATA_DIR: with PostgreSQL, nothing is shared through files.
      const instances = await Promise.all(Array.from({ length: config.instances }, async (_, i) => {
        const instance = await startInstance(root, { ...env, DATA_DIR: path.join(tmp, `${n}-${i}`), DATABASE_URL: databaseUrl });
        running.add(instance);
        return instance;
      }));
      const pids = instances.map((i) => i.pid);
      return {
        config, instances, urls: instances.map((i) => i.url),
        /** The run's result, where the CPU went, and the database's transactions meanwhile. */
        measure: async <T>(run: () => Promise<T>): Promise<[T, CpuShare, number]> => {
          const before = databaseUrl ? await transactionsOf(databaseUrl) : 0;
          const [result, cpu] = await measuringCpu(pids, config.database ? postmaster : undefined, cores, run);
          return [result, cpu, databaseUrl ? (await transactionsOf(databaseUrl)) - before : 0];
        },
        conversations: [] as DirectLineConversation[],
        ask: [] as { load: AskLoad; cpu: CpuShare; transactions: number }[],
        chat: [] as { load: ChatRound; cpu: CpuShare; transactions: number }[],
      };
    }));

    for (const setup of setups) {
      progress(`instances: ${setup.config.label}: warm-up, ${conversationCount} conversations`);
      await askLoad(setup.urls, options.asks, connections, 2);
      setup.conversations = await Promise.all(Array.from({ length: conversationCount }, (_, i) => startConversation(setup.urls[i % setup.urls.length]!)));
      await chatLoad(setup.urls, setup.conversations, options.chat, 2);
    }
    for (let round = 1; round <= rounds; round++) {
      progress(`instances: round ${round} of ${rounds}: /api/ask then web chat, ${seconds} s on each configuration`);
      for (const setup of setups) {
        const [load, cpu, transactions] = await setup.measure(() => askLoad(setup.urls, options.asks, connections, seconds));
        setup.ask.push({ load, cpu, transactions });
      }
      for (const setup of setups) {
        const [load, cpu, transactions] = await setup.measure(() => chatLoad(setup.urls, setup.conversations, options.chat, seconds));
        setup.chat.push({ load, cpu, transactions });
      }
    }

    const warnings: string[] = [];
    for (const setup of setups) {
      for (const instance of setup.instances) {
        await instance.stop();
        running.delete(instance);
        warnings.push(...instance.warnings().map((w) => `${setup.config.label}: ${w}`));
      }
    }
    for (const w of warnings.slice(0, 10)) progress(`instances: server said: ${w}`);
    const measured = setups.map(({ config, ask, chat }): Measured => {
      const chatLoads = chat.map((c) => c.load);
      const summary = chatSummary(chatLoads);
      if (summary.errors > 0) progress(`instances: ${config.label}: web chat errors ${JSON.stringify(summary.errorKinds)}`);
      return {
        label: config.label, instances: config.instances,
        ask: [...ask].sort((a, b) => a.load.requestsPerSecond - b.load.requestsPerSecond)[Math.floor(ask.length / 2)]!.load,
        askRounds: ask.map((a) => a.load.requestsPerSecond),
        askCpu: meanShare(ask.map((a) => a.cpu)),
        chat: summary,
        chatRounds: chatLoads.map((c) => c.messagesPerSecond),
        chatCpu: meanShare(chat.map((c) => c.cpu)),
        ...(config.database ? {
          transactions: {
            perRequest: sum(ask.map((a) => a.transactions)) / Math.max(1, sum(ask.map((a) => a.load.requests))),
            perTurn: sum(chat.map((c) => c.transactions)) / Math.max(1, sum(chat.map((c) => c.load.times.length))),
          },
        } : {}),
      };
    });
    const [embedded, postgresOne, postgresTwo] = measured as [Measured, Measured, Measured];
    return { cores, seconds, rounds, connections, conversations: conversationCount, embedded, postgres: postgresOne, postgres2: postgresTwo, serverWarnings: warnings.slice(0, 10) };
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await cleanUp();
  }
}

// --- the report ---------------------------------------------------------------------------------

const pct = (n: number) => `${n.toFixed(0)} %`;
const times = (n: number) => `${n.toFixed(2)}x`;
/** CPU time per request or turn, in ms, from a share of one core and a rate. */
const cpuMs = (percent: number, perSecond: number) => (perSecond > 0 ? (percent * 10) / perSecond : 0);
const perRate = (count: number, perSecond: number) => (perSecond > 0 ? count / perSecond : 0);
const perUnit = (percent: number, perSecond: number, digits: number, unit: string) => `${pct(percent)} = ${cpuMs(percent, perSecond).toFixed(digits)} ms a ${unit}`;

/** Each round measured the three within a minute or so: ratios per round (their median is reported). */
const ratios = (a: readonly number[], b: readonly number[]) => a.map((x, i) => x / (b[i] ?? Number.NaN));

/** The table rows (four columns, as in bench/run.ts) and the sentences printed under it. */
export function instancesReport(r: InstancesResult): { rows: string[][]; notes: string[] } {
  const all = [r.embedded, r.postgres, r.postgres2];
  const rows: string[][] = [];
  for (const m of all) {
    const how = m.instances > 1 ? `, ${Math.ceil(r.connections / m.instances)} connections each (latency: slower one)` : `, ${r.connections} connections`;
    rows.push([`/api/ask, ${m.label}${how}`, `${m.ask.requestsPerSecond.toFixed(0)} req/s`, `p50 ${m.ask.p50ms} ms`, `p99 ${m.ask.p99ms} ms`]);
  }
  for (const m of all) {
    const how = m.instances > 1 ? ', messages to each in turn' : ' (POST until stored)';
    rows.push([`web chat turns, ${m.label}, ${r.conversations} conversations${how}`, `${m.chat.messagesPerSecond.toFixed(0)} msg/s`, `p50 ${m.chat.p50ms.toFixed(1)} ms`, `p99 ${m.chat.p99ms.toFixed(1)} ms`]);
  }

  const cell = (what: string, values: number[]) => `${what} ${times(median(values))} (${values.map((v) => v.toFixed(2)).join(' ')})`;
  const ratioRows: [string, Measured, Measured][] = [['(b)/(a): PostgreSQL / embedded, 1 instance each', r.postgres, r.embedded], ['(c)/(b): 2 instances / 1, PostgreSQL', r.postgres2, r.postgres]];
  for (const [label, a, b] of ratioRows) {
    rows.push([`ratio ${label}, median of rounds (each round)`, cell('/api/ask', ratios(a.askRounds, b.askRounds)), cell('web chat', ratios(a.chatRounds, b.chatRounds)), '']);
  }
  for (const m of all) {
    for (const [what, cpu, rate, digits, unit] of [['/api/ask', m.askCpu, m.ask.requestsPerSecond, 2, 'request'], ['web chat', m.chatCpu, m.chat.messagesPerSecond, 1, 'turn']] as const) {
      rows.push([
        `CPU during ${what}, ${m.label} (% of one core; ${r.cores} cores)`,
        `server${m.instances > 1 ? 's' : ''} ${perUnit(cpu.servers, rate, digits, unit)}`,
        m === r.embedded ? '' : `PostgreSQL ${perUnit(cpu.postgres, rate, digits, unit)}`,
        `client ${pct(cpu.client)}, other work ${pct(cpu.other)}, idle ${pct(cpu.idle)}`,
      ]);
    }
  }
  for (const m of all) {
    if (m.transactions) rows.push([`PostgreSQL transactions, ${m.label} (its statistics lag ~1 s: about)`, `${m.transactions.perRequest.toFixed(1)} a request`, `${m.transactions.perTurn.toFixed(1)} a turn`, '']);
  }
  const errors = all.reduce((total, m) => total + m.ask.errors + m.ask.non2xx + m.chat.errors, 0);
  rows.push(['instances: errors (failed or non-2xx requests), server warnings logged', `${errors} errors`, `${r.serverWarnings.length} warnings`, '']);

  const { postgres: one, postgres2: two } = r;
  const avg = (f: (m: Measured) => number) => (f(one) + f(two)) / 2;
  const askMs = (m: Measured) => cpuMs(m.askCpu.servers, m.ask.requestsPerSecond).toFixed(2);
  const turnMs = (m: Measured) => cpuMs(m.chatCpu.servers, m.chat.messagesPerSecond).toFixed(1);
  const askSwitches = (m: Measured) => perRate(m.askCpu.serverSwitches, m.ask.requestsPerSecond).toFixed(2);
  const turnSwitches = (m: Measured) => perRate(m.chatCpu.serverSwitches, m.chat.messagesPerSecond).toFixed(1);

  const pgTurnMs = cpuMs(one.chatCpu.postgres, one.chat.messagesPerSecond);
  const scaled = Math.max(median(ratios(two.askRounds, one.askRounds)), median(ratios(two.chatRounds, one.chatRounds)));
  const notes = [
    `Each configuration and load measured ${r.rounds} rounds of ${r.seconds} s, in turn; rates: the median round; /api/ask latency: the median round's `
      + '(with two instances, the slower one\'s); web chat turn latency: over every turn of every round; CPU: the mean of the rounds.',
    `What limits (c)/(b) here: ${r.cores} cores shared by the servers, PostgreSQL, the bench's client and other work `
      + `(${pct(avg((m) => (m.askCpu.other + m.chatCpu.other) / 2))} of one core on average during (b) and (c)). A second instance brings no core of its own: `
      + `it can only use what (b) left idle, ${pct((one.askCpu.idle + one.chatCpu.idle) / 2)} of ${r.cores * 100} %.`,
    `And splitting the load costs CPU: the servers used ${askMs(two)} ms a request in (c) against ${askMs(one)} in (b), ${turnMs(two)} ms a turn against ${turnMs(one)}, `
      + `with ${askSwitches(two)} context switches a request against ${askSwitches(one)} and ${turnSwitches(two)} a turn against ${turnSwitches(one)}: `
      + 'two processes, each with half the work, handle fewer requests per wake-up and are switched in and out more on the same cores. '
      + (scaled < 1 ? 'So here two instances do less than one; ' : 'So (c) cannot double (b) here; ')
      + 'the figures show two instances serving one database side by side (see the errors row), not how they would scale on machines of their own.',
    `What (b)/(a) measures: the same server with its state in PostgreSQL instead of files in its own process. Each request waits on the database `
      + `(about ${one.transactions?.perRequest.toFixed(1)} transactions: the shared rate-limit counter), each turn on about ${one.transactions?.perTurn.toFixed(1)} transactions `
      + '(also its one write of the activities and the bot state, and its notice; a read only when the instance did not write the conversation last; '
      + 'the dashboard counts are written behind, once a second), and PostgreSQL took '
      + `${pgTurnMs.toFixed(1)} ms of CPU a turn from the same cores (the server ${turnMs(one)} ms).`,
  ];
  return { rows, notes };
}

// --- alone: npx tsx bench/instances.ts ----------------------------------------------------------

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = path.resolve(import.meta.dirname, '..');
  const result = await instancesBench({
    root,
    ...benchQuestions(await readEvalFile(path.join(root, 'test/eval/eval.yaml'))),
    ...instancesDefaults,
    progress: (what) => process.stderr.write(`bench: ${what}\n`),
  });
  if ('skipped' in result) {
    console.log(`instances: skipped: ${result.skipped}`);
  } else {
    const { rows, notes } = instancesReport(result);
    const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
    for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd());
    console.log(`\n${notes.join('\n')}`);
  }
}
