import type { FastifyInstance } from 'fastify';
import { afterEach } from 'vitest';
import type { StaffRole } from '../../src/admin/account-store.js';
import { createAdminConsole } from '../../src/admin/setup.js';
import { HandoffDesk } from '../../src/handoff/handoff-desk.js';
import { buildApp } from '../../src/server/app.js';
import { InsightsStore } from '../../src/storage/insights-store.js';
import { openStore } from '../../src/storage/open-store.js';
import type { Store } from '../../src/storage/store.js';
import { cookieHeader, csrfOf } from '../support/console-server.js';
import { shipped, testConfig } from '../support/engine.js';
import { fixtureAccounts } from '../support/staff-accounts.js';
import { useTempDir } from '../support/temp-dir.js';

/** The staff of these tests: two counsellors with different languages, an admin and an editor. */
export const STAFF = {
  sara: { email: 'sara@example.org', role: 'counsellor', languages: ['ar', 'en'] },
  omid: { email: 'omid@example.org', role: 'counsellor', languages: ['fa', 'en'] },
  boss: { email: 'boss@example.org', role: 'admin', languages: [] },
  ed: { email: 'ed@example.org', role: 'editor', languages: [] },
} as const satisfies Record<string, { email: string; role: StaffRole; languages: readonly string[] }>;
export type StaffName = keyof typeof STAFF;
export const PASSWORD = 'a long staff password';

/**
 * The server with the staff console and live handoff, as main.ts wires them: a HandoffDesk from
 * the configuration on the same store (the person's side is the test, calling the desk as the
 * channels do), open every hour of the week, on a fresh DATA_DIR with the staff above.
 */
export function useHandoffConsole() {
  const tempDir = useTempDir();
  let app: FastifyInstance | undefined;
  let store: Store | undefined;
  afterEach(async () => {
    await app?.close();
    await store?.close();
    app = undefined;
    store = undefined;
  });
  return async () => {
    const config = testConfig({ DATA_DIR: await tempDir(), HANDOFF_HOURS: 'Sun-Sat 00:00-24:00' });
    const served = await shipped();
    store = await openStore(config);
    const accounts = fixtureAccounts(store);
    for (const staff of Object.values(STAFF)) await accounts.create({ ...staff, password: PASSWORD });
    const desk = HandoffDesk.fromConfig(store, config.handoff);
    const admin = await createAdminConsole(config, served, new InsightsStore(store), store, undefined, { handoff: desk });
    app = await buildApp({ config, engine: served.engine, knowledge: served.knowledge, store, admin, logger: false });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const server = app;
    /** Signs a staff member in through the form; their cookie and CSRF token. */
    const signIn = async (name: StaffName) => {
      const form = await server.inject({ url: '/admin/login' });
      const response = await server.inject({ method: 'POST', url: '/admin/login', headers: { cookie: cookieHeader(form) }, payload: { email: STAFF[name].email, password: PASSWORD, _csrf: csrfOf(form.body) } });
      if (response.statusCode !== 303) throw new Error(`sign-in of ${name} failed: ${response.statusCode}`);
      const cookie = cookieHeader(response);
      const home = await server.inject({ url: '/admin', headers: { cookie } });
      return { cookie, csrf: csrfOf(home.body), home: home.body };
    };
    return { app: server, url, store, desk, engine: served.engine, knowledge: served.knowledge, presence: admin.handoff!.presence, signIn };
  };
}
