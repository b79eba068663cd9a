import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebChat } from '../../src/channels/webchat/setup.js';
import { openStore } from '../../src/storage/open-store.js';
import { buildApp } from '../../src/server/app.js';
import { shipped, shippedEngine, shippedKnowledge, testConfig } from '../support/engine.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();
let app: FastifyInstance;

afterEach(() => app?.close());

async function start(env: Record<string, string> = {}) {
  const config = testConfig({ DATA_DIR: await tempDir(), DIRECTLINE_SECRET: 'd'.repeat(40), ...env });
  const served = await shipped();
  const webChat = await createWebChat(config, served, await openStore(config));
  app = await buildApp({ config, ...served, webChat, logger: false });
  return webChat;
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function newConversation(remoteAddress = '127.0.0.1') {
  const generated = (await app.inject({ method: 'POST', url: '/v3/directline/tokens/generate', remoteAddress })).json();
  const started = await app.inject({ method: 'POST', url: '/v3/directline/conversations', headers: auth(generated.token), remoteAddress });
  return { ...started.json(), status: started.statusCode } as { conversationId: string; token: string; status: number };
}

const post = (conversationId: string, token: string, activity: object) =>
  app.inject({ method: 'POST', url: `/v3/directline/conversations/${conversationId}/activities`, headers: auth(token), payload: activity });
const poll = (conversationId: string, token: string, watermark?: string) =>
  app.inject({ url: `/v3/directline/conversations/${conversationId}/activities${watermark ? `?watermark=${watermark}` : ''}`, headers: auth(token) });

describe('the Direct Line subset of the web chat', () => {
  it('starts a conversation with a welcome, and answers a message read back by watermark', async () => {
    await start();
    const { conversationId, token, status } = await newConversation();
    expect(status).toBe(201);
    const welcome = (await poll(conversationId, token)).json();
    expect(welcome.activities.length).toBe(2);
    expect(welcome.activities.every((a: { from: { role: string } }) => a.from.role === 'bot')).toBe(true);

    const sent = await post(conversationId, token, { type: 'message', text: 'How do I apply for voluntary return?', from: { id: 'dl_user1' } });
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
    const { conversationId, token } = await newConversation();
    const before = (await poll(conversationId, token)).json().watermark;
    expect((await post(conversationId, token, { type: 'message', text: 'a'.repeat(20_000), from: { id: 'u' } })).statusCode).toBe(413);
    expect((await post(conversationId, token, { type: 'message', text: 'a'.repeat(1001), from: { id: 'u' } })).statusCode).toBe(400);
    expect((await post(conversationId, token, { type: 'message', text: 'no sender' })).statusCode).toBe(400);
    expect((await post(conversationId, token, { type: 'invoke', text: 'x', from: { id: 'u' } })).statusCode).toBe(400);
    expect((await poll(conversationId, token)).json().watermark).toBe(before);
  });

  it('rate-limits a flooding conversation without affecting other conversations behind the same address', async () => {
    await start({ RATE_LIMIT_MAX: '5' });
    const flooding = await newConversation('10.2.2.2');
    const quiet = await newConversation('10.2.2.2');
    const send = (c: { conversationId: string; token: string }) =>
      app.inject({ method: 'POST', url: `/v3/directline/conversations/${c.conversationId}/activities`, headers: auth(c.token), payload: { type: 'message', text: 'hello', from: { id: 'u' } }, remoteAddress: '10.2.2.2' });
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await send(flooding)).statusCode);
    expect(codes).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect((await send(quiet)).statusCode).toBe(200);
    // Refused messages never reached the bot: 5 questions, 5 × 1 small-talk reply.
    const { activities } = (await poll(flooding.conversationId, flooding.token)).json();
    expect(activities.filter((a: { from: { role: string } }) => a.from.role === 'user')).toHaveLength(5);
  });

  it('keeps what a client needs from channelData (its activity id, "this was a button") and drops the rest', async () => {
    await start();
    const { conversationId, token } = await newConversation();
    await post(conversationId, token, { type: 'message', text: 'lang:fr', from: { id: 'u' }, channelData: { clientActivityID: 'c-1', postBack: true, tracking: 'x' } });
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
    const { conversationId, token, streamUrl } = (await newConversation()) as unknown as { conversationId: string; token: string; streamUrl: string };
    expect(streamUrl).toMatch(new RegExp(`^ws://.+/v3/directline/conversations/${conversationId}/stream\\?t=`));

    const socket = new WebSocket(`ws://${base}/v3/directline/conversations/${conversationId}/stream?t=${token}`);
    const received: { activities: { text?: string; from: { role: string } }[]; watermark: string }[] = [];
    socket.on('message', (data) => received.push(JSON.parse(String(data))));
    await new Promise((resolve) => socket.once('open', resolve));
    await post(conversationId, token, { type: 'message', text: 'Will I get cash after I return?', from: { id: 'dl_u' } });
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
