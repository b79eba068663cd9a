import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { botCore, type ChannelDefinition } from '../../src/channels/common/channel.js';
import { ChannelSet } from '../../src/channels/common/channel-set.js';
import { CHANNELS } from '../../src/channels/registry.js';
import { createWebChatParts } from '../../src/channels/webchat/parts.js';
import { createBotStack, createWebChat } from '../../src/channels/webchat/setup.js';
import { openStore } from '../../src/storage/open-store.js';
import { buildApp } from '../../src/server/app.js';
import { shipped, testConfig } from '../support/engine.js';
import { useClosedAfterEach } from '../support/closed-after-each.js';
import { useTempDir } from '../support/temp-dir.js';
import { smallEntry } from '../knowledge/small-knowledge.js';

const tempDir = useTempDir();
const closing = useClosedAfterEach();
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

describe('the bot stack, loaded after the server is ready (main.ts)', () => {
  it('answers a web chat conversation started while the bot is still loading, once it is in, and says ready meanwhile', async () => {
    const config = testConfig({ DATA_DIR: await tempDir() });
    const served = await shipped();
    const store = closing(await openStore(config));
    const parts = await createWebChatParts(config, store);
    // The bot stack is held back until the test lets it in, as a slow import of botbuilder would.
    let letIn!: () => void;
    const held = new Promise<void>((resolve) => {
      letIn = resolve;
    });
    let loads = 0;
    const bot = botCore(parts, async () => {
      loads++;
      await held;
      return createBotStack(parts, served);
    });
    const channels = new ChannelSet(CHANNELS, { config, bot, ...served, store });
    const server = closing(await buildApp({ config, ...served, channels, store, logger: false }));
    const url = await server.listen({ port: 0, host: '127.0.0.1' });

    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const { token, conversationId } = await (await fetch(`${url}/v3/directline/tokens/generate`, { method: 'POST' })).json();
    const auth = { authorization: `Bearer ${token}` };
    const started = fetch(`${url}/v3/directline/conversations`, { method: 'POST', headers: auth });
    // The conversation's first turn has asked for the bot and waits for it; the server is still ready.
    await expect.poll(() => loads).toBe(1);
    expect(await (await fetch(`${url}/readyz`)).json()).toMatchObject({ status: 'ready' });
    letIn();
    expect((await started).status).toBe(201);
    const { activities } = await (await fetch(`${url}/v3/directline/conversations/${conversationId}/activities`, { headers: auth })).json();
    expect(activities.length).toBeGreaterThan(0);
    expect(activities.every((a: { from: { role: string } }) => a.from.role === 'bot')).toBe(true);
    expect(loads).toBe(1);
  });
});
