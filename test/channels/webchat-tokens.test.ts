import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConversationTokens, loadDirectLineSecret } from '../../src/channels/webchat/tokens.js';
import { openStore } from '../../src/storage/open-store.js';
import { RahnamaError } from '../../src/errors.js';
import { testConfig } from '../support/engine.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();
const SECRET = 's'.repeat(40);

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (error) {
    return (error as RahnamaError).code;
  }
  return undefined;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('web chat conversation tokens', () => {
  it('name the one conversation they were issued for', () => {
    const tokens = new ConversationTokens(SECRET, 1800);
    const { token, expiresIn } = tokens.issue('conv-1');
    expect(expiresIn).toBe(1800);
    expect(tokens.conversationOf(token)).toBe('conv-1');
  });

  it('refuse forged, tampered and malformed tokens', () => {
    const tokens = new ConversationTokens(SECRET, 1800);
    const forged = new ConversationTokens('f'.repeat(40), 1800).issue('conv-1').token;
    const [header, , signature] = tokens.issue('conv-1').token.split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify({ conv: 'conv-2', exp: 9999999999 })).toString('base64url')}.${signature}`;
    for (const token of [forged, tampered, 'not-a-token', '']) {
      expect(codeOf(() => tokens.conversationOf(token))).toBe('RAHNAMA_TOKEN_INVALID');
    }
  });

  it('expire, and can be refreshed only while still valid', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-01T10:00:00Z'));
    const tokens = new ConversationTokens(SECRET, 60);
    const { token } = tokens.issue('conv-1');
    vi.setSystemTime(new Date('2026-12-01T10:00:50Z'));
    const refreshed = tokens.refresh(token);
    expect(tokens.conversationOf(refreshed.token)).toBe('conv-1');
    vi.setSystemTime(new Date('2026-12-01T10:01:30Z'));
    expect(codeOf(() => tokens.conversationOf(token))).toBe('RAHNAMA_TOKEN_EXPIRED');
    expect(codeOf(() => tokens.refresh(token))).toBe('RAHNAMA_TOKEN_EXPIRED');
    expect(tokens.conversationOf(refreshed.token)).toBe('conv-1');
  });
});

describe('the Direct Line secret', () => {
  it('is generated once, kept readable by the owner only, and reused', async () => {
    const dataDir = await tempDir();
    const config = testConfig({ DATA_DIR: dataDir });
    const first = await loadDirectLineSecret(config, await openStore(config));
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(await loadDirectLineSecret(config, await openStore(config))).toBe(first);
    expect((await stat(path.join(dataDir, 'directline-secret'))).mode & 0o777).toBe(0o600);
  });

  it('comes from DIRECTLINE_SECRET when set, so every instance signs alike', async () => {
    const config = testConfig({ DATA_DIR: await tempDir(), DIRECTLINE_SECRET: SECRET });
    expect(await loadDirectLineSecret(config, await openStore(config))).toBe(SECRET);
  });
});
