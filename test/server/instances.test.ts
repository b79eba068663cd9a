import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookPath } from '../../src/channels/telegram/plugin.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { activitiesOf, botTexts, openStream, postMessage, startConversation } from '../support/direct-line-client.js';
import { FakeTelegram, textUpdate } from '../support/fake-telegram.js';
import { WIDGET_DIR } from '../support/global-setup.js';
import { usePostgresDatabase } from '../support/postgres.js';
import { startServer, type RunningServer } from '../support/process.js';
import { fixtureAccounts } from '../support/staff-accounts.js';

const STAFF = { email: 'editor@example.org', password: 'a long staff password' };
const WEBHOOK_SECRET = 'instances-webhook-secret_0123456789';

let databaseUrl: string;
let fake: FakeTelegram;
const folders: string[] = [];
const servers: RunningServer[] = [];
let [first, second] = [undefined, undefined] as unknown as [RunningServer, RunningServer];

/** One more instance on the shared database, with its own DATA_DIR (nothing shared through files). */
async function instance(): Promise<RunningServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'rahnama-instance-'));
  folders.push(dataDir);
  const server = await startServer({
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    WIDGET_DIR,
    EMBEDDINGS: 'false',
    MODEL_DOWNLOAD: 'false',
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.url,
    PUBLIC_URL: 'https://bot.example.org',
    TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
  });
  servers.push(server);
  return server;
}

beforeAll(async () => {
  databaseUrl = await usePostgresDatabase();
  fake = await new FakeTelegram().start();
  // Both at once, on an empty database: each migrates and seeds the knowledge base if no one did.
  [first, second] = await Promise.all([instance(), instance()]);
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await fake?.close();
  await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })));
});

const ask = async (server: RunningServer, text: string, lang: string) =>
  (await (await fetch(`${server.url}/api/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text, lang }) })).json()) as { answer: string; entryId: string | null };

describe('several instances on one PostgreSQL database', () => {
  it('start together on an empty database: the schema is migrated once and the knowledge folder published once', () => {
    const output = first.output() + second.output();
    expect(output.match(/database schema migrated/g)).toHaveLength(1);
    expect(output.match(/published the knowledge folder into it/g)).toHaveLength(1);
  });

  it('report the database on /readyz', async () => {
    for (const server of [first, second]) {
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', store: { kind: 'postgres', ok: true } });
    }
  });

  it('continue a web chat conversation started on the first on the second: messages both ways, over polling and the WebSocket', async () => {
    // The token comes from the first instance; the second accepts it (the generated secret is shared).
    const conversation = await startConversation(first.url);
    const stream = await openStream(second.url, conversation);
    expect((await postMessage(first.url, conversation, 'How much does voluntary return cost?')).status).toBe(200);
    // The welcome (sent on the first) and the answer reach the stream held by the second.
    await expect.poll(() => botTexts(stream.received).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    expect((await postMessage(second.url, conversation, 'Can my family return with me?')).status).toBe(200);
    // Read on the first by polling: both questions, and the second's answer and feedback prompt.
    const answeredBoth = async () => {
      const { activities } = await activitiesOf(first.url, conversation);
      const afterLastQuestion = activities.slice(activities.map((a) => a.from?.role).lastIndexOf('user') + 1);
      return botTexts(afterLastQuestion).length >= 2 ? activities : undefined;
    };
    await expect.poll(answeredBoth, { timeout: 10_000 }).toBeDefined();
    const all = (await answeredBoth())!;
    expect(all.filter((a) => a.from?.role === 'user').map((a) => a.text)).toEqual(['How much does voluntary return cost?', 'Can my family return with me?']);
    // The stream on the second saw every activity, in order, once.
    const streamed = () => stream.received.filter((a) => a.type === 'message').map((a) => a.id);
    await expect.poll(streamed, { timeout: 10_000 }).toEqual(all.map((a) => a.id));
    stream.close();
  });

  it('serve an edit published in the console of one instance from the other', async () => {
    await createStaffAccount();
    const cookie = await signIn(second.url);
    const form = await fetch(`${second.url}/admin/entries/avrr-cost`, { headers: { cookie } });
    const body = await form.text();
    const newAnswer = 'An answer published on the second instance for this test.';
    const saved = await fetch(`${second.url}/admin/entries/avrr-cost`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfOf(body), version: versionOf(body), 'languages.en.answer': newAnswer }),
    });
    expect(saved.status).toBe(303);
    await expect.poll(async () => (await ask(first, 'Does voluntary return cost me anything?', 'en')).answer, { timeout: 5000 }).toContain(newAnswer);
    // The entry's history, kept in the database, shows the change on the other instance too.
    const history = await (await fetch(`${first.url}/admin/entries/avrr-cost/history`, { headers: { cookie: await signIn(first.url) } })).text();
    expect(history).toContain(STAFF.email);
  });

  it('apply on the second a spreadsheet import whose dry run was made on the first', async () => {
    await createStaffAccount();
    // One session, as a browser behind a load balancer without sticky sessions has.
    const cookie = await signIn(first.url);
    const csrf = csrfOf(await (await fetch(`${first.url}/admin/transfer`, { headers: { cookie } })).text());
    const exported = await (await fetch(`${first.url}/admin/transfer/export.csv`, { headers: { cookie } })).text();
    const rows = parseCsv(exported, { bom: true, columns: true }) as Record<string, string>[];
    const columns = Object.keys(rows[0]!);
    const newAnswer = 'An answer imported from a spreadsheet on the first instance and applied on the second.';
    const isEdited = (r: Record<string, string>) => r.id === 'avrr-family' && r.lang === 'en';
    const csv = stringify([columns, ...rows.map((r) => (isEdited(r) ? { ...r, answer: newAnswer } : r)).map((r) => columns.map((c) => r[c]))]);
    const form = (fields: Record<string, string>) => ({ method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, ...fields }) });

    const dryRun = await fetch(`${first.url}/admin/transfer/dry-run`, form({ csv }));
    expect(dryRun.status).toBe(200);
    const token = /name="token" value="([^"]+)"/.exec(await dryRun.text())?.[1] ?? '';
    const applied = await fetch(`${second.url}/admin/transfer/apply`, form({ token }));
    expect(applied.status).toBe(200);
    expect(await applied.text()).toContain('Applied. 1 entry file(s) changed');
    const question = rows.find(isEdited)!.question!;
    await expect.poll(async () => (await ask(first, question, 'en')).answer, { timeout: 5000 }).toContain(newAnswer);
    // Applied once, wherever the second apply lands.
    expect((await fetch(`${first.url}/admin/transfer/apply`, form({ token }))).status).toBe(410);
  });

  it('answer one Telegram update posted to both instances once', async () => {
    const since = fake.calls.length;
    const update = textUpdate({ id: 4242, language_code: 'en' }, 'How much does voluntary return cost?');
    const post = (server: RunningServer) =>
      fetch(`${server.url}${webhookPath(fake.token)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET },
        body: JSON.stringify(update),
      });
    // Telegram resends what was not acknowledged: a 503 ("in hand elsewhere") is posted again.
    const deliver = async (server: RunningServer) => {
      for (let attempt = 0; attempt < 20; attempt++) {
        const response = await post(server);
        if (response.status !== 503) return response.status;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return 503;
    };
    expect(await Promise.all([deliver(first), deliver(second)])).toEqual([200, 200]);
    const replies = fake.calls.slice(since).filter((c) => c.method === 'sendMessage' && c.params.chat_id === 4242);
    expect(replies.length).toBeGreaterThan(0);
    // One answer and its feedback prompt: nothing twice.
    expect(new Set(replies.map((r) => r.params.text)).size).toBe(replies.length);
    expect((await deliver(first))).toBe(200);
    expect(fake.calls.slice(since).filter((c) => c.method === 'sendMessage' && c.params.chat_id === 4242)).toHaveLength(replies.length);
  });

  it('lose no acknowledged message and no stored state when one instance is killed in the middle of traffic', async () => {
    const third = await instance();
    const conversations = await Promise.all(Array.from({ length: 6 }, () => startConversation(first.url)));
    // Each conversation chooses Ukrainian on the instance about to die: stored state.
    for (const c of conversations) expect((await postMessage(third.url, c, 'lang:uk')).status).toBe(200);
    const acknowledged = new Map<string, string[]>();
    let stop = false;
    let failed = 0;
    const traffic = conversations.map(async (c, i) => {
      for (let n = 0; !stop && n < 200; n++) {
        const text = `message ${n} of ${i}`;
        const response = await postMessage(n % 2 === 0 ? third.url : second.url, c, text).catch(() => undefined);
        if (response?.status === 200) acknowledged.set(c.conversationId, [...(acknowledged.get(c.conversationId) ?? []), text]);
        else failed++;
      }
    });
    await expect.poll(() => [...acknowledged.values()].flat().length, { timeout: 20_000 }).toBeGreaterThan(30);
    const exited = new Promise((resolve) => third.child.once('exit', resolve));
    third.child.kill('SIGKILL');
    // The traffic goes on until it has met the dead instance: requests in hand cut off, new ones refused.
    const failedBefore = failed;
    await exited;
    await expect.poll(() => failed, { timeout: 10_000 }).toBeGreaterThan(failedBefore);
    stop = true;
    await Promise.all(traffic);
    for (const c of conversations) {
      const kept = (await activitiesOf(second.url, c)).activities.filter((a) => a.from?.role === 'user').map((a) => a.text);
      for (const text of acknowledged.get(c.conversationId) ?? []) expect(kept).toContain(text);
      // The language chosen on the dead instance still holds on the living one.
      expect((await postMessage(second.url, c, 'hello')).status).toBe(200);
    }
    await expect.poll(async () => botTexts((await activitiesOf(second.url, conversations[0]!)).activities).at(-1), { timeout: 10_000 }).toMatch(/[\u0400-\u04FF]/);
  });
});

/** The staff account both instances sign in with, made once in the shared database. */
async function createStaffAccount(): Promise<void> {
  const accounts = await PostgresStore.open(databaseUrl);
  await fixtureAccounts(accounts).create({ email: STAFF.email, role: 'editor', password: STAFF.password }).catch(() => undefined);
  await accounts.close();
}

const csrfOf = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';
const versionOf = (body: string) => /name="version" value="([^"]+)"/.exec(body)?.[1] ?? '';
const cookiesOf = (response: Response) => response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');

/** Signs in through the sign-in form over HTTP, as a browser would; returns the session cookie. */
async function signIn(server: string): Promise<string> {
  const form = await fetch(`${server}/admin/login`);
  const response = await fetch(`${server}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookiesOf(form), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email: STAFF.email, password: STAFF.password, _csrf: csrfOf(await form.text()) }),
  });
  expect(response.status).toBe(303);
  return cookiesOf(response);
}
