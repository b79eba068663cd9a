import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/paths.js';
import { usePostgresDatabase } from '../support/postgres.js';
import { startServer } from '../support/process.js';
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
  it('creates the first admin from ADMIN_PASSWORD, or from a password asked twice, and a counsellor with their languages, and never stores a password in clear', async () => {
    const dir = await tempDir();
    const first = await adminCreate(['--email', 'Boss@Example.org'], { DATA_DIR: dir, ADMIN_PASSWORD: 'a long staff password' });
    expect(first).toMatchObject({ code: 0, output: expect.stringContaining('created admin account boss@example.org') });
    const asked = await adminCreate(['--email', 'ed@example.org', '--role', 'editor'], { DATA_DIR: dir, ADMIN_PASSWORD: '' }, 'another long password\nanother long password\n');
    expect(asked.code).toBe(0);
    const counsellor = await adminCreate(['--email', 'sara@example.org', '--role', 'counsellor', '--languages', 'ar, fa'], { DATA_DIR: dir, ADMIN_PASSWORD: 'a long staff password' });
    expect(counsellor).toMatchObject({ code: 0, output: expect.stringContaining('created counsellor account sara@example.org speaking ar, fa') });
    const accounts = await new AccountStore(await embeddedStoreOf(dir)).accounts();
    expect(accounts.map((a) => `${a.email} ${a.role} ${a.languages?.join(',') ?? '-'}`)).toEqual(['boss@example.org admin -', 'ed@example.org editor -', 'sara@example.org counsellor ar,fa']);
    const file = await readFile(path.join(dir, 'store', 'staff-accounts.json'), 'utf8');
    expect(file).not.toMatch(/long staff password|another long password/);
  });

  it('refuses mismatched or weak passwords, unknown roles and a second account for one address, saying why', async () => {
    const dir = await tempDir();
    const env = { DATA_DIR: dir, ADMIN_PASSWORD: '' };
    expect(await adminCreate(['--email', 'a@example.org'], env, 'a long staff password\nsomething else\n')).toMatchObject({ code: 1, output: expect.stringContaining('the two passwords differ') });
    expect(await adminCreate(['--email', 'a@example.org'], { ...env, ADMIN_PASSWORD: 'short' })).toMatchObject({ code: 1, output: expect.stringContaining('at least 12 characters') });
    expect(await adminCreate(['--email', 'a@example.org', '--role', 'owner'], env)).toMatchObject({ code: 1, output: expect.stringContaining('--role must be one of admin, editor, counsellor') });
    expect(await adminCreate(['--email', 'c@example.org', '--role', 'counsellor', '--languages', 'ar,xx'], env)).toMatchObject({ code: 1, output: expect.stringContaining('--languages: unknown xx') });
    await adminCreate(['--email', 'a@example.org'], { ...env, ADMIN_PASSWORD: 'a long staff password' });
    expect(await adminCreate(['--email', 'A@example.org'], { ...env, ADMIN_PASSWORD: 'a long staff password' })).toMatchObject({ code: 1, output: expect.stringContaining('already exists') });
  });
});

/** Signs in at a running server through its form, as a browser would; the status of the POST (303 to /admin: signed in). */
async function signInAt(url: string, email: string, password: string): Promise<number> {
  const form = await fetch(`${url}/admin/login`);
  const cookie = form.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const response = await fetch(`${url}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password, _csrf: csrf }).toString(),
  });
  return response.status;
}

const serverEnv = (dataDir: string, extra: Record<string, string> = {}) => ({ DATA_DIR: dataDir, MODELS_DIR: path.join(dataDir, 'models'), MODEL_DOWNLOAD: 'false', EMBEDDINGS: 'false', ...extra });

describe('npm run admin:create beside a running server', () => {
  it('refuses while a server owns the embedded store, saying how to do it instead, and never loses an account', async () => {
    const dataDir = await tempDir();
    const password = 'a long staff password';
    const server = await startServer(serverEnv(dataDir));
    try {
      const refused = await adminCreate(['--email', 'late@example.org'], { DATA_DIR: dataDir, ADMIN_PASSWORD: password });
      expect(refused.code).toBe(1);
      expect(refused.output).toMatch(/no account created: the embedded store .* is in use by the server \(process \d+, since/);
      expect(refused.output).toContain('Stop the server, run admin:create again, then start the server');
      // Nothing half-done: the running server does not know the address.
      expect(await signInAt(server.url, 'late@example.org', password)).toBe(401);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(await adminCreate(['--email', 'late@example.org'], { DATA_DIR: dataDir, ADMIN_PASSWORD: password })).toMatchObject({ code: 0 });
    const restarted = await startServer(serverEnv(dataDir));
    try {
      expect(await signInAt(restarted.url, 'late@example.org', 'a wrong password!')).toBe(401);
      expect(await signInAt(restarted.url, 'late@example.org', password)).toBe(303);
    } finally {
      await restarted.stop();
    }
    // Two server starts and three scrypt hashes: slow on a busy machine.
  }, 180_000);

  it('creates an account on PostgreSQL while a server runs, and that server signs it in at once', async () => {
    const dataDir = await tempDir();
    const databaseUrl = await usePostgresDatabase();
    const password = 'a long staff password';
    const server = await startServer(serverEnv(dataDir, { DATABASE_URL: databaseUrl }));
    try {
      // The server writes accounts meanwhile (a failure is counted), as it would in service.
      expect(await adminCreate(['--email', 'first@example.org'], { DATA_DIR: dataDir, DATABASE_URL: databaseUrl, ADMIN_PASSWORD: password })).toMatchObject({ code: 0 });
      expect(await signInAt(server.url, 'first@example.org', 'a wrong password!')).toBe(401);
      expect(await adminCreate(['--email', 'second@example.org'], { DATA_DIR: dataDir, DATABASE_URL: databaseUrl, ADMIN_PASSWORD: password })).toMatchObject({ code: 0 });
      expect(await signInAt(server.url, 'second@example.org', password)).toBe(303);
      expect(await signInAt(server.url, 'first@example.org', password)).toBe(303);
    } finally {
      await server.stop();
    }
  }, 180_000);
});
