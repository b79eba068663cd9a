import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AccountStore } from '../../src/admin/account-store.js';
import { SessionStore } from '../../src/admin/session-store.js';
import { buildApp } from '../../src/server/app.js';
import { shippedEngine, testConfig } from '../support/engine.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();
const PASSWORD = 'a long staff password';
let app: FastifyInstance;
let adminRoutes: { method: string; url: string }[] = [];
let accountsFile: string;

afterEach(() => app?.close());

/** Accounts are made once (scrypt is slow on purpose); each test gets its own server and sessions. */
let accountsDir: string;
beforeAll(async () => {
  accountsDir = await mkdtemp(path.join(tmpdir(), 'rahnama-accounts-'));
  accountsFile = path.join(accountsDir, 'accounts.json');
  await (await AccountStore.open(accountsFile)).create({ email: 'maria@example.org', role: 'editor', password: PASSWORD });
});
afterAll(() => rm(accountsDir, { recursive: true, force: true }));

async function start() {
  const dir = await tempDir();
  const config = testConfig({ DATA_DIR: dir });
  const engine = await shippedEngine();
  const accounts = await AccountStore.open(accountsFile);
  const sessions = await SessionStore.open(path.join(dir, 'sessions.json'), 3600_000);
  app = await buildApp({
    config,
    engine,
    logger: false,
    admin: { accounts, sessions, cookieSecret: 's'.repeat(40), sessionSeconds: 3600, counts: () => ({ entries: engine.entries.size, unanswered: 0, feedback: 0 }) },
  });
  await app.ready();
  adminRoutes = routesOf(app).filter((r) => r.url.startsWith('/admin'));
}

/** Every route the server has, read from the router's own tree (`printRoutes`). */
function routesOf(server: FastifyInstance): { method: string; url: string }[] {
  const routes: { method: string; url: string }[] = [];
  const prefixes: string[] = [];
  for (const line of server.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:│   |    )*)[├└]── (\S+)(?: \(([^)]+)\))?/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    prefixes.length = depth;
    const url = prefixes.join('') + (match[2] ?? '');
    prefixes.push(match[2] ?? '');
    for (const method of (match[3] ?? '').split(', ').filter((m) => m && m !== 'HEAD')) routes.push({ method, url });
  }
  return routes;
}

/** Cookies a response set, as a Cookie header for the next request. */
const cookieHeader = (...responses: LightMyRequestResponse[]) =>
  responses.flatMap((r) => r.cookies.filter((c) => c.value).map((c) => `${c.name}=${c.value}`)).join('; ');
const csrfOf = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';

async function signIn(password = PASSWORD) {
  const form = await app.inject({ url: '/admin/login' });
  const response = await app.inject({
    method: 'POST',
    url: '/admin/login',
    headers: { cookie: cookieHeader(form) },
    payload: { email: 'maria@example.org', password, _csrf: csrfOf(form.body) },
  });
  return { form, response, cookie: cookieHeader(response) };
}

describe('the staff console', () => {
  it('signs staff in with a session cookie that is HttpOnly, SameSite=Strict and signed, and signs them out', async () => {
    await start();
    const { response, cookie } = await signIn();
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/admin');
    const session = response.cookies.find((c) => c.name === 'rahnama_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin', maxAge: 3600 });
    const home = await app.inject({ url: '/admin', headers: { cookie } });
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('maria@example.org');
    expect(home.headers['content-security-policy']).toContain("default-src 'none'");

    const out = await app.inject({ method: 'POST', url: '/admin/logout', headers: { cookie }, payload: { _csrf: csrfOf(home.body) } });
    expect(out.statusCode).toBe(303);
    expect((await app.inject({ url: '/admin', headers: { cookie } })).headers.location).toBe('/admin/login');
  });

  it('refuses a wrong password or a sign-in form without its CSRF token, saying which in the page', async () => {
    await start();
    const wrong = await signIn('not the password at all');
    expect(wrong.response.statusCode).toBe(401);
    expect(wrong.response.body).toContain('The e-mail or password is not right.');
    expect(wrong.response.cookies.some((c) => c.name === 'rahnama_session')).toBe(false);
    const forged = await app.inject({ method: 'POST', url: '/admin/login', payload: { email: 'maria@example.org', password: PASSWORD, _csrf: 'guess' } });
    expect(forged.statusCode).toBe(403);
    expect(forged.cookies.some((c) => c.name === 'rahnama_session')).toBe(false);
  });

  it('refuses every console route to anonymous requests, and every state-changing one without the CSRF token', async () => {
    await start();
    const open = new Set(['/admin/login', '/admin/admin.css']);
    const guarded = adminRoutes.filter((r) => !open.has(r.url));
    expect(guarded.length).toBeGreaterThanOrEqual(2);
    const { cookie } = await signIn();
    for (const { method, url } of guarded) {
      const anonymous = await app.inject({ method: method as 'GET', url });
      if (method === 'GET') expect(anonymous.headers.location, `${method} ${url}`).toBe('/admin/login');
      else expect(anonymous.json(), `${method} ${url}`).toMatchObject({ statusCode: 401, code: 'RAHNAMA_ADMIN_SIGN_IN_REQUIRED' });
      if (method !== 'GET') {
        const withoutCsrf = await app.inject({ method: method as 'POST', url, headers: { cookie }, payload: {} });
        expect(withoutCsrf.json(), `${method} ${url}`).toMatchObject({ statusCode: 403, code: 'RAHNAMA_ADMIN_CSRF' });
      }
    }
    // A forged session cookie is no session.
    expect((await app.inject({ url: '/admin', headers: { cookie: 'rahnama_session=abc.def' } })).headers.location).toBe('/admin/login');
  });

  it('speaks Bulgarian when asked', async () => {
    await start();
    const page = await app.inject({ url: '/admin/login?lang=bg' });
    expect(page.body).toContain('<html lang="bg">');
    expect(page.body).toContain('Парола');
  });
});
