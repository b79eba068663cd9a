import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { EmbeddedStore } from '../src/storage/embedded-store.js';
import type { Store } from '../src/storage/store.js';
import { percentile } from './support.js';

/**
 * Whether the embedded store's cost per write grows with what it holds (`npm run bench -- --only
 * store-size`). One message's store work, as a web chat or Telegram turn does it on the embedded
 * store (read the conversation's and the user's state, add to two day counters, write both
 * states back), timed on an empty store and on one holding `conversations` stored conversations
 * (each a conversation state and a user state, as retention keeps them for RETENTION_DAYS),
 * reopened from disk first as after a restart. Rounds alternate the two stores, so the machine's
 * drifting load touches both alike; the ratio is of the pooled p50s. Then, on the full store,
 * how long opening it took and one compaction of its files, and the turns timed while that
 * compaction runs (it must not stop them).
 */
export interface StoreSizeOptions {
  /** Stored conversations in the full store (default 100,000, `BENCH_STORE_CONVERSATIONS`). */
  readonly conversations: number;
  /** Turns timed on each store in each round (default 200, `BENCH_STORE_TURNS`). */
  readonly turns: number;
  /** Rounds (default 3, `BENCH_STORE_ROUNDS`). */
  readonly rounds: number;
  readonly progress: (what: string) => void;
}

export interface Latency {
  p50ms: number;
  p99ms: number;
}

export interface StoreSizeResult {
  conversations: number;
  turnsPerStore: number;
  rounds: number;
  empty: Latency;
  full: Latency;
  /** full p50 / empty p50, pooled over the rounds (target ≤ 1.5). */
  ratioP50: number;
  ratioP50PerRound: number[];
  /** Opening the full store from its files (reading and checking them). */
  openMs: number;
  /** The full store's files on disk. */
  storeMb: number;
  /** One compaction of the full store (absent where the store has none). */
  compactionMs?: number;
  /** Turns on the full store while that compaction ran. */
  duringCompaction?: Latency & { turns: number };
}

export const storeSizeDefaults = {
  conversations: Number(process.env.BENCH_STORE_CONVERSATIONS ?? 100_000),
  turns: Number(process.env.BENCH_STORE_TURNS ?? 200),
  rounds: Number(process.env.BENCH_STORE_ROUNDS ?? 3),
};

const DAY = '2026-12-07';
const conversationKey = (i: number) => `webchat/conversations/c${String(i).padStart(8, '0')}/`;
const userKey = (i: number) => `webchat/users/u${String(i).padStart(8, '0')}/`;
/** The state the bot keeps for a conversation and a user, at their usual size. */
const conversationState = (i: number, turn: number) => ({ conversation: { lang: 'fa', lastEntries: ['avrr-cost', 'stay-legally-options'], turns: turn, lastQuestion: `question ${i}` } });
const userState = (i: number, turn: number) => ({ profile: { lang: 'fa', consent: true, firstSeen: '2026-11-01T10:00:00.000Z', turns: turn, keyed: `u${i}` } });

/** One message's reads and writes on the store, as the bot's turn makes them; returns its duration. */
async function turn(store: Store, i: number, n: number): Promise<number> {
  const start = performance.now();
  const state = store.documents<Record<string, unknown>>('bot-state');
  const [conversation, user] = [conversationKey(i), userKey(i)];
  const found = new Map((await state.getMany([conversation, user])).map((d) => [d.key, d.version]));
  await Promise.all([
    store.counters('daily-counts').add(`${DAY}|webchat|fa`, { questions: 1, answered: 1 }),
    store.counters('entry-counts').add(`${DAY}|avrr-cost`, { count: 1 }),
  ]);
  await Promise.all([
    state.put(conversation, conversationState(i, n), { ifVersion: found.get(conversation) ?? null }),
    state.put(user, userState(i, n), { ifVersion: found.get(user) ?? null }),
  ]);
  return performance.now() - start;
}

/** Fills `dir`'s store with `conversations` conversations' states, in batches of one write each. */
async function seed(dir: string, conversations: number): Promise<void> {
  const store = await EmbeddedStore.open(dir);
  const state = store.documents<Record<string, unknown>>('bot-state');
  const BATCH = 2000;
  for (let from = 0; from < conversations; from += BATCH) {
    const changes = [];
    for (let i = from; i < Math.min(conversations, from + BATCH); i++) changes.push({ key: conversationKey(i), value: conversationState(i, 3) }, { key: userKey(i), value: userState(i, 3) });
    await state.apply(changes);
  }
  for (let day = 1; day <= 90; day++) await store.counters('daily-counts').add(`2026-09-${String(day).padStart(2, '0')}|webchat|fa`, { questions: 5 });
  await store.close();
}

async function sizeMb(dir: string): Promise<number> {
  let bytes = 0;
  for (const name of await readdir(dir)) bytes += (await stat(path.join(dir, name))).size;
  return bytes / 2 ** 20;
}

const latency = (times: number[]): Latency => {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50ms: percentile(sorted, 50), p99ms: percentile(sorted, 99) };
};

export async function storeSizeBench({ conversations, turns, rounds, progress }: StoreSizeOptions): Promise<StoreSizeResult> {
  const root = await mkdtemp(path.join(tmpdir(), 'rahnama-store-size-'));
  const stores: Store[] = [];
  try {
    const [emptyDir, fullDir] = [path.join(root, 'empty'), path.join(root, 'full')];
    progress(`store-size: storing ${conversations} conversations`);
    await seed(fullDir, conversations);
    const storeMb = await sizeMb(fullDir);
    const opening = performance.now();
    const full = await EmbeddedStore.open(fullDir);
    const openMs = performance.now() - opening;
    stores.push(full);
    const empty = await EmbeddedStore.open(emptyDir);
    stores.push(empty);

    const times = { empty: [] as number[], full: [] as number[] };
    const ratios: number[] = [];
    let fresh = 0;
    for (let round = 1; round <= rounds; round++) {
      progress(`store-size: round ${round} of ${rounds}, ${turns} turns on each store`);
      const emptyRound: number[] = [];
      const fullRound: number[] = [];
      // Each round starts with the other store. Empty: new conversations; full: stored ones, spread over all.
      const order = round % 2 ? ['empty', 'full'] : ['full', 'empty'];
      for (const which of order) {
        for (let t = 0; t < turns; t++) {
          if (which === 'empty') emptyRound.push(await turn(empty, conversations + fresh++, round));
          else fullRound.push(await turn(full, (t * 7919 + round * 104_729) % conversations, round + 3));
        }
      }
      times.empty.push(...emptyRound);
      times.full.push(...fullRound);
      ratios.push(latency(fullRound).p50ms / latency(emptyRound).p50ms);
    }
    const result: StoreSizeResult = {
      conversations,
      turnsPerStore: turns * rounds,
      rounds,
      empty: latency(times.empty),
      full: latency(times.full),
      ratioP50: latency(times.full).p50ms / latency(times.empty).p50ms,
      ratioP50PerRound: ratios,
      openMs,
      storeMb,
    };

    const compactable = full as EmbeddedStore & { compact?: () => Promise<void> };
    if (typeof compactable.compact === 'function') {
      progress('store-size: turns while the full store compacts its files');
      const started = performance.now();
      let done = false;
      const compaction = compactable.compact().finally(() => (done = true));
      const during: number[] = [];
      for (let t = 0; !done || during.length === 0; t++) during.push(await turn(full, (t * 104_729) % conversations, 99));
      await compaction;
      result.compactionMs = performance.now() - started;
      result.duringCompaction = { turns: during.length, ...latency(during) };
    }
    return result;
  } finally {
    await Promise.all(stores.map((s) => s.close()));
    await rm(root, { recursive: true, force: true });
  }
}

/** The suite's rows in the bench table. */
export function storeSizeRows(r: StoreSizeResult): string[][] {
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const rows = [
    ['store-size: one message\'s store work, empty embedded store', `p50 ${ms(r.empty.p50ms)}`, `p99 ${ms(r.empty.p99ms)}`, `${r.turnsPerStore} turns`],
    [`store-size: the same, ${r.conversations} stored conversations`, `p50 ${ms(r.full.p50ms)}`, `p99 ${ms(r.full.p99ms)}`, `${(r.storeMb).toFixed(0)} MB of files`],
    ['store-size: full / empty (p50; target within 1.5x)', `${r.ratioP50.toFixed(2)}x`, `rounds: ${r.ratioP50PerRound.map((x) => x.toFixed(2)).join(' ')}`, ''],
    [`store-size: opening the store of ${r.conversations} conversations`, `${(r.openMs / 1000).toFixed(2)} s`, '', ''],
  ];
  if (r.compactionMs !== undefined && r.duringCompaction) {
    rows.push(['store-size: one compaction of the full store (in the background)', `${(r.compactionMs / 1000).toFixed(2)} s`, `turns meanwhile p50 ${ms(r.duringCompaction.p50ms)}`, `p99 ${ms(r.duringCompaction.p99ms)}`]);
  }
  return rows;
}
