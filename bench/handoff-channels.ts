import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { createWebChat } from '../src/channels/webchat/setup.js';
import { loadConfig } from '../src/config.js';
import { CounsellorPresence } from '../src/handoff/counsellor-presence.js';
import { HandoffDesk } from '../src/handoff/handoff-desk.js';
import { parseWeeklyHours } from '../src/handoff/opening-hours.js';
import type { LoadedEngine } from '../src/retrieval/load-engine.js';
import { buildApp } from '../src/server/app.js';
import { EmbeddedStore } from '../src/storage/embedded-store.js';
import type { Store } from '../src/storage/store.js';
import { postMessage, startConversation } from '../test/support/direct-line-client.js';
import { handoffDefaults, type HandoffBenchOptions, type HandoffBenchResult, type HandoffLatency } from './handoff.js';
import { onTwoPostgresStores, percentile } from './support.js';

/**
 * The live handoff to the person's screen (`npm run bench -- --only handoff-channels`): `handoffs`
 * people in the web chat, each with a WebSocket stream open, who asked for a person and
 * confirmed; `counsellors` counsellors claim their share and reply to each person in turn
 * (`repliesEach` rounds, every counsellor at once) through the desk, as the console does. Timed:
 * from the `reply` call to the reply arriving on the person's socket, through the bot's delivery
 * (notice, `takeDelivery`, the conversation's write, the stream). On the embedded store (one
 * server) and on PostgreSQL with the person on server A and the counsellors on server B (two
 * servers in this one process, so they share its cores).
 */
export interface HandoffChannelsOptions extends HandoffBenchOptions {
  readonly served: LoadedEngine;
}

/** The same load as the store-only suite. */
export const handoffChannelsDefaults = handoffDefaults;

export type HandoffChannelsResult = HandoffBenchResult;

const TARGET_MS = 200;
const ROOT = path.resolve(import.meta.dirname, '..');
const weekly = parseWeeklyHours('Mon-Sun 00:00-24:00');
if ('error' in weekly) throw new Error(weekly.error);
const hours = { weekly: weekly.value, timeZone: 'Europe/Sofia', holidays: [] };

export async function handoffChannelsBench(options: HandoffChannelsOptions): Promise<HandoffChannelsResult> {
  const folders: string[] = [];
  const folder = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rahnama-bench-handoff-channels-'));
    folders.push(dir);
    return dir;
  };
  try {
    options.progress('handoff-channels: embedded store, one server');
    const dir = await folder();
    const store = await EmbeddedStore.open(path.join(dir, 'store'));
    let embedded: HandoffLatency;
    try {
      const server = await serve(store, dir, options.served);
      try {
        embedded = await measure(server, server, store, options);
      } finally {
        await server.close();
      }
    } finally {
      await store.close();
    }
    options.progress('handoff-channels: PostgreSQL, person on server A, counsellors on server B');
    const postgres = await onTwoPostgresStores(async (a, b, url) => {
      const [serverA, serverB] = [await serve(a, await folder(), options.served, url), await serve(b, await folder(), options.served, url)];
      try {
        return await measure(serverA, serverB, b, options);
      } finally {
        await Promise.all([serverA.close(), serverB.close()]);
      }
    });
    return { handoffs: options.handoffs, counsellors: options.counsellors, embedded, postgres };
  } finally {
    await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })));
  }
}

/** A server with the web chat and a desk on `store`, as main.ts makes them. */
async function serve(store: Store, dataDir: string, served: LoadedEngine, databaseUrl?: string) {
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '1000000000', DIRECTLINE_SECRET: 'h'.repeat(40), ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) }, ROOT);
  const desk = new HandoffDesk(store, { hours, idleMinutes: 30, retentionDays: 30, presence: new CounsellorPresence(store) });
  const webChat = await createWebChat(config, served, store, desk);
  const app = await buildApp({ config, ...served, webChat, store, logger: false });
  return { url: await app.listen({ port: 0, host: '127.0.0.1' }), desk, close: () => app.close() };
}

type Server = Awaited<ReturnType<typeof serve>>;

async function measure(person: Server, counsellor: Server, counsellorStore: Store, options: HandoffChannelsOptions): Promise<HandoffLatency> {
  const counsellors = Array.from({ length: options.counsellors }, (_, c) => `counsellor-${c}@bench.example`);
  const presence = new CounsellorPresence(counsellorStore);
  for (const c of counsellors) await presence.seen(c, ['en']);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const sockets: WebSocket[] = [];
  const ids: string[] = [];
  const expected = options.handoffs * options.repliesEach;
  let allHeard: () => void = () => {};
  const heard = new Promise<void>((resolve) => (allHeard = resolve));
  for (let i = 0; i < options.handoffs; i++) {
    const conversation = await startConversation(person.url);
    const socket = new WebSocket(`${person.url.replace(/^http/, 'ws')}/v3/directline/conversations/${conversation.conversationId}/stream?t=${conversation.token}`);
    socket.on('message', (data) => {
      const text = data.toString();
      if (!text) return;
      for (const activity of (JSON.parse(text) as { activities: { text?: string }[] }).activities) {
        const tag = /reply-\d+-\d+/.exec(activity.text ?? '')?.[0];
        const start = tag === undefined ? undefined : sentAt.get(tag);
        if (tag === undefined || start === undefined) continue;
        sentAt.delete(tag);
        latencies.push(performance.now() - start);
        if (latencies.length === expected) allHeard();
      }
    });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    sockets.push(socket);
    await postMessage(person.url, conversation, 'person');
    await postMessage(person.url, conversation, 'person:yes');
    const open = await person.desk.openHandoffOf(`webchat/${conversation.userId}`);
    if (!open) throw new Error('the person did not join the queue');
    ids.push(open.id);
  }
  await Promise.all(
    counsellors.map(async (name, c) => {
      const mine = ids.map((id, i) => ({ id, i })).filter(({ i }) => i % counsellors.length === c);
      for (const { id } of mine) await counsellor.desk.claim(id, name);
      for (let round = 0; round < options.repliesEach; round++) {
        for (const { id, i } of mine) {
          const text = `reply-${i}-${round}`;
          sentAt.set(text, performance.now());
          const sent = await counsellor.desk.reply(id, name, text);
          if (!sent.ok) throw new Error(`reply refused: ${sent.reason}`);
        }
      }
    }),
  );
  try {
    await Promise.race([heard, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${latencies.length} of ${expected} replies reached the sockets within 60 s`)), 60_000).unref())]);
  } finally {
    for (const socket of sockets) socket.close();
  }
  const sorted = [...latencies].sort((x, y) => x - y);
  return { replies: sorted.length, p50ms: percentile(sorted, 50), p99ms: percentile(sorted, 99), maxms: sorted.at(-1) ?? 0 };
}

export function handoffChannelsRows(r: HandoffChannelsResult): string[][] {
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const what = `${r.handoffs} web chats, ${r.counsellors} counsellors`;
  const rows = [[`handoff: reply to the person's socket, embedded, ${what}`, `p50 ${ms(r.embedded.p50ms)}`, `p99 ${ms(r.embedded.p99ms)}`, `${(r.embedded.p99ms / TARGET_MS).toFixed(2)}x of the 200 ms target`]];
  if ('skipped' in r.postgres) rows.push(['handoff to the socket: PostgreSQL', `skipped: ${r.postgres.skipped}`, '', '']);
  else rows.push(['handoff: the same, PostgreSQL, person on server A, counsellors on B', `p50 ${ms(r.postgres.p50ms)}`, `p99 ${ms(r.postgres.p99ms)}`, `${(r.postgres.p99ms / TARGET_MS).toFixed(2)}x of the 200 ms target`]);
  return rows;
}
