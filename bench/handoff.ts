import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { HandoffDesk } from '../src/handoff/handoff-desk.js';
import { HANDOFF_TOPIC, parseHandoffNotice } from '../src/handoff/handoff-records.js';
import { parseWeeklyHours } from '../src/handoff/opening-hours.js';
import { EmbeddedStore } from '../src/storage/embedded-store.js';
import type { Store } from '../src/storage/store.js';
import { onTwoPostgresStores, percentile } from './support.js';

/**
 * The live handoff's store path (`npm run bench -- --only handoff`): `handoffs` people in the
 * queue, `counsellors` counsellors each claiming their share and replying to each person in turn
 * (`repliesEach` rounds, every counsellor at once); each person answers every reply. Timed: from a
 * counsellor's `reply` call to the person's side holding the text, heard from the broadcast
 * notice and read with `messagesSince`. On the embedded store (one process) and on PostgreSQL
 * with the person on one instance and the counsellors on another. The way on to the person's
 * screen (the web chat's delivery and socket) is the `handoff-channels` suite.
 */
export interface HandoffBenchOptions {
  readonly handoffs: number;
  readonly counsellors: number;
  readonly repliesEach: number;
  readonly progress: (what: string) => void;
}

export const handoffDefaults = { handoffs: 50, counsellors: 5, repliesEach: 4 } as const;

export interface HandoffLatency {
  readonly replies: number;
  readonly p50ms: number;
  readonly p99ms: number;
  readonly maxms: number;
}

export interface HandoffBenchResult {
  readonly handoffs: number;
  readonly counsellors: number;
  readonly embedded: HandoffLatency;
  readonly postgres: HandoffLatency | { readonly skipped: string };
}

const TARGET_MS = 200;

export async function handoffBench(options: HandoffBenchOptions): Promise<HandoffBenchResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rahnama-bench-handoff-'));
  let embedded: HandoffLatency;
  try {
    options.progress('handoff: embedded store');
    const store = await EmbeddedStore.open(dir);
    try {
      embedded = await measure(store, store, options);
    } finally {
      await store.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  options.progress('handoff: PostgreSQL, person on instance A, counsellors on B');
  const postgres = await onTwoPostgresStores((a, b) => measure(a, b, options));
  return { handoffs: options.handoffs, counsellors: options.counsellors, embedded, postgres };
}

async function measure(personStore: Store, counsellorStore: Store, options: HandoffBenchOptions): Promise<HandoffLatency> {
  const weekly = parseWeeklyHours('Mon-Sun 00:00-24:00');
  if ('error' in weekly) throw new Error(weekly.error);
  const settings = { hours: { weekly: weekly.value, timeZone: 'Europe/Sofia', holidays: [] }, idleMinutes: 30, retentionDays: 30 };
  const personSide = new HandoffDesk(personStore, settings);
  const counsellorSide = new HandoffDesk(counsellorStore, settings);

  const people = Array.from({ length: options.handoffs }, (_, i) => `person-${i}`);
  const ids: string[] = [];
  for (const person of people) ids.push((await personSide.request({ person, channel: 'webchat', language: 'ar' })).handoff.id);
  const personOf = new Map(ids.map((id, i) => [id, people[i]!]));

  // The person's side: on a counsellor's message notice, read what is new and answer.
  const sentAt = new Map<string, number>();
  const lastKey = new Map<string, string>();
  const latencies: number[] = [];
  const expected = options.handoffs * options.repliesEach;
  let allHeard: () => void = () => {};
  const heard = new Promise<void>((resolve) => (allHeard = resolve));
  const pending: Promise<unknown>[] = [];
  const unsubscribe = await personStore.broadcast.subscribe(HANDOFF_TOPIC, (raw) => {
    const notice = parseHandoffNotice(raw);
    if (notice?.event !== 'message' || notice.from !== 'counsellor') return;
    pending.push(
      personSide.messagesSince(notice.id, lastKey.get(notice.id)).then(async (messages) => {
        for (const { key, message } of messages) {
          if (key <= (lastKey.get(notice.id) ?? '')) continue;
          lastKey.set(notice.id, key);
          const start = sentAt.get(message.text);
          if (message.from !== 'counsellor' || start === undefined) continue;
          sentAt.delete(message.text);
          latencies.push(performance.now() - start);
          await personSide.personWrites(personOf.get(notice.id)!, `thanks ${message.text}`);
          if (latencies.length === expected) allHeard();
        }
      }),
    );
  });

  // The counsellors: each claims its share, then replies to each of its people in turn.
  const counsellors = Array.from({ length: options.counsellors }, (_, c) => `counsellor-${c}@bench.example`);
  await Promise.all(
    counsellors.map(async (counsellor, c) => {
      const mine = ids.filter((_, i) => i % counsellors.length === c);
      for (const id of mine) await counsellorSide.claim(id, counsellor);
      for (let round = 0; round < options.repliesEach; round++) {
        for (const id of mine) {
          const text = `reply ${id} ${round}`;
          sentAt.set(text, performance.now());
          const sent = await counsellorSide.reply(id, counsellor, text);
          if (!sent.ok) throw new Error(`reply refused: ${sent.reason}`);
        }
      }
    }),
  );
  await Promise.race([heard, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${latencies.length} of ${expected} replies arrived within 60 s`)), 60_000).unref())]);
  await Promise.all(pending);
  await unsubscribe();
  const sorted = [...latencies].sort((x, y) => x - y);
  return { replies: sorted.length, p50ms: percentile(sorted, 50), p99ms: percentile(sorted, 99), maxms: sorted.at(-1) ?? 0 };
}

export function handoffRows(r: HandoffBenchResult): string[][] {
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const what = `${r.handoffs} handoffs, ${r.counsellors} counsellors`;
  const rows = [[`handoff: reply to the person's side, embedded, ${what}`, `p50 ${ms(r.embedded.p50ms)}`, `p99 ${ms(r.embedded.p99ms)}`, `${(r.embedded.p99ms / TARGET_MS).toFixed(2)}x of the 200 ms target`]];
  if ('skipped' in r.postgres) rows.push(['handoff: PostgreSQL', `skipped: ${r.postgres.skipped}`, '', '']);
  else {
    rows.push([`handoff: the same, PostgreSQL, person on A, counsellors on B`, `p50 ${ms(r.postgres.p50ms)}`, `p99 ${ms(r.postgres.p99ms)}`, `${(r.postgres.p99ms / TARGET_MS).toFixed(2)}x of the 200 ms target`]);
    rows.push(['handoff: PostgreSQL / embedded (p99)', `${(r.postgres.p99ms / Math.max(r.embedded.p99ms, 0.001)).toFixed(2)}x`, '', '']);
  }
  return rows;
}
