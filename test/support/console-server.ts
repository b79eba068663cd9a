import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createAdminConsole } from '../../src/admin/setup.js';
import { createWebChat } from '../../src/channels/webchat/setup.js';
import { loadAnswerEngine } from '../../src/retrieval/load-engine.js';
import { buildApp } from '../../src/server/app.js';
import { InsightsStore } from '../../src/storage/insights-store.js';
import { embeddedStoreDir, openStore } from '../../src/storage/open-store.js';
import type { Store } from '../../src/storage/store.js';
import { testConfig } from './engine.js';
import { WIDGET_DIR } from './global-setup.js';
import { KNOWLEDGE_DIR } from './paths.js';
import { fixtureAccounts } from './staff-accounts.js';
import { useTempDir } from './temp-dir.js';

export const STAFF = { email: 'maria@example.org', password: 'a long staff password' } as const;

export interface ConsoleServerOptions {
  /**
   * Also the web chat (Direct Line, widget and demo page), its bot recording what it cannot
   * answer where the console's inbox reads it, as main.ts wires them. Default false.
   */
  webChat?: boolean;
}

/**
 * The server with the staff console, wired as main.ts wires it, on a copy of the knowledge base
 * (publishing writes to it) and a fresh DATA_DIR with one editor account (hashed at the fixture
 * cost), made once per file and copied in.
 */
export function useConsoleServer() {
  const tempDir = useTempDir();
  let template: string;
  let app: FastifyInstance | undefined;
  let store: Store | undefined;
  let insights: InsightsStore | undefined;
  beforeAll(async () => {
    template = await mkdtemp(path.join(tmpdir(), 'rahnama-accounts-'));
    const accounts = await openStore({ dataDir: template, databaseUrl: '' });
    await fixtureAccounts(accounts).create({ email: STAFF.email, role: 'editor', password: STAFF.password });
    await accounts.close();
  });
  afterAll(() => rm(template, { recursive: true, force: true }));
  afterEach(async () => {
    await app?.close();
    // Counts are written behind: written before the store closes, as main.ts does.
    await insights?.close();
    await store?.close();
    app = undefined;
    insights = undefined;
    store = undefined;
  });
  return async ({ webChat: withWebChat = false }: ConsoleServerOptions = {}) => {
    const dataDir = await tempDir();
    const knowledgeDir = path.join(dataDir, 'knowledge');
    await cp(KNOWLEDGE_DIR, knowledgeDir, { recursive: true });
    await cp(embeddedStoreDir(template), embeddedStoreDir(dataDir), { recursive: true });
    const config = testConfig({ DATA_DIR: dataDir, KNOWLEDGE_DIR: knowledgeDir, ...(withWebChat ? { DIRECTLINE_SECRET: 'c'.repeat(40) } : {}) });
    const served = await loadAnswerEngine(config);
    const { engine, knowledge } = served;
    store = await openStore(config);
    const webChat = withWebChat ? await createWebChat(config, served, store) : undefined;
    insights = webChat?.insights ?? new InsightsStore(store);
    app = await buildApp({ config, engine, knowledge, webChat, store, widgetDir: webChat ? WIDGET_DIR : undefined, admin: await createAdminConsole(config, served, insights, store), logger: false });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { app, url, engine, knowledge, dataDir, knowledgeDir, insights, store };
  };
}

/** Cookies responses set, as a Cookie header for the next request. */
export const cookieHeader = (...responses: LightMyRequestResponse[]) =>
  responses.flatMap((r) => r.cookies.filter((c) => c.value).map((c) => `${c.name}=${c.value}`)).join('; ');

/** The CSRF token a console page's form carries. */
export const csrfOf = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';

/** Signs the staff member in on a real browser page (from `path`, which leads to the sign-in form), until the overview shows. */
export async function signInOnPage(page: Page, url: string, path = '/admin/login'): Promise<void> {
  await page.goto(`${url}${path}`);
  await page.getByLabel('E-mail').fill(STAFF.email);
  await page.getByLabel('Password').fill(STAFF.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor({ timeout: 10_000 });
}

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
