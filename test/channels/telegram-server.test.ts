import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeTelegram, textUpdate } from '../support/fake-telegram.js';
import { startServer } from '../support/process.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();
let fake: FakeTelegram;
beforeEach(async () => {
  fake = await new FakeTelegram().start();
});
afterEach(async () => fake?.close());

async function serverEnv(extra: Record<string, string> = {}) {
  const dataDir = path.join(await tempDir(), 'data');
  return { dataDir, env: { DATA_DIR: dataDir, MODELS_DIR: path.join(dataDir, 'models'), MODEL_DOWNLOAD: 'false', TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.url, ...extra } };
}

describe('the server process with TELEGRAM_BOT_TOKEN', () => {
  it('polls Telegram without PUBLIC_URL, answers, keeps ids out of logs and state, and stops cleanly on SIGTERM', async () => {
    const { dataDir, env } = await serverEnv();
    const server = await startServer(env);
    const user = { id: 987654321, language_code: 'tr' };
    try {
      // A user who blocked the bot: logged by update id, without the user's id.
      fake.failNextWith('sendMessage', 403, 'Forbidden: bot was blocked by the user');
      const blocked = textUpdate(user, '/help');
      fake.queueUpdate(blocked);
      await expect.poll(() => server.output(), { timeout: 10_000 }).toContain(`"updateId":${blocked.update_id}`);
      fake.queueUpdate(textUpdate(user, 'Dönüş ücretsiz mi?'));
      await fake.messages(1, { chatId: user.id });
    } finally {
      expect(await server.stop()).toBe(0);
    }
    // The hash key was generated once, readable by the owner only.
    expect((await stat(path.join(dataDir, 'telegram-id-secret'))).mode & 0o777).toBe(0o600);
    expect(await readFile(path.join(dataDir, 'store', 'bot-state.json'), 'utf8')).not.toContain(String(user.id));
    expect(server.output()).toContain('telegram: started');
    expect(server.output()).toContain('telegram: the user is out of reach');
    expect(server.output()).not.toContain(String(user.id));
    expect(server.output()).not.toContain('Dönüş');
    expect(server.output()).not.toContain(fake.token);
  });

  it('serves the webhook with PUBLIC_URL: registers it, answers updates with the secret and refuses the rest', async () => {
    const { env } = await serverEnv({ PUBLIC_URL: 'https://bot.example.org' });
    const server = await startServer(env);
    try {
      const registered = await fake.waitFor('setWebhook');
      const url = new URL(String(registered.params.url));
      const secret = String(registered.params.secret_token);
      expect(url.origin).toBe('https://bot.example.org');
      const post = (secretToken: string) =>
        fetch(`${server.url}${url.pathname}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secretToken },
          body: JSON.stringify(textUpdate({ id: 555000111, language_code: 'fr' }, '/start')),
        });
      expect((await post('wrong-secret-0123456789abcdef')).status).toBe(401);
      expect((await post(secret)).status).toBe(200);
      const [welcome] = await fake.messages(2, { chatId: 555000111 });
      expect(welcome?.params.text).toMatch(/Bonjour/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(server.output()).not.toContain('555000111');
  });
});
