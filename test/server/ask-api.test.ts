import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { shipped, testConfig } from '../support/engine.js';

describe('POST /api/ask', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    const config = testConfig({ RATE_LIMIT_MAX: '5' });
    app = await buildApp({ config, ...(await shipped()), logger: false });
  });
  afterAll(() => app.close());

  let caseNumber = 0;
  const ask = (payload: unknown, remoteAddress = '127.0.0.1') =>
    app.inject({ method: 'POST', url: '/api/ask', payload: payload as object, remoteAddress });

  it('answers a question with the documented shape', async () => {
    const res = await ask({ text: 'Can I go back home if my asylum claim was rejected?' }, '10.0.0.1');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      lang: 'en', detectedLang: 'en', detectedConfidence: expect.any(Number), kind: 'answer',
      entryId: 'avrr-rejected-asylum', answer: expect.any(String), confidence: expect.any(Number),
      suggestions: expect.any(Array), mode: 'keyword',
    });
  });

  it('answers in the language the caller states', async () => {
    const res = await ask({ text: 'How long does the return take?', lang: 'fr' }, '10.0.0.2');
    expect(res.json()).toMatchObject({ lang: 'fr', detectedLang: 'en', entryId: 'avrr-timeline' });
  });

  it.each([
    [{ text: '' }, /body\/text/],
    [{ text: '   ' }, /body\/text/],
    [{ text: 'x'.repeat(1001) }, /body\/text must NOT have more than 1000 characters/],
    [{ text: 'hello', lang: 'de' }, /body\/lang/],
    [{ question: 'hello' }, /body/],
  ])('refuses %j with a 400 and a reason', async (payload, reason) => {
    const res = await ask(payload, '10.0.0.3');
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(reason);
  });

  it.each([
    [{ text: 123 }, /body\/text must be string/],
    [{ text: true }, /body\/text must be string/],
    [{ text: ['hello'] }, /body\/text must be string/],
    [{ text: 'hello', lang: ['fr'] }, /body\/lang must be string/],
    [{ text: 'hello', debug: true }, /body must NOT have additional properties/],
    [{ text: '\u200b\u200c\u2060\ufeff' }, /body\/text must contain a visible character/],
    [{ text: ' \u3164 \u00ad\u180e ' }, /body\/text must contain a visible character/],
    [{ text: 'hello\u0000' }, /body must not contain NUL characters or unpaired surrogates/],
    [{ text: 'hello \ud83d' }, /body must not contain NUL characters or unpaired surrogates/],
  ])('refuses %j at validation with a coded 400 and a reason, not converting or dropping anything', async (payload, reason) => {
    // An address per case: refused requests count towards the rate limit too.
    const res = await ask(payload, `10.0.8.${++caseNumber}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'FST_ERR_VALIDATION', message: expect.stringMatching(reason) });
  });

  it('accepts text in any script, emoji and joiners included', async () => {
    for (const text of ['می‌خواهم برگردم', 'can I go home 🙏🏽', 'Ще се върна']) expect((await ask({ text }, '10.0.0.9')).statusCode).toBe(200);
  });

  it('refuses malformed JSON with a 400', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/ask', headers: { 'content-type': 'application/json' }, payload: '{"text": ', remoteAddress: '10.0.0.4' });
    expect(res.statusCode).toBe(400);
  });

  it('refuses an oversized body with a 413 before reading it all', async () => {
    const res = await ask({ text: 'a'.repeat(100_000) }, '10.0.0.5');
    expect(res.statusCode).toBe(413);
  });

  it('rate-limits one client without affecting another', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await ask({ text: 'hello' }, '10.0.0.6')).statusCode);
    expect(codes.slice(0, 5).every((c) => c === 200)).toBe(true);
    expect(codes.slice(5)).toEqual([429, 429]);
    const limited = await ask({ text: 'hello' }, '10.0.0.6');
    expect(limited.json()).toEqual({ statusCode: 429, code: 'RAHNAMA_RATE_LIMITED', error: 'Too Many Requests', message: expect.stringMatching(/^Too many requests; try again in \d+ seconds$/) });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await ask({ text: 'hello' }, '10.0.0.7')).statusCode).toBe(200);
  });
});

describe('health endpoints', () => {
  it('report liveness, and readiness with the retrieval mode and model status', async () => {
    const app = await buildApp({ config: testConfig(), ...(await shipped()), logger: false });
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', mode: 'keyword', model: { status: 'disabled' }, entries: expect.any(Number) });
    await app.close();
  });
});
