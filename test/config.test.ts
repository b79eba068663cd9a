import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_VARIABLES, loadConfig } from '../src/config.js';
import { ERROR_CODES, RahnamaError } from '../src/errors.js';
import { ROOT } from './support/paths.js';

describe('configuration from the environment', () => {
  it('runs on documented defaults when nothing is set', () => {
    const config = loadConfig({}, '/srv/rahnama');
    expect(config.port).toBe(3000);
    expect(config.dataDir).toBe('/srv/rahnama/data');
    expect(config.maxQuestionLength).toBe(1000);
    expect(config.embeddings).toMatchObject({ enabled: true, modelId: 'Xenova/multilingual-e5-small', dtype: 'q8', download: true });
  });

  it('converts values and keeps them frozen', () => {
    const config = loadConfig({ PORT: '8080', EMBEDDINGS: 'false', ANSWER_THRESHOLD: '0.6', CONTACT_VERIFIED: 'true' });
    expect(config).toMatchObject({ port: 8080, answerThreshold: 0.6, embeddings: { enabled: false }, contactOverrides: { verified: true } });
    expect(Object.isFrozen(config.embeddings)).toBe(true);
  });

  it('stops with the name of every bad variable and why', () => {
    const error = (() => {
      try {
        loadConfig({ PORT: 'eighty', EMBEDDING_DTYPE: 'fp8' });
      } catch (e) {
        return e;
      }
    })() as RahnamaError;
    expect(error).toBeInstanceOf(RahnamaError);
    expect(error.code).toBe('RAHNAMA_CONFIG_INVALID');
    expect(error.message).toMatch(/PORT="eighty"/);
    expect(error.message).toMatch(/EMBEDDING_DTYPE="fp8"/);
  });

  it('is documented in the README, every variable with its default', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    for (const [name, spec] of Object.entries(ENV_VARIABLES)) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${name}\``));
      expect(row, name).toBeDefined();
      if (spec.default !== '' && spec.default !== undefined) expect(row, name).toContain(String(spec.default));
    }
  });
});

describe('error codes', () => {
  it('are each documented in the README with their HTTP status', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      expect(readme, code).toMatch(new RegExp(`\\| \`${code}\` \\| ${spec.status} \\|`));
    }
  });
});

describe('Telegram configuration', () => {
  it('is off by default, polls without PUBLIC_URL and talks to Telegram\'s own Bot API', () => {
    expect(loadConfig({}).telegram).toEqual({ botToken: '', publicUrl: '', apiRoot: 'https://api.telegram.org', webhookSecret: '', idSecret: '', groups: 'off' });
  });

  it('takes addresses without their trailing slash (grammY refuses one) and checks the rest', () => {
    const config = loadConfig({ TELEGRAM_BOT_TOKEN: '123456:ABC-def_ghi', PUBLIC_URL: 'https://bot.example.org/', TELEGRAM_API_ROOT: 'http://127.0.0.1:8081/', TELEGRAM_GROUPS: 'mention' });
    expect(config.telegram).toMatchObject({ publicUrl: 'https://bot.example.org', apiRoot: 'http://127.0.0.1:8081', groups: 'mention' });
    expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: 'not a token', PUBLIC_URL: 'http://insecure.example.org', TELEGRAM_WEBHOOK_SECRET: 'short', TELEGRAM_ID_SECRET: 'short', TELEGRAM_GROUPS: 'all' })).toThrow(
      /TELEGRAM_BOT_TOKEN=.*PUBLIC_URL=.*TELEGRAM_WEBHOOK_SECRET=.*TELEGRAM_ID_SECRET=.*TELEGRAM_GROUPS=/,
    );
  });
});
