import type { Activity } from 'botbuilder';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebChat } from '../../src/channels/webchat/setup.js';
import { CounsellorPresence } from '../../src/handoff/counsellor-presence.js';
import { HandoffDesk } from '../../src/handoff/handoff-desk.js';
import { parseWeeklyHours } from '../../src/handoff/opening-hours.js';
import { buildApp } from '../../src/server/app.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import type { Store } from '../../src/storage/store.js';
import { activitiesOf, botTexts, openStream, postMessage, startConversation } from '../support/direct-line-client.js';
import { shipped, testConfig } from '../support/engine.js';
import { usePostgresDatabase } from '../support/postgres.js';
import { useTempDir } from '../support/temp-dir.js';

/**
 * Two instances on one PostgreSQL database, each with its own store connection, desk, bot and
 * web chat: the person talks to instance A; the counsellor works on instance B (the desk B's
 * console would use). B's replies and B's end reach the person's stream on A, each once.
 */

const always = parseWeeklyHours('Mon-Sun 00:00-24:00');
if ('error' in always) throw new Error(always.error);
const hours = { weekly: always.value, timeZone: 'Europe/Sofia', holidays: [] };
const COUNSELLOR = 'ana@iom.example';

const tempDir = useTempDir();
const apps: FastifyInstance[] = [];
const stores: Store[] = [];
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await Promise.all(stores.map((store) => store.close()));
});

async function instance(databaseUrl: string) {
  const config = testConfig({ DATA_DIR: await tempDir(), DATABASE_URL: databaseUrl, DIRECTLINE_SECRET: 'i'.repeat(40) });
  const served = await shipped();
  const store = await PostgresStore.open(databaseUrl);
  stores.push(store);
  const desk = new HandoffDesk(store, { hours, idleMinutes: 30, retentionDays: 30, presence: new CounsellorPresence(store) });
  const webChat = await createWebChat(config, served, store, desk);
  const app = await buildApp({ config, ...served, webChat, store, logger: false });
  apps.push(app);
  return { url: await app.listen({ port: 0, host: '127.0.0.1' }), desk, webChat, presence: new CounsellorPresence(store), t: served.engine.locales.t.bind(served.engine.locales) };
}

let a: Awaited<ReturnType<typeof instance>>;
let b: Awaited<ReturnType<typeof instance>>;
beforeAll(async () => {
  const databaseUrl = await usePostgresDatabase();
  a = await instance(databaseUrl);
  b = await instance(databaseUrl);
}, 60_000);

async function arrives(received: Activity[], text: string): Promise<void> {
  while (!received.some((x) => x.from?.role === 'bot' && (x.text ?? '').includes(text))) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('live handoff across two instances on PostgreSQL', () => {
  it('brings the counsellor\'s replies and end, made on instance B, to the person\'s stream on instance A, each once', async () => {
    // The counsellor is online through B (the console's heartbeat); the person asks on A.
    await b.presence.seen(COUNSELLOR, ['ar']);
    const conversation = await startConversation(a.url);
    const stream = await openStream(a.url, conversation);
    expect((await postMessage(a.url, conversation, 'person')).status).toBe(200);
    expect((await postMessage(a.url, conversation, 'person:yes')).status).toBe(200);
    expect(botTexts((await activitiesOf(a.url, conversation)).activities).at(-1)).toBe(a.t('en', 'handoff.queued', { place: 1 }));
    expect((await postMessage(a.url, conversation, 'مرحبا، أريد العودة إلى بلدي')).status).toBe(200);

    const [waiting] = await b.desk.queue();
    expect(waiting).toMatchObject({ channel: 'webchat', state: 'waiting' });
    expect((await b.desk.transcript(waiting!.id, COUNSELLOR)).map((m) => m.text)).toEqual(['مرحبا، أريد العودة إلى بلدي']);
    await b.desk.claim(waiting!.id, COUNSELLOR);
    await b.desk.reply(waiting!.id, COUNSELLOR, 'أهلاً، أنا آنا من المنظمة الدولية للهجرة.');
    await b.desk.reply(waiting!.id, COUNSELLOR, 'كيف يمكنني مساعدتك؟');
    await arrives(stream.received, 'كيف يمكنني مساعدتك؟');
    await b.desk.end(waiting!.id, 'answered', COUNSELLOR);
    await arrives(stream.received, a.t('en', 'handoff.helpfulPrompt'));
    await Promise.all([a.webChat.delivery!.idle(), b.webChat.delivery!.idle()]);

    const texts = botTexts((await activitiesOf(a.url, conversation)).activities);
    expect(texts.filter((x) => x.includes('أهلاً، أنا آنا'))).toHaveLength(1);
    expect(texts.filter((x) => x.includes('كيف يمكنني مساعدتك؟'))).toHaveLength(1);
    expect(texts.filter((x) => x === a.t('en', 'handoff.ended'))).toHaveLength(1);
    // In order: the replies, then the end.
    expect(texts.findIndex((x) => x.includes('كيف يمكنني'))).toBeLessThan(texts.indexOf(a.t('en', 'handoff.ended')));
    stream.close();
  });
});
