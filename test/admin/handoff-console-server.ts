import { get } from 'node:http';
import type { StaffRole } from '../../src/admin/account-store.js';
import { createAdminConsole } from '../../src/admin/setup.js';
import { HandoffDesk } from '../../src/handoff/handoff-desk.js';
import { buildApp } from '../../src/server/app.js';
import { InsightsStore } from '../../src/storage/insights-store.js';
import { openStore } from '../../src/storage/open-store.js';
import { cookieHeader, csrfOf } from '../support/console-server.js';
import { shipped, testConfig } from '../support/engine.js';
import { fixtureAccounts } from '../support/staff-accounts.js';
import { useTempDir } from '../support/temp-dir.js';
import { useClosedAfterEach } from '../support/closed-after-each.js';

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
  const closing = useClosedAfterEach();
  /** `databaseUrl`: on PostgreSQL (an empty database), where other instances can share it. */
  return async ({ databaseUrl }: { databaseUrl?: string } = {}) => {
    const config = testConfig({ DATA_DIR: await tempDir(), HANDOFF_HOURS: 'Sun-Sat 00:00-24:00', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });
    const served = await shipped();
    const store = closing(await openStore(config));
    const accounts = fixtureAccounts(store);
    for (const staff of Object.values(STAFF)) await accounts.create({ ...staff, password: PASSWORD });
    const desk = HandoffDesk.fromConfig(store, config.handoff);
    const admin = await createAdminConsole(config, served, new InsightsStore(store), store, undefined, { handoff: desk });
    const app = closing(await buildApp({ config, engine: served.engine, knowledge: served.knowledge, store, admin, logger: false }));
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
    return { app: server, url, config, store, desk, engine: served.engine, knowledge: served.knowledge, presence: admin.handoff!.presence, signIn };
  };
}

/**
 * A console page's event stream, read as the browser's EventSource would, on a connection of its
 * own (node:http without an agent: fetch's pool may open a spare connection that holds the
 * server's close until its header timeout). `until` waits for what arrived to satisfy `done`.
 */
export async function openEventStream(url: string, cookie: string) {
  const request = get(url, { headers: { cookie, accept: 'text/event-stream' }, agent: false });
  const response = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => request.once('response', resolve).once('error', reject));
  response.setEncoding('utf8');
  let text = '';
  let wake: (() => void) | undefined;
  response.on('data', (chunk: string) => {
    text += chunk;
    wake?.();
  });
  response.on('end', () => wake?.());
  return {
    status: response.statusCode,
    contentType: response.headers['content-type'],
    get text() {
      return text;
    },
    async until(done: (text: string) => boolean): Promise<string> {
      while (!done(text)) {
        if (response.readableEnded) throw new Error(`the stream ended early after: ${text}`);
        await new Promise<void>((resolve) => (wake = resolve));
      }
      return text;
    },
    close: () => request.destroy(),
  };
}
