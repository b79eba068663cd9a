import { copyFile, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { AccountStore } from '../../src/admin/account-store.js';
import { accountsFile, createAdminConsole } from '../../src/admin/setup.js';
import { loadAnswerEngine } from '../../src/retrieval/load-engine.js';
import { buildApp } from '../../src/server/app.js';
import { InsightsStore } from '../../src/storage/insights-store.js';
import { testConfig } from './engine.js';
import { KNOWLEDGE_DIR } from './paths.js';
import { useTempDir } from './temp-dir.js';

export const STAFF = { email: 'maria@example.org', password: 'a long staff password' } as const;

/**
 * The server with the staff console, wired as main.ts wires it, on a copy of the knowledge base
 * (publishing writes to it) and a fresh DATA_DIR with one editor account. The account is made
 * once per file (scrypt is slow on purpose) and copied in.
 */
export function useConsoleServer() {
  const tempDir = useTempDir();
  let template: string;
  let app: FastifyInstance | undefined;
  beforeAll(async () => {
    template = await mkdtemp(path.join(tmpdir(), 'rahnama-accounts-'));
    await (await AccountStore.open(accountsFile(template))).create({ email: STAFF.email, role: 'editor', password: STAFF.password });
  });
  afterAll(() => rm(template, { recursive: true, force: true }));
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  return async () => {
    const dataDir = await tempDir();
    const knowledgeDir = path.join(dataDir, 'knowledge');
    await cp(KNOWLEDGE_DIR, knowledgeDir, { recursive: true });
    await copyFile(accountsFile(template), accountsFile(dataDir));
    const config = testConfig({ DATA_DIR: dataDir, KNOWLEDGE_DIR: knowledgeDir });
    const engine = await loadAnswerEngine(config);
    const insights = await InsightsStore.open(path.join(dataDir, 'insights.json'));
    app = await buildApp({ config, engine, admin: await createAdminConsole(config, engine, insights), logger: false });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { app, url, engine, dataDir, knowledgeDir, insights };
  };
}

/** Cookies responses set, as a Cookie header for the next request. */
export const cookieHeader = (...responses: LightMyRequestResponse[]) =>
  responses.flatMap((r) => r.cookies.filter((c) => c.value).map((c) => `${c.name}=${c.value}`)).join('; ');

/** The CSRF token a console page's form carries. */
export const csrfOf = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';

/** Signs in through the sign-in form, as a browser would: its page, then the POST. */
export async function signInWith(app: FastifyInstance, password: string = STAFF.password) {
  const form = await app.inject({ url: '/admin/login' });
  const response = await app.inject({
    method: 'POST',
    url: '/admin/login',
    headers: { cookie: cookieHeader(form) },
    payload: { email: STAFF.email, password, _csrf: csrfOf(form.body) },
  });
  return { form, response, cookie: cookieHeader(response) };
}
