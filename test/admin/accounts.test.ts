import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AccountStore, LOCK_MS, MAX_FAILED_SIGN_INS, type SignInResult } from '../../src/admin/account-store.js';
import { hashPassword, OWASP_SCRYPT_COST, passwordProblem, verifyPassword } from '../../src/admin/passwords.js';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { FIXTURE_SCRYPT_COST, fixtureAccounts } from '../support/staff-accounts.js';
import { useStoreBackends } from '../support/stores.js';
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

  it("verify at the cost stored with each hash: production's (OWASP's) and the test fixtures' cheaper one alike", async () => {
    const [production, fixture] = await Promise.all([hashPassword(PASSWORD), hashPassword(PASSWORD, FIXTURE_SCRYPT_COST)]);
    expect(production.split('$').slice(1, 4)).toEqual([OWASP_SCRYPT_COST.N, OWASP_SCRYPT_COST.r, OWASP_SCRYPT_COST.p].map(String));
    expect(fixture.split('$').slice(1, 4)).toEqual([FIXTURE_SCRYPT_COST.N, FIXTURE_SCRYPT_COST.r, FIXTURE_SCRYPT_COST.p].map(String));
    for (const hash of [production, fixture]) {
      expect(await verifyPassword(PASSWORD, hash)).toBe(true);
      expect(await verifyPassword(`${PASSWORD}!`, hash)).toBe(false);
    }
    // The cost is part of what is checked: the fixture's hash read at another cost does not match.
    expect(await verifyPassword(PASSWORD, fixture.replace(`$${FIXTURE_SCRYPT_COST.N}$`, `$${FIXTURE_SCRYPT_COST.N * 2}$`))).toBe(false);
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
    const store = fixtureAccounts(await EmbeddedStore.open(dir));
    await store.create({ email: ' Maria@Example.org ', role: 'admin', password: PASSWORD });
    await expect(store.create({ email: 'maria@example.org', role: 'editor', password: PASSWORD })).rejects.toThrow(/already exists/);
    await expect(store.create({ email: 'not-an-address', role: 'editor', password: PASSWORD })).rejects.toThrow(/not an e-mail/);
    await expect(store.create({ email: 'x@example.org', role: 'editor', password: 'short' })).rejects.toThrow(/at least 12/);
    expect(await readFile(path.join(dir, 'staff-accounts.json'), 'utf8')).not.toContain(PASSWORD);
    const reopened = fixtureAccounts(await EmbeddedStore.open(dir));
    expect(await reopened.accounts()).toEqual([{ email: 'maria@example.org', role: 'admin', createdAt: expect.any(String), failedSignIns: 0 }]);
    expect(await reopened.signIn('MARIA@example.org', PASSWORD)).toMatchObject({ account: { email: 'maria@example.org', role: 'admin' } });
  });

  it('refuse a wrong password and an unknown address alike, and lock after repeated failures until the lock expires', async () => {
    const store = fixtureAccounts(await EmbeddedStore.open(await tempDir()));
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

// The timeouts below: a fresh PostgreSQL database per test, on a shared machine.
describe.each(useStoreBackends())('sign-in failures on the $name store', (backend) => {
  const signInAll = (stores: AccountStore[], passwords: string[], now: Date) =>
    Promise.all(passwords.map((password, i) => stores[i % stores.length]!.signIn('editor@example.org', password, now)));
  const errors = (results: SignInResult[]) => results.map((r) => ('error' in r ? r.error : 'ok')).sort();
  const wrong = Array.from({ length: 9 }, (_, i) => `wrong password ${i}`);

  it('count nine wrong passwords sent at once as nine: locked after, the right password refused until the lock ends', async () => {
    const place = await backend.place();
    const store = fixtureAccounts(await place.open());
    await store.create({ email: 'editor@example.org', role: 'editor', password: PASSWORD });
    const now = new Date('2026-12-01T10:00:00Z');
    const results = await signInAll([store], wrong, now);
    // The first four are refused as wrong; the fifth locks; the rest find it locked (their passwords never checked).
    expect(errors(results)).toEqual([...Array<string>(4).fill('invalid'), ...Array<string>(5).fill('locked')]);
    expect(await store.signIn('editor@example.org', PASSWORD, new Date(now.getTime() + 1000))).toEqual({ error: 'locked' });
    expect(await store.signIn('editor@example.org', PASSWORD, new Date(now.getTime() + LOCK_MS + 1000))).toMatchObject({ account: { email: 'editor@example.org' } });
  }, 120_000);

  it('let the right password in among wrong ones sent at once, and a success starts the count again', async () => {
    const place = await backend.place();
    const store = fixtureAccounts(await place.open());
    await store.create({ email: 'editor@example.org', role: 'editor', password: PASSWORD });
    const now = new Date('2026-12-01T10:00:00Z');
    const results = await signInAll([store], ['wrong 1', 'wrong 2', PASSWORD], now);
    expect(errors(results)).toEqual(['invalid', 'invalid', 'ok']);
    expect((await store.find('editor@example.org'))?.failedSignIns).toBe(0);
  }, 120_000);
});

describe.each(useStoreBackends().filter((b) => b.name === 'postgres'))('sign-in failures on instances sharing the $name store', (backend) => {
  it('count failures sent at once to two instances as one count', async () => {
    const place = await backend.place();
    const [a, b] = [fixtureAccounts(await place.open()), fixtureAccounts(await place.open())];
    await a.create({ email: 'editor@example.org', role: 'editor', password: PASSWORD });
    const now = new Date('2026-12-01T10:00:00Z');
    const wrong = Array.from({ length: 9 }, (_, i) => `wrong password ${i}`);
    const results = await Promise.all(wrong.map((password, i) => [a, b][i % 2]!.signIn('editor@example.org', password, now)));
    expect(results.map((r) => ('error' in r ? r.error : 'ok')).sort()).toEqual([...Array<string>(4).fill('invalid'), ...Array<string>(5).fill('locked')]);
    expect(await b.signIn('editor@example.org', PASSWORD, now)).toEqual({ error: 'locked' });
    expect(await a.signIn('editor@example.org', PASSWORD, now)).toEqual({ error: 'locked' });
  }, 120_000);
});
