import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccountStore, LOCK_MS, MAX_FAILED_SIGN_INS } from '../../src/admin/account-store.js';
import { hashPassword, passwordProblem, verifyPassword } from '../../src/admin/passwords.js';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();
const PASSWORD = 'correct horse battery staple';

describe('staff passwords', () => {
  it('are stored as salted scrypt hashes that verify the right password only', async () => {
    const [a, b] = await Promise.all([hashPassword(PASSWORD), hashPassword(PASSWORD)]);
    expect(a).toMatch(/^scrypt\$131072\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword(PASSWORD, a)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', a)).toBe(false);
    expect(await verifyPassword(PASSWORD, 'md5$abc')).toBe(false);
  });

  it('must be long enough to resist guessing', () => {
    expect(passwordProblem('short')).toMatch(/at least 12/);
    expect(passwordProblem('aaaaaaaaaaaaaaaa')).toMatch(/repeat/);
    expect(passwordProblem(PASSWORD)).toBeUndefined();
  });
});

describe('staff accounts', () => {
  it('are kept across restarts without the password in clear, one per e-mail address', async () => {
    const dir = await tempDir();
    const store = new AccountStore(await EmbeddedStore.open(dir));
    await store.create({ email: ' Maria@Example.org ', role: 'admin', password: PASSWORD });
    await expect(store.create({ email: 'maria@example.org', role: 'editor', password: PASSWORD })).rejects.toThrow(/already exists/);
    await expect(store.create({ email: 'not-an-address', role: 'editor', password: PASSWORD })).rejects.toThrow(/not an e-mail/);
    await expect(store.create({ email: 'x@example.org', role: 'editor', password: 'short' })).rejects.toThrow(/at least 12/);
    expect(await readFile(path.join(dir, 'staff-accounts.json'), 'utf8')).not.toContain(PASSWORD);
    const reopened = new AccountStore(await EmbeddedStore.open(dir));
    expect(await reopened.accounts()).toEqual([{ email: 'maria@example.org', role: 'admin', createdAt: expect.any(String), failedSignIns: 0 }]);
    expect(await reopened.signIn('MARIA@example.org', PASSWORD)).toMatchObject({ account: { email: 'maria@example.org', role: 'admin' } });
  });

  it('refuse a wrong password and an unknown address alike, and lock after repeated failures until the lock expires', async () => {
    const store = new AccountStore(await EmbeddedStore.open(await tempDir()));
    await store.create({ email: 'editor@example.org', role: 'editor', password: PASSWORD });
    expect(await store.signIn('nobody@example.org', PASSWORD)).toEqual({ error: 'invalid' });
    const now = new Date('2026-12-01T10:00:00Z');
    const results = [];
    for (let i = 0; i < MAX_FAILED_SIGN_INS; i++) results.push(await store.signIn('editor@example.org', `wrong ${i}`, now));
    expect(results.map((r) => ('error' in r ? r.error : 'ok'))).toEqual(['invalid', 'invalid', 'invalid', 'invalid', 'locked']);
    // Even the right password is refused while locked.
    expect(await store.signIn('editor@example.org', PASSWORD, new Date(now.getTime() + LOCK_MS - 1000))).toEqual({ error: 'locked' });
    expect(await store.signIn('editor@example.org', PASSWORD, new Date(now.getTime() + LOCK_MS + 1000))).toMatchObject({ account: { role: 'editor' } });
  });
});
