import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/paths.js';
import { useTempDir } from '../support/temp-dir.js';
import { AccountStore } from '../../src/admin/account-store.js';
import { embeddedStoreOf } from '../support/stores.js';

const tempDir = useTempDir();

/** Runs `npm run admin:create` as an operator would, with `input` on its standard input. */
function adminCreate(args: string[], env: Record<string, string>, input = ''): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/admin-create.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

describe('npm run admin:create', () => {
  it('creates the first admin from ADMIN_PASSWORD, or from a password asked twice, and never stores it in clear', async () => {
    const dir = await tempDir();
    const first = await adminCreate(['--email', 'Boss@Example.org'], { DATA_DIR: dir, ADMIN_PASSWORD: 'a long staff password' });
    expect(first).toMatchObject({ code: 0, output: expect.stringContaining('created admin account boss@example.org') });
    const asked = await adminCreate(['--email', 'ed@example.org', '--role', 'editor'], { DATA_DIR: dir, ADMIN_PASSWORD: '' }, 'another long password\nanother long password\n');
    expect(asked.code).toBe(0);
    const accounts = await new AccountStore(await embeddedStoreOf(dir)).accounts();
    expect(accounts.map((a) => `${a.email} ${a.role}`)).toEqual(['boss@example.org admin', 'ed@example.org editor']);
    const file = await readFile(path.join(dir, 'store', 'staff-accounts.json'), 'utf8');
    expect(file).not.toMatch(/long staff password|another long password/);
  });

  it('refuses mismatched or weak passwords, unknown roles and a second account for one address, saying why', async () => {
    const dir = await tempDir();
    const env = { DATA_DIR: dir, ADMIN_PASSWORD: '' };
    expect(await adminCreate(['--email', 'a@example.org'], env, 'a long staff password\nsomething else\n')).toMatchObject({ code: 1, output: expect.stringContaining('the two passwords differ') });
    expect(await adminCreate(['--email', 'a@example.org'], { ...env, ADMIN_PASSWORD: 'short' })).toMatchObject({ code: 1, output: expect.stringContaining('at least 12 characters') });
    expect(await adminCreate(['--email', 'a@example.org', '--role', 'owner'], env)).toMatchObject({ code: 1, output: expect.stringContaining('--role must be one of admin, editor') });
    await adminCreate(['--email', 'a@example.org'], { ...env, ADMIN_PASSWORD: 'a long staff password' });
    expect(await adminCreate(['--email', 'A@example.org'], { ...env, ADMIN_PASSWORD: 'a long staff password' })).toMatchObject({ code: 1, output: expect.stringContaining('already exists') });
  });
});
