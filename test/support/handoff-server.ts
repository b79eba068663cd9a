import type { StaffRole } from '../../src/admin/account-store.js';
import { createAdminConsole } from '../../src/admin/setup.js';
import { createWebChat } from '../../src/channels/webchat/setup.js';
import { HandoffDesk } from '../../src/handoff/handoff-desk.js';
import { buildApp } from '../../src/server/app.js';
import { openStore } from '../../src/storage/open-store.js';
import { shipped, testConfig } from './engine.js';
import { WIDGET_DIR } from './global-setup.js';
import { fixtureAccounts } from './staff-accounts.js';
import { useTempDir } from './temp-dir.js';
import { useClosedAfterEach } from './closed-after-each.js';

/** A counsellor who speaks English only (so every other language gets the English gloss). */
export const COUNSELLOR: { readonly email: string; readonly role: StaffRole; readonly languages: readonly string[]; readonly password: string } = { email: 'lena@example.org', role: 'counsellor', languages: ['en'], password: 'a long counsellor password' };

/**
 * One server with both sides of live handoff, wired as main.ts wires them: the web chat (Direct
 * Line, widget, demo page) and the staff console on the same store, sharing one HandoffDesk from
 * the configuration, open every hour of the week, on a fresh DATA_DIR with `COUNSELLOR`'s account.
 * Closed after each test.
 */
export function useHandoffServer() {
  const tempDir = useTempDir();
  const closing = useClosedAfterEach();
  return async () => {
    const config = testConfig({ DATA_DIR: await tempDir(), DIRECTLINE_SECRET: 'b'.repeat(40), HANDOFF_HOURS: 'Sun-Sat 00:00-24:00' });
    const served = await shipped();
    const store = closing(await openStore(config));
    await fixtureAccounts(store).create(COUNSELLOR);
    const desk = HandoffDesk.fromConfig(store, config.handoff);
    const webChat = await createWebChat(config, served, store, desk);
    closing(webChat.insights);
    const admin = await createAdminConsole(config, served, webChat.insights, store, undefined, { handoff: desk });
    const app = closing(await buildApp({ config, engine: served.engine, knowledge: served.knowledge, webChat, admin, store, widgetDir: WIDGET_DIR, logger: false }));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, desk, store, engine: served.engine, knowledge: served.knowledge, locales: served.engine.locales };
  };
}
