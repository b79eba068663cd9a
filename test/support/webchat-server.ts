import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { afterEach } from 'vitest';
import { createWebChat } from '../../src/channels/webchat/setup.js';
import { buildApp } from '../../src/server/app.js';
import { openStore } from '../../src/storage/open-store.js';
import type { Store } from '../../src/storage/store.js';
import { shipped, testConfig } from './engine.js';
import { WIDGET_DIR } from './global-setup.js';
import { useTempDir } from './temp-dir.js';

/**
 * The real server on loopback (engine, bot, Direct Line, widget and demo page) on a fresh
 * DATA_DIR, closed after each test.
 */
export function useWebChatServer() {
  const tempDir = useTempDir();
  let app: FastifyInstance | undefined;
  let store: Store | undefined;
  afterEach(async () => {
    await app?.close();
    await store?.close();
    app = undefined;
    store = undefined;
  });
  /** `logger`: pino options (a test that reads the log lines passes its own stream); none by default. */
  return async (env: Record<string, string> = {}, { logger = false }: { logger?: FastifyServerOptions['logger'] } = {}) => {
    const config = testConfig({ DATA_DIR: await tempDir(), DIRECTLINE_SECRET: 'w'.repeat(40), ...env });
    const served = await shipped();
    const { engine, knowledge } = served;
    store = await openStore(config);
    const webChat = await createWebChat(config, served, store);
    app = await buildApp({ config, engine, knowledge, webChat, store, widgetDir: WIDGET_DIR, logger });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { app, url, webChat, engine, knowledge, locales: engine.locales };
  };
}
