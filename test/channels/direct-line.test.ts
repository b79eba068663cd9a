import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebChat } from '../../src/channels/webchat/setup.js';
import { buildApp } from '../../src/server/app.js';
import { shippedEngine, testConfig } from '../support/engine.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();
let app: FastifyInstance;

afterEach(() => app?.close());

async function start(env: Record<string, string> = {}) {
  const config = testConfig({ DATA_DIR: await tempDir(), DIRECTLINE_SECRET: 'd'.repeat(40), ...env });
  const engine = await shippedEngine();
  const webChat = await createWebChat(config, engine);
  app = await buildApp({ config, engine, webChat, logger: false });
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
    expect(welcome.activities.length).toBe(3);
    expect(welcome.activities.every((a: { from: { role: string } }) => a.from.role === 'bot')).toBe(true);

    const sent = await post(conversationId, token, { type: 'message', text: 'How do I apply for voluntary return?', from: { id: 'dl_user1' } });
    expect(sent.statusCode).toBe(200);
    const after = (await poll(conversationId, token, welcome.watermark)).json();
    expect(after.activities[0]).toMatchObject({ id: sent.json().id, text: 'How do I apply for voluntary return?', from: { role: 'user' } });
    expect(after.activities[1].text).toContain(((await shippedEngine()).entries.get('avrr-how-to-apply')?.languages.en.answer ?? '').slice(0, 40));
    expect(Number(after.watermark)).toBe(3 + after.activities.length);
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

  it('rate-limits a flood from one client without affecting another', async () => {
    await start({ RATE_LIMIT_MAX: '5' });
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await app.inject({ method: 'POST', url: '/v3/directline/tokens/generate', remoteAddress: '10.1.1.1' })).statusCode);
    expect(codes).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect((await app.inject({ method: 'POST', url: '/v3/directline/tokens/generate', remoteAddress: '10.1.1.2' })).statusCode).toBe(200);
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
    await expect.poll(() => received.flatMap((r) => r.activities).length).toBeGreaterThanOrEqual(3 + 3);
    const all = received.flatMap((r) => r.activities);
    expect(all.slice(0, 3).every((a) => a.from.role === 'bot')).toBe(true);
    expect(all[3]).toMatchObject({ text: 'Will I get cash after I return?', from: { role: 'user' } });
    expect(all[4]?.text).toBeTruthy();
    socket.close();

    const other = await newConversation();
    const refused = new WebSocket(`ws://${base}/v3/directline/conversations/${conversationId}/stream?t=${other.token}`);
    const status = await new Promise<number>((resolve) => refused.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(403);
  });
});
