import path from 'node:path';
import { createWebChat } from '../src/channels/webchat/setup.js';
import { openStore } from '../src/storage/open-store.js';
import { loadConfig } from '../src/config.js';
import { loadAnswerEngine } from '../src/retrieval/load-engine.js';
import { buildApp } from '../src/server/app.js';
import type { MemorySnapshot } from './webchat.js';

/**
 * The server side of the web chat memory bench, run by `measureMemory` in bench/webchat.ts as
 * `node --expose-gc --import tsx bench/webchat-memory.ts` with an IPC channel. It builds the app
 * as src/main.ts does (keyword mode), listens on loopback, starts conversations through
 * `inject`, and reports its heap after forced garbage collection. It keeps no client-side
 * record of the conversations: their ids and tokens go to the parent at once.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const CONVERSATIONS = 1000;
/** fast-jwt's verifier caches up to 1,000 tokens: the warm-up fills it, so it does not count per conversation. */
const WARMUP_CONVERSATIONS = 1000;

const gc = globalThis.gc;
const channel = process.send?.bind(process);
if (!gc || !channel) throw new Error('bench/webchat-memory.ts runs under --expose-gc with an IPC channel (see measureMemory)');

const send = (message: object) => new Promise<void>((resolve, reject) => channel(message, undefined, undefined, (error) => (error ? reject(error) : resolve())));

async function settled(): Promise<MemorySnapshot> {
  for (let i = 0; i < 4; i++) {
    gc!();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { heapUsed, external, arrayBuffers, rss } = process.memoryUsage();
  return { heapUsed, external, arrayBuffers, rss };
}

const config = loadConfig(process.env, ROOT);
const served = await loadAnswerEngine(config);
const webChat = await createWebChat(config, served, await openStore(config));
// Every socket comes from loopback here: the per-address cap on streams would refuse most of them.
const app = await buildApp({ config, ...served, webChat: { ...webChat, streamLimits: { perConversation: 4, perAddress: Number.POSITIVE_INFINITY } }, logger: false });
const url = await app.listen({ port: 0, host: '127.0.0.1' });

/** Starts conversations as the web chat does (token, then start: the bot stores its welcome and the user's state). */
async function start(count: number, warmup: boolean): Promise<void> {
  for (let b = 0; b < count; b += 100) {
    const items = await Promise.all(Array.from({ length: Math.min(100, count - b) }, async () => {
      const { token } = (await app.inject({ method: 'POST', url: '/v3/directline/tokens/generate' })).json() as { token: string };
      const started = await app.inject({ method: 'POST', url: '/v3/directline/conversations', headers: { authorization: `Bearer ${token}` } });
      if (started.statusCode !== 201) throw new Error(`starting a conversation: HTTP ${started.statusCode}`);
      const { conversationId, token: streamToken } = started.json() as { conversationId: string; token: string };
      return { conversationId, token: streamToken };
    }));
    await send({ type: 'conversations', warmup, items });
  }
}

await start(WARMUP_CONVERSATIONS, true);
const before = await settled();
await start(CONVERSATIONS, false);
const after = await settled();

process.on('message', (message: { type?: string }) => {
  if (message.type === 'snapshot') void settled().then((memory) => send({ type: 'snapshot', memory }));
});
process.once('SIGTERM', () => void app.close().then(() => process.exit(0), () => process.exit(1)));
await send({ type: 'ready', url, conversations: CONVERSATIONS, before, after });
