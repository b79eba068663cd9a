import { cp, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KNOWLEDGE_DIR } from '../support/paths.js';
import { failingStart, startServer } from '../support/process.js';
import { useTempDir } from '../support/temp-dir.js';
import { InsightsStore } from '../../src/storage/insights-store.js';
import { embeddedStoreOf } from '../support/stores.js';

const tempDir = useTempDir();

describe('the server process', () => {
  it('starts on the embedded defaults, answers over HTTP and stops cleanly on SIGTERM', async () => {
    const dir = await tempDir();
    const server = await startServer({ DATA_DIR: path.join(dir, 'data'), MODELS_DIR: path.join(dir, 'models'), MODEL_DOWNLOAD: 'false' });
    try {
      const ready = await fetch(`${server.url}/readyz`).then((r) => r.json());
      expect(ready).toMatchObject({ status: 'ready', mode: 'keyword', model: { status: 'absent' } });
      // The bot loads after "ready": a web chat conversation started at once is greeted all the same.
      const { token } = await fetch(`${server.url}/v3/directline/tokens/generate`, { method: 'POST' }).then((r) => r.json());
      const started = await fetch(`${server.url}/v3/directline/conversations`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect(started.status).toBe(201);
      await expect.poll(() => server.output()).toContain('"msg":"bot loaded"');
      expect(server.output().indexOf('"msg":"bot loaded"')).toBeGreaterThan(server.output().indexOf('"msg":"ready"'));
      const res = await fetch(`${server.url}/api/ask`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'هل يمكنني العودة إلى بلدي إذا رُفض طلب اللجوء؟' }),
      });
      expect(await res.json()).toMatchObject({ lang: 'ar', entryId: 'avrr-rejected-asylum' });
    } finally {
      expect(await server.stop()).toBe(0);
    }
    // Privacy: the question never reaches the info-level log.
    expect(server.output()).not.toContain('اللجوء');
  });

  it('deletes stored questions older than RETENTION_DAYS when it starts', async () => {
    const dataDir = path.join(await tempDir(), 'data');
    await mkdir(dataDir, { recursive: true });
    const seeded = await embeddedStoreOf(dataDir);
    const question = { lang: 'en', bestEntryId: null, bestConfidence: 0 } as const;
    const insights = new InsightsStore(seeded);
    await insights.recordUnanswered({ ...question, text: 'old question' }, new Date('2020-01-01T00:00:00Z'));
    await insights.recordUnanswered({ ...question, text: 'recent question' });
    // Written behind: written now, before the store closes (a closed store refuses writes).
    await insights.close();
    await seeded.close();
    const server = await startServer({ DATA_DIR: dataDir, MODELS_DIR: path.join(dataDir, 'models'), MODEL_DOWNLOAD: 'false', RETENTION_DAYS: '30' });
    try {
      await expect.poll(() => server.output(), { timeout: 10_000 }).toContain('deleted expired questions and feedback');
    } finally {
      await server.stop();
    }
    // Read as the next start would: the store's files again.
    expect((await new InsightsStore(await embeddedStoreOf(dataDir)).unanswered()).map((q) => q.text)).toEqual(['recent question']);
  });

  it('refuses to start on an invalid knowledge base and says which file and field', async () => {
    const knowledge = path.join(await tempDir(), 'knowledge');
    await cp(KNOWLEDGE_DIR, knowledge, { recursive: true });
    await writeFile(path.join(knowledge, 'new-entry.yaml'), 'id: new-entry\ntopic: avrr\n');
    const { code, output } = await failingStart({ KNOWLEDGE_DIR: knowledge });
    expect(code).toBe(1);
    expect(output).toContain('new-entry.yaml › languages: is missing');
  });

  it('says which address is taken when another process listens on its port, without a stack trace', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const dir = await tempDir();
      const { code, output } = await failingStart({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: path.join(dir, 'data'), MODEL_DOWNLOAD: 'false' });
      expect(code).toBe(1);
      expect(output).toContain(`rahnama: cannot listen on 127.0.0.1:${port}: another process is listening there`);
      expect(output).not.toMatch(/^\s+at /m);
    } finally {
      blocker.close();
    }
  });

  it('refuses to start on a bad variable and names it', async () => {
    const { code, output } = await failingStart({ MAX_QUESTION_LENGTH: 'lots' });
    expect(code).toBe(1);
    expect(output).toMatch(/Invalid configuration: MAX_QUESTION_LENGTH="lots"/);
  });
});
