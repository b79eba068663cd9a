import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import WebSocket from 'ws';
import { escapeHtmlInMarkdown } from '../../src/channels/webchat/adapter.js';
import { createWebChat } from '../../src/channels/webchat/setup.js';
import type { StreamLimits } from '../../src/channels/webchat/stream-limits.js';
import { openStore } from '../../src/storage/open-store.js';
import { buildApp } from '../../src/server/app.js';
import { shipped, shippedEngine, shippedKnowledge, testConfig } from '../support/engine.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();
let app: FastifyInstance;

afterEach(() => app?.close());

async function start(env: Record<string, string> = {}, streamLimits?: StreamLimits) {
  const config = testConfig({ DATA_DIR: await tempDir(), DIRECTLINE_SECRET: 'd'.repeat(40), ...env });
  const served = await shipped();
  const webChat = await createWebChat(config, served, await openStore(config));
  app = await buildApp({ config, ...served, webChat: { ...webChat, streamLimits }, logger: false });
  return webChat;
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

interface Started {
  conversationId: string;
  token: string;
  /** The user the token was issued to, as the server names it. */
  userId: string;
  streamUrl: string;
  status: number;
}

async function newConversation(remoteAddress = '127.0.0.1'): Promise<Started> {
  const generated = (await app.inject({ method: 'POST', url: '/v3/directline/tokens/generate', remoteAddress })).json();
  const started = await app.inject({ method: 'POST', url: '/v3/directline/conversations', headers: auth(generated.token), remoteAddress });
  const body = started.json();
  return { ...body, userId: body.user.id, status: started.statusCode };
}

const post = (conversationId: string, token: string, activity: object) =>
  app.inject({ method: 'POST', url: `/v3/directline/conversations/${conversationId}/activities`, headers: auth(token), payload: activity });
const poll = (conversationId: string, token: string, watermark?: string) =>
  app.inject({ url: `/v3/directline/conversations/${conversationId}/activities${watermark ? `?watermark=${watermark}` : ''}`, headers: auth(token) });

describe('the Direct Line subset of the web chat', () => {
  it('starts a conversation with a welcome, and answers a message read back by watermark', async () => {
    await start();
    const { conversationId, token, status, userId } = await newConversation();
    expect(status).toBe(201);
    const welcome = (await poll(conversationId, token)).json();
    expect(welcome.activities.length).toBe(2);
    expect(welcome.activities.every((a: { from: { role: string } }) => a.from.role === 'bot')).toBe(true);

    const sent = await post(conversationId, token, { type: 'message', text: 'How do I apply for voluntary return?', from: { id: userId } });
    expect(sent.statusCode).toBe(200);
    const after = (await poll(conversationId, token, welcome.watermark)).json();
    expect(after.activities[0]).toMatchObject({ id: sent.json().id, text: 'How do I apply for voluntary return?', from: { role: 'user' } });
    expect(after.activities[1].text).toContain(((await shippedKnowledge()).entries.get('avrr-how-to-apply')?.languages.en.answer ?? '').slice(0, 40));
    expect(Number(after.watermark)).toBe(2 + after.activities.length);
  });

  it('never lets one conversation read or write another', async () => {
    await start();
    const a = await newConversation();
    const b = await newConversation();
    expect((await poll(a.conversationId, b.token)).statusCode).toBe(403);
    expect((await post(a.conversationId, b.token, { type: 'message', text: 'hi', from: { id: 'x' } })).statusCode).toBe(403);
  });

  it('refuses forged, missing and expired tokens, and refreshes valid ones', async () => {
    await start();
    const { conversationId, token } = await newConversation();
    const forged = `${token.slice(0, -4)}AAAA`;
    expect((await poll(conversationId, forged)).json()).toMatchObject({ statusCode: 403, code: 'RAHNAMA_TOKEN_INVALID' });
    expect((await app.inject({ url: `/v3/directline/conversations/${conversationId}/activities` })).statusCode).toBe(403);
    const refreshed = (await app.inject({ method: 'POST', url: '/v3/directline/tokens/refresh', headers: auth(token) })).json();
    expect(refreshed.conversationId).toBe(conversationId);
    expect((await poll(conversationId, refreshed.token)).statusCode).toBe(200);
  });

  it('refuses oversized and malformed activities before they reach the bot', async () => {
    await start();
    const { conversationId, token, userId } = await newConversation();
    const before = (await poll(conversationId, token)).json().watermark;
    const from = { id: userId };
    expect((await post(conversationId, token, { type: 'message', text: 'a'.repeat(20_000), from })).statusCode).toBe(413);
    expect((await post(conversationId, token, { type: 'message', text: 'a'.repeat(1001), from })).statusCode).toBe(400);
    expect((await post(conversationId, token, { type: 'message', text: 'no sender' })).statusCode).toBe(400);
    expect((await post(conversationId, token, { type: 'invoke', text: 'x', from })).statusCode).toBe(400);
    expect((await post(conversationId, token, { type: 'message', text: 123, from })).statusCode).toBe(400);
    expect((await poll(conversationId, token)).json().watermark).toBe(before);
  });

  it('rate-limits a flooding conversation without affecting other conversations behind the same address', async () => {
    await start({ RATE_LIMIT_MAX: '5' });
    const flooding = await newConversation('10.2.2.2');
    const quiet = await newConversation('10.2.2.2');
    const send = (c: Started) =>
      app.inject({ method: 'POST', url: `/v3/directline/conversations/${c.conversationId}/activities`, headers: auth(c.token), payload: { type: 'message', text: 'hello', from: { id: c.userId } }, remoteAddress: '10.2.2.2' });
    const replies = [];
    for (let i = 0; i < 7; i++) replies.push(await send(flooding));
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(replies[6]!.json()).toMatchObject({ statusCode: 429, code: 'RAHNAMA_RATE_LIMITED', message: expect.stringMatching(/try again in \d+ seconds/) });
    expect((await send(quiet)).statusCode).toBe(200);
    // Refused messages never reached the bot: 5 questions, 5 × 1 small-talk reply.
    const { activities } = (await poll(flooding.conversationId, flooding.token)).json();
    expect(activities.filter((a: { from: { role: string } }) => a.from.role === 'user')).toHaveLength(5);
  });

  it('keeps what a client needs from channelData (its activity id, "this was a button") and drops the rest', async () => {
    await start();
    const { conversationId, token, userId } = await newConversation();
    await post(conversationId, token, { type: 'message', text: 'lang:fr', from: { id: userId }, channelData: { clientActivityID: 'c-1', postBack: true, tracking: 'x' } });
    const { activities } = (await poll(conversationId, token)).json();
    const echoed = activities.find((a: { from: { role: string } }) => a.from.role === 'user');
    expect(echoed.channelData).toEqual({ clientActivityID: 'c-1', postBack: true });
    // Every bot reply says its language, so clients can follow it.
    expect(activities.at(-1)).toMatchObject({ locale: 'fr', text: (await shippedEngine()).locales.t('fr', 'bot.languageChanged') });
  });

  it('lets a client reconnect by conversation id, resuming its stream after its watermark', async () => {
    await start();
    const { conversationId, token } = await newConversation();
    const again = await app.inject({ url: `/v3/directline/conversations/${conversationId}?watermark=2`, headers: auth(token) });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ conversationId, streamUrl: expect.stringMatching(/&watermark=2$/) });
    expect((await app.inject({ url: `/v3/directline/conversations/${conversationId}?watermark=`, headers: auth(token) })).statusCode).toBe(200);
    expect((await app.inject({ url: `/v3/directline/conversations/${conversationId}?watermark=-1`, headers: auth(token) })).statusCode).toBe(400);
    expect((await app.inject({ url: `/v3/directline/conversations/${conversationId}`, headers: auth((await newConversation()).token) })).statusCode).toBe(403);
  });

  it('rate-limits a flood of new conversations from one address without affecting another', async () => {
    await start({ RATE_LIMIT_MAX: '5' });
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await app.inject({ method: 'POST', url: '/v3/directline/tokens/generate', remoteAddress: '10.1.1.1' })).statusCode);
    expect(codes).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect((await app.inject({ method: 'POST', url: '/v3/directline/tokens/generate', remoteAddress: '10.1.1.2' })).statusCode).toBe(200);
  });
});

describe('the web chat user, bound to the token', () => {
  it('is named by the server with each new token, and stays the same on refresh and resume', async () => {
    await start();
    const generated = (await app.inject({ method: 'POST', url: '/v3/directline/tokens/generate' })).json();
    expect(generated.user.id).toMatch(/^dl_/);
    const started = (await app.inject({ method: 'POST', url: '/v3/directline/conversations', headers: auth(generated.token) })).json();
    const refreshed = (await app.inject({ method: 'POST', url: '/v3/directline/tokens/refresh', headers: auth(started.token) })).json();
    const resumed = (await app.inject({ url: `/v3/directline/conversations/${started.conversationId}`, headers: auth(refreshed.token) })).json();
    for (const response of [started, refreshed, resumed]) expect(response.user).toEqual(generated.user);
    expect((await newConversation()).userId).not.toBe(generated.user.id);
  });

  it('refuses activities from any other user id with a coded 403, storing nothing, so no one writes to another user\'s state', async () => {
    await start();
    const victim = await newConversation();
    const intruder = await newConversation();
    expect((await post(victim.conversationId, victim.token, { type: 'message', text: 'lang:fr', from: { id: victim.userId } })).statusCode).toBe(200);
    const before = (await poll(intruder.conversationId, intruder.token)).json().watermark;
    // In the intruder's own conversation, with its own valid token, as the victim (or a made-up id).
    for (const from of [victim.userId, 'visitor']) {
      for (const text of ['lang:uk', '/forget']) {
        const refused = await post(intruder.conversationId, intruder.token, { type: 'message', text, from: { id: from } });
        expect(refused.statusCode).toBe(403);
        expect(refused.json()).toMatchObject({ code: 'RAHNAMA_TOKEN_USER_MISMATCH' });
      }
    }
    expect((await poll(intruder.conversationId, intruder.token)).json().watermark).toBe(before);
    // The victim's language is still the one it chose.
    const watermark = (await poll(victim.conversationId, victim.token)).json().watermark;
    await post(victim.conversationId, victim.token, { type: 'message', text: 'How long does the return take?', from: { id: victim.userId } });
    const replies = (await poll(victim.conversationId, victim.token, watermark)).json().activities.filter((a: { from: { role: string } }) => a.from.role === 'bot');
    expect(replies[0]).toMatchObject({ locale: 'fr' });
  });

  it('greets a new conversation as the token\'s user and echoes what the user typed as plain text', async () => {
    await start();
    const { conversationId, token, userId } = await newConversation();
    const welcome = (await poll(conversationId, token)).json().activities;
    expect(welcome.map((a: { recipient: { id: string } }) => a.recipient.id)).toEqual([userId, userId]);
    await post(conversationId, token, { type: 'message', text: '<b>hi</b>', from: { id: userId } });
    const { activities } = (await poll(conversationId, token)).json();
    expect(activities.find((a: { from: { role: string } }) => a.from.role === 'user')).toMatchObject({ from: { id: userId }, text: '<b>hi</b>', textFormat: 'plain' });
  });
});

describe('the bot\'s messages on Direct Line', () => {
  it('are Markdown with HTML escaped: a `<` that could open a tag, comment or autolink, and no other', async () => {
    await start();
    const { conversationId, token } = await newConversation();
    const welcome = (await poll(conversationId, token)).json().activities;
    expect(welcome.every((a: { textFormat?: string }) => a.textFormat === 'markdown')).toBe(true);
    expect(escapeHtmlInMarkdown('See <img src="https://t.example/p.png"> and <b>this</b> <!-- x --> <https://x.example> <?php')).toBe(
      'See &lt;img src="https://t.example/p.png"> and &lt;b>this&lt;/b> &lt;!-- x --> &lt;https://x.example> &lt;?php',
    );
    expect(escapeHtmlInMarkdown('**Cost:** < 100 € if 3 < 4, -> next')).toBe('**Cost:** < 100 € if 3 < 4, -> next');
  });
});

describe('embedding origins', () => {
  it('refuses other sites\' pages on every web chat route, the WebSocket included, unless allow-listed', async () => {
    const { default: WebSocket } = await import('ws');
    await start({ WEBCHAT_ALLOWED_ORIGINS: 'https://www.example.org, https://partner.example' });
    const evil = { origin: 'https://evil.example' };
    const refused = await app.inject({ method: 'POST', url: '/v3/directline/tokens/generate', headers: evil });
    expect(refused.json()).toMatchObject({ statusCode: 403, code: 'RAHNAMA_ORIGIN_NOT_ALLOWED' });
    const preflight = await app.inject({ method: 'OPTIONS', url: '/v3/directline/conversations', headers: { ...evil, 'access-control-request-method': 'POST' } });
    expect(preflight.statusCode).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();

    const allowed = await app.inject({ method: 'OPTIONS', url: '/v3/directline/conversations', headers: { origin: 'https://www.example.org', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://www.example.org');
    const generated = await app.inject({ method: 'POST', url: '/v3/directline/tokens/generate', headers: { origin: 'https://partner.example' } });
    expect(generated.statusCode).toBe(200);
    // Requests without an Origin (not from a browser page) and from the server's own pages pass.
    expect((await app.inject({ method: 'POST', url: '/v3/directline/tokens/generate' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/v3/directline/tokens/generate', headers: { origin: 'http://localhost:80', host: 'localhost:80' } })).statusCode).toBe(200);

    // Browsers send an Origin on WebSockets but apply no CORS to them: the server must refuse.
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const { conversationId, token } = generated.json();
    await app.inject({ method: 'POST', url: '/v3/directline/conversations', headers: auth(token) });
    const socket = new WebSocket(`ws://${base}/v3/directline/conversations/${conversationId}/stream?t=${token}`, { origin: 'https://evil.example' });
    const status = await new Promise<number>((resolve) =>
      socket.once('unexpected-response', (request, res) => {
        resolve(res.statusCode ?? 0);
        request.destroy();
      }),
    );
    expect(status).toBe(403);
  });
});

describe('the web chat stream (WebSocket)', () => {
  it('delivers the welcome and each reply as it happens, to the right conversation only', async () => {
    const { default: WebSocket } = await import('ws');
    await start();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const { conversationId, token, streamUrl, userId } = await newConversation();
    expect(streamUrl).toMatch(new RegExp(`^ws://.+/v3/directline/conversations/${conversationId}/stream\\?t=`));

    const socket = new WebSocket(`ws://${base}/v3/directline/conversations/${conversationId}/stream?t=${token}`);
    const received: { activities: { text?: string; from: { role: string } }[]; watermark: string }[] = [];
    socket.on('message', (data) => received.push(JSON.parse(String(data))));
    await new Promise((resolve) => socket.once('open', resolve));
    await post(conversationId, token, { type: 'message', text: 'Will I get cash after I return?', from: { id: userId } });
    await expect.poll(() => received.flatMap((r) => r.activities).length).toBeGreaterThanOrEqual(2 + 3);
    const all = received.flatMap((r) => r.activities);
    expect(all.slice(0, 2).every((a) => a.from.role === 'bot')).toBe(true);
    expect(all[2]).toMatchObject({ text: 'Will I get cash after I return?', from: { role: 'user' } });
    expect(all[3]?.text).toBeTruthy();
    socket.close();

    const other = await newConversation();
    const refused = new WebSocket(`ws://${base}/v3/directline/conversations/${conversationId}/stream?t=${other.token}`);
    const status = await new Promise<number>((resolve) => refused.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(403);
  });
});

describe('the cap on web chat streams', () => {
  /** A stream attempt: 'accepted' once its backlog (the welcome) arrives, or the code and reason it was closed with. */
  function attempt(base: string, c: Started, localAddress?: string) {
    const socket = new WebSocket(`ws://${base}/v3/directline/conversations/${c.conversationId}/stream?t=${c.token}`, { localAddress });
    const received: string[] = [];
    socket.on('message', (data) => received.push(String(data)));
    const outcome = new Promise<'accepted' | { code: number; reason: string }>((resolve, reject) => {
      socket.once('message', () => resolve('accepted'));
      socket.once('close', (code, reason) => resolve({ code, reason: String(reason) }));
      socket.once('error', reject);
    });
    return { socket, received, outcome };
  }
  const refused = { code: 1008, reason: 'RAHNAMA_TOO_MANY_STREAMS' };
  const openDescriptors = () => readdirSync('/proc/self/fd').length;

  it('refuses streams past the caps per conversation and per client address with close code 1008, and the open ones go on', async () => {
    await start({}, { perConversation: 2, perAddress: 5 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const [a, b, c] = [await newConversation(), await newConversation(), await newConversation()];

    const a1 = attempt(base, a);
    const a2 = attempt(base, a);
    expect([await a1.outcome, await a2.outcome]).toEqual(['accepted', 'accepted']);
    expect(await attempt(base, a).outcome).toEqual(refused);

    // Five from 127.0.0.1 in all: the sixth is refused whatever its conversation, another address is not.
    const others = [attempt(base, b), attempt(base, b), attempt(base, c)];
    expect(await Promise.all(others.map((o) => o.outcome))).toEqual(['accepted', 'accepted', 'accepted']);
    expect(await attempt(base, c).outcome).toEqual(refused);
    const elsewhere = attempt(base, c, '127.0.0.2');
    expect(await elsewhere.outcome).toBe('accepted');

    // A closed stream gives its place back.
    a1.socket.close();
    await expect.poll(async () => {
      const again = attempt(base, a);
      return (await again.outcome) === 'accepted';
    }).toBe(true);

    // The streams still open get new activities.
    const seen = a2.received.length;
    expect((await post(a.conversationId, a.token, { type: 'message', text: 'hello', from: { id: a.userId } })).statusCode).toBe(200);
    await expect.poll(() => a2.received.length).toBeGreaterThan(seen);
    for (const o of [a2, ...others, elsewhere]) o.socket.close();
  });

  it('keeps a flood of stream attempts on one token from taking file descriptors', { timeout: 60_000 }, async () => {
    await start({}, { perConversation: 2, perAddress: 5 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const flooded = await newConversation();
    const before = openDescriptors();
    // 300 at once, 150 times the cap per conversation (the probe's 3,000 hit the 1,024 limit).
    const outcomes = await Promise.all(Array.from({ length: 300 }, () => attempt(base, flooded).outcome));
    expect(outcomes.filter((o) => o === 'accepted')).toHaveLength(2);
    expect(outcomes.filter((o) => o !== 'accepted')).toEqual(Array(298).fill(refused));
    // The refused sockets are gone on both ends: what remains is the two streams (two ends each),
    // with some room for files the process opens meanwhile; 298 kept would be 596 more.
    await expect.poll(openDescriptors, { timeout: 10_000 }).toBeLessThanOrEqual(before + 4 + 16);
    // Another visitor behind another address still gets a stream.
    expect(await attempt(base, await newConversation(), '127.0.0.3').outcome).toBe('accepted');
  });
});
