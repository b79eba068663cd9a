import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelSet } from '../../src/channels/common/channel-set.js';
import { CHANNELS } from '../../src/channels/registry.js';
import { createWebChat } from '../../src/channels/webchat/setup.js';
import { openStore } from '../../src/storage/open-store.js';
import { buildApp } from '../../src/server/app.js';
import { shipped, testConfig } from '../support/engine.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();
let app: FastifyInstance | undefined;
afterEach(() => app?.close());

/** The server as main.ts builds it: every channel the configuration turns on, from the registry. */
async function appWith(env: Record<string, string>) {
  const config = testConfig({ DATA_DIR: await tempDir(), ...env });
  const served = await shipped();
  const store = await openStore(config);
  const channels = new ChannelSet(CHANNELS, { config, bot: await createWebChat(config, served, store), ...served, store });
  app = await buildApp({ config, ...served, channels, logger: false });
  return app;
}

const activity = { type: 'message', text: 'hello', channelId: 'emulator', serviceUrl: 'http://127.0.0.1:9/', from: { id: 'u' }, recipient: { id: 'b' }, conversation: { id: 'c' } };

describe('POST /api/messages (Azure Bot Service)', () => {
  it('does not exist unless a Microsoft app id is configured', async () => {
    const res = await (await appWith({})).inject({ method: 'POST', url: '/api/messages', payload: activity });
    expect(res.statusCode).toBe(404);
  });

  it('refuses a request without a Bot Framework token when configured', async () => {
    const res = await (await appWith({ MicrosoftAppId: '00000000-0000-0000-0000-000000000001', MicrosoftAppPassword: 'not-a-real-secret' }))
      .inject({ method: 'POST', url: '/api/messages', payload: activity });
    expect(res.statusCode).toBe(401);
  });
});
