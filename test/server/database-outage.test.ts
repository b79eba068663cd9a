import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activitiesOf, botTexts, openStream, postMessage, startConversation } from '../support/direct-line-client.js';
import { WIDGET_DIR } from '../support/global-setup.js';
import { startPostgresCluster, type PostgresCluster } from '../support/postgres.js';
import { startServer, type RunningServer } from '../support/process.js';

// A cluster of its own: this test stops the database server.
let cluster: PostgresCluster;
let server: RunningServer;
let dataDir: string;

beforeAll(async () => {
  cluster = await startPostgresCluster();
  dataDir = await mkdtemp(path.join(tmpdir(), 'rahnama-outage-'));
  server = await startServer({
    DATA_DIR: dataDir,
    DATABASE_URL: await cluster.createDatabase(),
    WIDGET_DIR,
    EMBEDDINGS: 'false',
    MODEL_DOWNLOAD: 'false',
    // The load test posts far faster than a person: no rate limit gets in its way.
    RATE_LIMIT_MAX: '1000000',
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await cluster?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

const readiness = async () => (await fetch(`${server.url}/readyz`)).status;

/** Waits until `condition` holds; fails naming `what`, and saying so at once if the server process has died. */
async function until(what: string, condition: () => boolean, state: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    const { exitCode, signalCode } = server.child;
    if (exitCode !== null || signalCode !== null) {
      throw new Error(`the server process died (exit ${exitCode}, signal ${signalCode}) while waiting for ${what}; ${state()}\n${server.output().slice(-4000)}`);
    }
    if (Date.now() > deadline) throw new Error(`no ${what} within a minute; ${state()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('an instance that loses its database', () => {
  it('answers 503 on /readyz and refuses messages while it is gone, then recovers by itself, keeping every message it acknowledged', async () => {
    const conversation = await startConversation(server.url);
    const stream = await openStream(server.url, conversation);
    expect((await postMessage(server.url, conversation, 'How much does voluntary return cost?')).status).toBe(200);
    expect(await readiness()).toBe(200);

    await cluster.stop();
    expect(await readiness()).toBe(503);
    const refused = await postMessage(server.url, conversation, 'sent while the database is down');
    // Not acknowledged: the client knows to send it again.
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ code: 'RAHNAMA_STORE_UNAVAILABLE' });
    // What needs no database goes on: the answer engine.
    expect((await fetch(`${server.url}/api/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'Does voluntary return cost me anything?', lang: 'en' }) })).status).toBe(200);

    await cluster.start();
    await expect.poll(readiness, { timeout: 30_000, interval: 250 }).toBe(200);
    expect((await postMessage(server.url, conversation, 'Can my family return with me?')).status).toBe(200);
    const { activities } = await activitiesOf(server.url, conversation);
    expect(activities.filter((a) => a.from?.role === 'user').map((a) => a.text)).toEqual(['How much does voluntary return cost?', 'Can my family return with me?']);
    // The WebSocket opened before the outage carries on with what came after it.
    await expect.poll(() => stream.received.some((a) => a.text === 'Can my family return with me?'), { timeout: 30_000 }).toBe(true);
    await expect.poll(async () => botTexts((await activitiesOf(server.url, conversation)).activities).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(5);
    stream.close();
  });

  it('stays alive when the database is killed under load from 20 conversations: 503 while it is gone, then back by itself', { timeout: 240_000 }, async () => {
    const conversations = await Promise.all(Array.from({ length: 20 }, () => startConversation(server.url)));
    type Outcome = { conversation: number; status: number; code?: string; at: 'before' | 'down' | 'after' };
    const outcomes: Outcome[] = [];
    let phase: Outcome['at'] = 'before';
    let posting = true;
    const count = (at: Outcome['at'], status: number, conversation?: number) =>
      outcomes.filter((o) => o.at === at && o.status === status && (conversation === undefined || o.conversation === conversation)).length;
    const state = () => {
      const tally: Record<string, number> = {};
      for (const o of outcomes) {
        const kind = `${o.at} ${o.status || 'no answer'}${o.code ? ` ${o.code}` : ''}`;
        tally[kind] = (tally[kind] ?? 0) + 1;
      }
      return `responses so far: ${JSON.stringify(tally)}`;
    };
    const each = (at: Outcome['at'], status: number, least: number) => () => conversations.every((_, i) => count(at, status, i) >= least);

    // Every conversation posts one message after another, as people typing at once would.
    const load = conversations.map(async (conversation, i) => {
      for (let n = 0; posting; n++) {
        const at = phase;
        const outcome: Outcome = { conversation: i, status: 0, at };
        try {
          const response = await postMessage(server.url, conversation, `Message ${n}: how much does voluntary return cost?`);
          outcome.status = response.status;
          if (response.status !== 200) outcome.code = ((await response.json()) as { code?: string }).code;
        } catch {
          // status 0: no HTTP answer at all (the process is gone).
        }
        outcomes.push(outcome);
        // A refused client waits a little before trying again, as the widget does.
        if (outcome.status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });

    try {
      // Load under way: every conversation has messages acknowledged.
      await until('two acknowledged messages in every conversation', each('before', 200, 2), state);
      phase = 'down';
      await cluster.stop('immediate');
      // Every conversation runs into the missing database, and is refused with a coded 503.
      await until('two 503s in every conversation', each('down', 503, 2), state);
      expect(await readiness()).toBe(503);
      expect(server.child.exitCode).toBeNull();

      await cluster.start();
      phase = 'after';
      await expect.poll(readiness, { timeout: 60_000, interval: 250 }).toBe(200);
      // Under the same load, every conversation is acknowledged again.
      await until('an acknowledged message in every conversation', each('after', 200, 1), state);
    } finally {
      posting = false;
      await Promise.all(load);
    }

    expect(server.child.exitCode).toBeNull();
    expect(server.child.signalCode).toBeNull();
    // Each request was either carried out or refused as retryable: no 500, no dropped connection.
    expect(outcomes.filter((o) => o.status !== 200 && !(o.status === 503 && o.code === 'RAHNAMA_STORE_UNAVAILABLE'))).toEqual([]);
    expect(count('down', 503)).toBeGreaterThanOrEqual(40);

    // A new message is answered after the outage.
    const posted = await postMessage(server.url, conversations[0]!, 'Can my family return with me?');
    expect(posted.status).toBe(200);
    const { id } = (await posted.json()) as { id: string };
    const { activities } = await activitiesOf(server.url, conversations[0]!);
    expect(activities.some((a) => a.from?.role === 'bot' && a.replyToId === id && (a.text ?? '').length > 0)).toBe(true);
  });
});
