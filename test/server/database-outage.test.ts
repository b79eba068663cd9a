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
  server = await startServer({ DATA_DIR: dataDir, DATABASE_URL: await cluster.createDatabase(), WIDGET_DIR, EMBEDDINGS: 'false', MODEL_DOWNLOAD: 'false' });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await cluster?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

const readiness = async () => (await fetch(`${server.url}/readyz`)).status;

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
});
