import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSigner } from 'fast-jwt';
import { ConversationTokens, loadDirectLineSecret, newUserId } from '../../src/channels/webchat/tokens.js';
import { openStore } from '../../src/storage/open-store.js';
import type { RahnamaError } from '../../src/errors.js';
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
  it('name the one conversation and the one user they were issued for', () => {
    const tokens = new ConversationTokens(SECRET, 1800);
    const { token, expiresIn, userId } = tokens.issue('conv-1', 'dl_user-1');
    expect(expiresIn).toBe(1800);
    expect(userId).toBe('dl_user-1');
    expect(tokens.verify(token)).toEqual({ conversationId: 'conv-1', userId: 'dl_user-1' });
    // In the `user` claim, where botframework-webchat reads the user id it then sends.
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())).toMatchObject({ conv: 'conv-1', user: 'dl_user-1' });
  });

  it('refuse forged, tampered and malformed tokens, and tokens that name no user', () => {
    const tokens = new ConversationTokens(SECRET, 1800);
    const forged = new ConversationTokens('f'.repeat(40), 1800).issue('conv-1', 'dl_a').token;
    const [header, , signature] = tokens.issue('conv-1', 'dl_a').token.split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify({ conv: 'conv-1', user: 'dl_b', exp: 9999999999 })).toString('base64url')}.${signature}`;
    // Signed with the right secret, as tokens were before they carried a user.
    const userless = createSigner({ key: SECRET, algorithm: 'HS256', expiresIn: 60_000 })({ conv: 'conv-1' });
    for (const token of [forged, tampered, userless, 'not-a-token', '']) {
      expect(codeOf(() => tokens.verify(token))).toBe('RAHNAMA_TOKEN_INVALID');
    }
  });

  it('expire, and can be refreshed only while still valid, for the same conversation and user', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-01T10:00:00Z'));
    const tokens = new ConversationTokens(SECRET, 60);
    const { token } = tokens.issue('conv-1', 'dl_a');
    vi.setSystemTime(new Date('2026-12-01T10:00:50Z'));
    const refreshed = tokens.refresh(token);
    expect(tokens.verify(refreshed.token)).toEqual({ conversationId: 'conv-1', userId: 'dl_a' });
    vi.setSystemTime(new Date('2026-12-01T10:01:30Z'));
    expect(codeOf(() => tokens.verify(token))).toBe('RAHNAMA_TOKEN_EXPIRED');
    expect(codeOf(() => tokens.refresh(token))).toBe('RAHNAMA_TOKEN_EXPIRED');
    expect(tokens.verify(refreshed.token).conversationId).toBe('conv-1');
  });

  it('give each new web chat user an unguessable id with the prefix botframework-webchat keeps for token-borne ids', () => {
    const ids = new Set(Array.from({ length: 100 }, newUserId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^dl_[A-Za-z0-9_-]{22}$/);
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
