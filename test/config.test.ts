import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_VARIABLES, loadConfig } from '../src/config.js';
import { ERROR_CODES, RahnamaError } from '../src/errors.js';
import { REDACTED, secretRedactor } from '../src/redact.js';
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

describe('TRUST_PROXY', () => {
  it('refuses true at start-up and says why: anyone could then pick their own address', () => {
    for (const value of ['true', 'yes', '0.0.0.0/0', '10.0.0.2,::/0']) {
      expect(() => loadConfig({ TRUST_PROXY: value }), value).toThrow(/TRUST_PROXY=.*would believe X-Forwarded-For from anyone.*give the proxy's addresses or CIDRs/);
    }
  });

  it('takes the proxies\' addresses, CIDRs and range names, or a hop count, and refuses anything else', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.210.0.2' }).trustProxy).toEqual(['10.210.0.2']);
    expect(loadConfig({ TRUST_PROXY: ' 10.0.0.0/8, 192.168.1.7 ,fd00::/8,loopback,::1' }).trustProxy).toEqual(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', 'loopback', '::1']);
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.example.org,10.0.0.0/33,1.2.3' })).toThrow(/TRUST_PROXY=.*proxy\.example\.org, 10\.0\.0\.0\/33, 1\.2\.3: each must be an IP address, a CIDR/);
    expect(() => loadConfig({ TRUST_PROXY: '99' })).toThrow(/hop count must be from 0 to 10/);
  });
});

describe('secrets in configuration errors', () => {
  const errorOf = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('no error');
  };

  it('shows an invalid DATABASE_URL with its password masked, and hides one that is not an address at all', () => {
    const message = errorOf({ DATABASE_URL: 'postgress://rahnama:Sup3r-s3cret@db:5432/rahnama?password=Other-s3cret' });
    expect(message).toContain('DATABASE_URL="postgress://rahnama:***@db:5432/rahnama?password=***"');
    expect(message).not.toMatch(/Sup3r-s3cret|Other-s3cret/);
    const pasted = errorOf({ DATABASE_URL: 'Sup3r-s3cret' });
    expect(pasted).toContain('DATABASE_URL=<hidden, 12 characters>: must be a postgres://');
    expect(pasted).not.toContain('Sup3r-s3cret');
  });

  it('never prints a bad token or secret, only its name, length and what is wrong', () => {
    const values = { TELEGRAM_BOT_TOKEN: 'not-a-token-but-secret', DIRECTLINE_SECRET: 'too-short-secret', ADMIN_SESSION_SECRET: 'short-session-secret', TELEGRAM_WEBHOOK_SECRET: 'bad secret!', TELEGRAM_ID_SECRET: 'short-id-secret' };
    const message = errorOf(values);
    for (const [name, value] of Object.entries(values)) {
      expect(message).toContain(`${name}=<hidden, ${value.length} characters>`);
      expect(message).not.toContain(value);
    }
  });

  it('lists the secret-bearing values set, and masks them wherever a log line quotes them', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://rahnama:p%40ss-w0rd@db/rahnama', TELEGRAM_BOT_TOKEN: '123456:ABC-secret-token', PORT: '8080' });
    expect(config.secrets).toEqual(['postgres://rahnama:p%40ss-w0rd@db/rahnama', '123456:ABC-secret-token']);
    const redact = secretRedactor(config.secrets);
    expect(redact('GET https://api.telegram.org/bot123456:ABC-secret-token/getMe failed')).toBe(`GET https://api.telegram.org/bot${REDACTED}/getMe failed`);
    expect(redact('password "p@ss-w0rd" refused; tried p%40ss-w0rd')).toBe(`password "${REDACTED}" refused; tried ${REDACTED}`);
    expect(redact('listening on port 8080')).toBe('listening on port 8080');
  });
});
