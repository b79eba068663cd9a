import type { FastifyServerOptions } from 'fastify';
import { createWebChat } from '../../src/channels/webchat/setup.js';
import { buildApp } from '../../src/server/app.js';
import { openStore } from '../../src/storage/open-store.js';
import { shipped, testConfig } from './engine.js';
import { WIDGET_DIR } from './global-setup.js';
import { useTempDir } from './temp-dir.js';
import { useClosedAfterEach } from './closed-after-each.js';

/**
 * The real server on loopback (engine, bot, Direct Line, widget and demo page) on a fresh
 * DATA_DIR, closed after each test.
 */
export function useWebChatServer() {
  const tempDir = useTempDir();
  const closing = useClosedAfterEach();
  /** `logger`: pino options (a test that reads the log lines passes its own stream); none by default. */
  return async (env: Record<string, string> = {}, { logger = false }: { logger?: FastifyServerOptions['logger'] } = {}) => {
    const config = testConfig({ DATA_DIR: await tempDir(), DIRECTLINE_SECRET: 'w'.repeat(40), ...env });
    const served = await shipped();
    const { engine, knowledge } = served;
    const store = closing(await openStore(config));
    const webChat = await createWebChat(config, served, store);
    // Its counts are written behind: written before the store closes, as main.ts does.
    closing(webChat.insights);
    const app = closing(await buildApp({ config, engine, knowledge, webChat, store, widgetDir: WIDGET_DIR, logger }));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { app, url, webChat, engine, knowledge, locales: engine.locales };
  };
}
