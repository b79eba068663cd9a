import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeTelegram, textUpdate } from '../support/fake-telegram.js';
import { failingStart, startServer } from '../support/process.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();
let fake: FakeTelegram | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('secrets in what the server prints', () => {
  it('stops on a bad DATABASE_URL, token and secret without printing any of them', async () => {
    const { code, output } = await failingStart({
      DATABASE_URL: 'postgress://rahnama:Db-pa55word-x@db:5432/rahnama',
      TELEGRAM_BOT_TOKEN: 'Bot-t0ken-not-valid',
      DIRECTLINE_SECRET: 'Short-d1rectline',
    });
    expect(code).toBe(1);
    expect(output).toContain('DATABASE_URL="postgress://rahnama:***@db:5432/rahnama": must be a postgres://');
    expect(output).toContain('TELEGRAM_BOT_TOKEN=<hidden, 19 characters>: must be a bot token');
    expect(output).toContain('DIRECTLINE_SECRET=<hidden, 16 characters>: must be at least 32 characters');
    expect(output).not.toMatch(/Db-pa55word-x|Bot-t0ken-not-valid|Short-d1rectline/);
  });

  it('masks a configured secret wherever a log line quotes it (a Bot API error naming the token)', async () => {
    fake = await new FakeTelegram().start();
    const dataDir = path.join(await tempDir(), 'data');
    const server = await startServer({ DATA_DIR: dataDir, MODELS_DIR: path.join(dataDir, 'models'), MODEL_DOWNLOAD: 'false', EMBEDDINGS: 'false', TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.url });
    try {
      fake.failNextWith('sendMessage', 400, `Bad Request: bot ${fake.token} may not write here`);
      fake.queueUpdate(textUpdate({ id: 5550001, language_code: 'en' }, '/help'));
      await expect.poll(() => server.output(), { timeout: 15_000 }).toContain('telegram: update failed');
    } finally {
      await server.stop();
    }
    expect(server.output()).toContain('Bad Request: bot [redacted] may not write here');
    expect(server.output()).not.toContain(fake.token);
    // A whole server start: slow on a busy machine.
  }, 120_000);
});
