import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryConversationLog } from '../../src/channels/webchat/conversations.js';
import { createWebChat } from '../../src/channels/webchat/setup.js';
import { buildApp } from '../../src/server/app.js';
import { BOT_STATE_COLLECTION } from '../../src/storage/bot-state-storage.js';
import type { Store } from '../../src/storage/store.js';
import { botTexts, openStream, postMessage, startConversation } from '../support/direct-line-client.js';
import { shipped, testConfig } from '../support/engine.js';
import { useStoreBackends } from '../support/stores.js';
import { useTempDir } from '../support/temp-dir.js';

/**
 * A real store whose calls are counted: each document, counter and broadcast method, by name
 * (`documents.apply`, `counters.add`, `broadcast.publish`, …). What a turn costs the store.
 */
function counted(store: Store) {
  const calls: string[] = [];
  const wrap = <T extends object>(target: T, kind: string): T =>
    new Proxy(target, {
      get(object, name, receiver) {
        const value = Reflect.get(object, name, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push(`${kind}.${String(name)}`);
          return (value as (...a: unknown[]) => unknown).apply(object, args);
        };
      },
    });
  const wrapped: Store = Object.create(store, {
    documents: { value: (collection: string) => wrap(store.documents(collection), 'documents') },
    counters: { value: (collection: string) => wrap(store.counters(collection), 'counters') },
    broadcast: { value: wrap(store.broadcast, 'broadcast') },
  }) as Store;
  return { store: wrapped, calls, since: () => { const start = calls.length; return () => calls.slice(start); } };
}

const TTL_SECONDS = 600;
const tempDir = useTempDir();
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe.each(useStoreBackends())('web chat turns on the $name store', (backend) => {
  async function server() {
    const store = await (await backend.place()).open();
    const counting = counted(store);
    const config = testConfig({ DATA_DIR: await tempDir(), DIRECTLINE_SECRET: 't'.repeat(40), DIRECTLINE_TOKEN_TTL: String(TTL_SECONDS) });
    const served = await shipped();
    const webChat = await createWebChat(config, served, counting.store);
    app = await buildApp({ config, ...served, webChat, store, logger: false });
    return { url: await app.listen({ port: 0, host: '127.0.0.1' }), webChat, counting, store };
  }
  const question = 'how much does it cost to go home?';

  it('writes a turn in one apply (user activity, replies, bot state), after one read at most, with one notice', async () => {
    const { url, counting } = await server();
    const conversation = await startConversation(url);
    const first = counting.since();
    const response = await postMessage(url, conversation, question);
    expect(response.status).toBe(200);
    const calls = first();
    expect(calls.filter((c) => c === 'documents.apply')).toHaveLength(1);
    expect(calls.filter((c) => c === 'documents.getMany').length).toBeLessThanOrEqual(1);
    // No write of its own for a document, no counter (written behind), no reading back.
    expect(calls.filter((c) => /documents\.(put|get|list|delete)$|counters\.add/.test(c))).toEqual([]);
    expect(calls.filter((c) => c === 'broadcast.publish')).toHaveLength(backend.name === 'postgres' ? 1 : 0);

    // The next turn of the conversation on this instance reads nothing: it wrote the state last.
    const second = counting.since();
    expect((await postMessage(url, conversation, 'and how long does the return take?')).status).toBe(200);
    expect(second().filter((c) => c.startsWith('documents.'))).toEqual(['documents.apply']);
  });

  it('hands the answer to its own WebSocket from memory, without reading it back', async () => {
    const { url, counting } = await server();
    const conversation = await startConversation(url);
    const stream = await openStream(url, conversation);
    try {
      await expect.poll(() => botTexts(stream.received).length).toBeGreaterThan(0);
      const welcome = stream.received.length;
      const during = counting.since();
      expect((await postMessage(url, conversation, question)).status).toBe(200);
      await expect.poll(() => stream.received.slice(welcome).filter((a) => a.type === 'message' && a.from?.role === 'bot').length).toBeGreaterThanOrEqual(2);
      const calls = during();
      expect(calls.filter((c) => c === 'documents.list')).toEqual([]);
      // The user's own message first, then the answer replying to it, each once.
      const after = stream.received.slice(welcome).filter((a) => a.type === 'message');
      expect(after[0]?.from?.role).toBe('user');
      expect(new Set(after.map((a) => a.id)).size).toBe(after.length);
      expect(after.slice(1).every((a) => a.replyToId === after[0]?.id)).toBe(true);
    } finally {
      stream.close();
    }
  });

  it('answers and writes its state again after retention deleted the state it remembered', async () => {
    const { url, webChat, store } = await server();
    const conversation = await startConversation(url);
    expect((await postMessage(url, conversation, question)).status).toBe(200);
    const state = () => store.documents(BOT_STATE_COLLECTION).list({ prefix: 'webchat/' });
    expect((await state()).length).toBeGreaterThan(0);
    await webChat.storage.deleteOlderThan(0, new Date(Date.now() + 1000));
    expect(await state()).toEqual([]);
    expect((await postMessage(url, conversation, 'and how long does the return take?')).status).toBe(200);
    expect((await state()).map((d) => d.key)).toContain(`webchat/conversations/${conversation.conversationId}/`);
  });

  it('forgets a conversation that never got a message after one token lifetime, and keeps one that did', async () => {
    const { url, webChat, store } = await server();
    const unused = await startConversation(url);
    const used = await startConversation(url);
    expect((await postMessage(url, used, question)).status).toBe(200);
    const stored = async (conversationId: string) => (await store.documents(BOT_STATE_COLLECTION).list()).filter((d) => d.key.includes(conversationId)).length;
    // The welcome alone writes no bot state: on the embedded store, nothing of it is on disk.
    if (backend.name === 'postgres') expect(await stored(unused.conversationId)).toBeGreaterThan(0);
    else expect(await stored(unused.conversationId)).toBe(0);

    await webChat.conversations.sweep(Date.now() + (TTL_SECONDS - 60) * 1000);
    expect((await webChat.conversations.since(unused.conversationId)).activities.length).toBeGreaterThan(0);

    await webChat.conversations.sweep(Date.now() + (TTL_SECONDS + 60) * 1000);
    expect(await stored(unused.conversationId)).toBe(0);
    expect(await stored(used.conversationId)).toBeGreaterThan(0);
    if (webChat.conversations instanceof MemoryConversationLog) {
      expect(webChat.conversations.has(unused.conversationId)).toBe(false);
      expect(webChat.conversations.has(used.conversationId)).toBe(true);
    } else {
      expect((await webChat.conversations.since(unused.conversationId)).activities).toEqual([]);
      expect(botTexts((await webChat.conversations.since(used.conversationId)).activities).length).toBeGreaterThan(1);
    }
  });
});

describe('web chat turns of one conversation on two instances sharing PostgreSQL', () => {
  const [, postgres] = useStoreBackends();
  const apps: FastifyInstance[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  it('runs again a turn whose write lost to the other instance: every message answered once, counted once', { timeout: 120_000 }, async () => {
    const place = await postgres!.place();
    const config = testConfig({ DATA_DIR: await tempDir(), DIRECTLINE_SECRET: 'u'.repeat(40) });
    const served = await shipped();
    const instances = await Promise.all([0, 1].map(async () => {
      const store = await place.open();
      const webChat = await createWebChat(config, served, store);
      const instance = await buildApp({ config, ...served, webChat, store, logger: false });
      apps.push(instance);
      return { url: await instance.listen({ port: 0, host: '127.0.0.1' }), webChat };
    }));
    const [a, b] = instances as [(typeof instances)[0], (typeof instances)[0]];
    const conversation = await startConversation(a.url);
    // Both at once, on both instances: both read the same head, one write is refused and run again.
    const questions = ['how much does it cost to go home?', 'how long does it take?', 'can my family come with me?', 'what documents do I need?'];
    for (let i = 0; i < questions.length; i += 2) {
      const responses = await Promise.all([postMessage(a.url, conversation, questions[i]!), postMessage(b.url, conversation, questions[i + 1]!)]);
      expect(responses.map((r) => r.status)).toEqual([200, 200]);
    }
    const { activities } = await a.webChat.conversations.since(conversation.conversationId);
    const asked = activities.filter((x) => x.from?.role === 'user').map((x) => x.text);
    expect([...asked].sort()).toEqual([...questions].sort());
    expect(new Set(activities.map((x) => x.id)).size).toBe(activities.length);
    // Each question has its replies, after it: none lost, none twice.
    for (const user of activities.filter((x) => x.from?.role === 'user')) {
      const replies = activities.filter((x) => x.replyToId === user.id);
      expect(replies.length).toBeGreaterThan(0);
      expect(activities.indexOf(replies[0]!)).toBeGreaterThan(activities.indexOf(user));
    }
    await Promise.all([a.webChat.insights.flush(), b.webChat.insights.flush()]);
    const daily = await a.webChat.insights.dailyCounts();
    expect(daily.reduce((sum, row) => sum + row.questions, 0)).toBe(questions.length);
  });
});
