import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelDefinition } from '../../src/channels/common/channel.js';
import { ChannelSet } from '../../src/channels/common/channel-set.js';
import { CHANNELS } from '../../src/channels/registry.js';
import { createWebChat } from '../../src/channels/webchat/setup.js';
import { openStore } from '../../src/storage/open-store.js';
import { buildApp } from '../../src/server/app.js';
import { shipped, testConfig } from '../support/engine.js';
import { useTempDir } from '../support/temp-dir.js';
import { smallEntry } from '../knowledge/small-knowledge.js';

const tempDir = useTempDir();
let app: FastifyInstance | undefined;
afterEach(() => app?.close());

interface LogLine {
  level: number;
  msg: string;
  code?: string;
  channel?: string;
  where?: string;
  mode?: string;
}

/** The server with the channels of `list` that `env` turns on, its log lines kept. */
async function serve(list: readonly ChannelDefinition[], env: Record<string, string> = {}) {
  const config = testConfig({ DATA_DIR: await tempDir(), ...env });
  const served = await shipped();
  const store = await openStore(config);
  const channels = new ChannelSet(list, { config, bot: await createWebChat(config, served, store), ...served, store });
  const logs: LogLine[] = [];
  app = await buildApp({ config, ...served, channels, store, logger: { level: 'info', stream: { write: (line: string) => void logs.push(JSON.parse(line)) } } });
  return { app, channels, logs, knowledge: served.knowledge };
}

/** A channel of its own, as a new folder would add: one route, and a record of what was asked of it. */
function channelNamed(name: string, calls: string[], { enabled = true, startFails = false } = {}): ChannelDefinition {
  return {
    name,
    limits: { buttonValueBytes: 64 },
    enabled: () => enabled,
    async create() {
      calls.push(`${name} created`);
      return {
        plugin: async (app) => {
          app.get(`/${name}/hook`, async () => ({ channel: name }));
        },
        details: { mode: 'test' },
        start: async () => {
          calls.push(`${name} started`);
          if (startFails) throw new Error(`${name} is out of reach`);
        },
        stop: async () => void calls.push(`${name} stopped`),
        deleteExpired: async () => 3,
      };
    },
  };
}

describe('channels as a list', () => {
  it('serves a channel that is one definition in the list: its route, started, its records expired, stopped', async () => {
    const calls: string[] = [];
    const { app, channels, logs } = await serve([channelNamed('viber', calls), channelNamed('whatsapp', calls, { enabled: false })]);
    expect((await app.inject({ url: '/viber/hook' })).json()).toEqual({ channel: 'viber' });
    expect((await app.inject({ url: '/whatsapp/hook' })).statusCode).toBe(404);
    expect(channels.names).toEqual(['viber']);
    channels.start();
    await expect.poll(() => logs.find((l) => l.msg === 'viber: started')).toMatchObject({ mode: 'test' });
    expect(await channels.deleteExpired()).toBe(3);
    await channels.stop();
    expect(calls).toEqual(['viber created', 'viber started', 'viber stopped']);
  });

  it('logs a channel that cannot start, and the others still start', async () => {
    const calls: string[] = [];
    const { channels, logs } = await serve([channelNamed('viber', calls, { startFails: true }), channelNamed('messenger', calls)]);
    channels.start();
    await expect.poll(() => logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['viber: could not start', 'messenger: started']));
  });

  it('serves the shipped channels the configuration turns on: the web chat always, Telegram\'s webhook with a token and a public address', async () => {
    const off = await serve(CHANNELS);
    expect(off.channels.names).toEqual(['webchat']);
    expect((await off.app.inject({ method: 'POST', url: '/v3/directline/tokens/generate' })).statusCode).toBe(200);
    await off.app.close();
    const on = await serve(CHANNELS, { TELEGRAM_BOT_TOKEN: '123456:test-token', PUBLIC_URL: 'https://bot.example.org', TELEGRAM_WEBHOOK_SECRET: 'webhook-secret-for-tests_0123456789' });
    expect(on.channels.names).toEqual(['webchat', 'telegram']);
    const webhook = on.app.printRoutes({ commonPrefix: false });
    expect(webhook).toMatch(/telegram\/[0-9a-f]{32} \(POST\)/);
  });

  it('logs RAHNAMA_CHANNEL_LIMIT for a published entry whose buttons Telegram cannot carry, naming the entry', async () => {
    const calls: string[] = [];
    const { logs, knowledge } = await serve([channelNamed('telegram-like', calls)]);
    // The shipped knowledge fits: nothing at start-up.
    expect(logs.filter((l) => l.code === 'RAHNAMA_CHANNEL_LIMIT')).toEqual([]);
    const long = `avrr-${'much-too-long-an-entry-id-'.repeat(3)}x`;
    knowledge.upsertEntry(smallEntry(long));
    try {
      const problems = logs.filter((l) => l.code === 'RAHNAMA_CHANNEL_LIMIT');
      expect(problems.length).toBeGreaterThan(0);
      expect(problems[0]).toMatchObject({ level: 50, channel: 'telegram-like', where: `knowledge entry ${long}` });
      expect(problems.map((p) => p.msg)).toContain(`The telegram-like channel cannot carry knowledge entry ${long}: button value "fb:down:${long}" is ${long.length + 8} bytes, over 64`);
    } finally {
      knowledge.removeEntry(long);
    }
  });
});
