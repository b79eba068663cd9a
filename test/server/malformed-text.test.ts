import { describe, expect, it } from 'vitest';
import { usePostgresDatabase } from '../support/postgres.js';
import { useWebChatServer } from '../support/webchat-server.js';

/*
 * NUL and unpaired UTF-16 surrogates: no one types them, PostgreSQL refuses both (a 500 that
 * named the database's error code and logged a stack trace), and a JSON body can carry them in
 * any string. Every public route refuses them at validation, before the bot or the store.
 */

const serve = useWebChatServer();

/** The real server on the given store, with its log lines kept (as JSON, at every level). */
async function start(database: 'embedded' | 'postgres') {
  const env: Record<string, string> = { DIRECTLINE_SECRET: 'n'.repeat(40) };
  if (database === 'postgres') env.DATABASE_URL = await usePostgresDatabase();
  const logs: { level: number; msg?: string; err?: { stack?: string } }[] = [];
  const { app } = await serve(env, { logger: { level: 'trace', stream: { write: (line: string) => void logs.push(JSON.parse(line)) } } });
  const generated = (await app.inject({ method: 'POST', url: '/v3/directline/tokens/generate' })).json();
  const started = (await app.inject({ method: 'POST', url: '/v3/directline/conversations', headers: { authorization: `Bearer ${generated.token}` } })).json();
  return { app, logs, conversationId: started.conversationId as string, token: started.token as string, userId: started.user.id as string };
}

/** Raw JSON, so unpaired surrogates go over the wire as `\ud800` escapes, as a hostile client sends them. */
const json = (value: unknown) => ({ payload: JSON.stringify(value), headers: { 'content-type': 'application/json' } });

const BAD = { NUL: 'a\u0000b', 'a lone high surrogate': 'a\ud800b', 'a lone low surrogate': '\udfffb', 'a surrogate pair reversed': '\ude00\ud83d' };

describe.each(['embedded', 'postgres'] as const)('text with NUL or unpaired surrogates, on the %s store', (database) => {
  it('is refused in every web chat field and in /api/ask with a coded 400, nothing stored and nothing logged as an error', { timeout: 60_000 }, async () => {
    const { app, logs, conversationId, token, userId } = await start(database);
    const auth = { authorization: `Bearer ${token}` };
    const activities = async () => (await app.inject({ url: `/v3/directline/conversations/${conversationId}/activities`, headers: auth })).json();
    const before = (await activities()).watermark;
    const message = (bad: string) => [
      { type: 'message', text: bad, from: { id: userId } },
      { type: 'message', text: 'hello', from: { id: bad } },
      { type: 'message', text: 'hello', from: { id: userId, name: bad } },
      { type: 'message', text: 'hello', locale: bad, from: { id: userId } },
      { type: 'message', text: 'hello', from: { id: userId }, channelData: { clientActivityID: bad } },
      { type: 'message', text: 'hello', from: { id: userId }, value: { answer: [1, { deep: bad }] } },
      { type: 'message', text: 'hello', from: { id: userId }, attachments: [{ name: bad }] },
      { type: 'message', text: 'hello', from: { id: userId }, [bad]: 1 },
    ];
    for (const [what, bad] of Object.entries(BAD)) {
      for (const activity of message(bad)) {
        const res = await app.inject({ method: 'POST', url: `/v3/directline/conversations/${conversationId}/activities`, ...json(activity), headers: { ...auth, 'content-type': 'application/json' } });
        expect(res.statusCode, `${what} in ${JSON.stringify(activity)}`).toBe(400);
        expect(res.json()).toMatchObject({ code: 'FST_ERR_VALIDATION', message: 'body must not contain NUL characters or unpaired surrogates' });
      }
      const asked = await app.inject({ method: 'POST', url: '/api/ask', ...json({ text: `where is IOM ${bad}` }) });
      expect(asked.statusCode, `${what} in /api/ask`).toBe(400);
      expect(asked.json()).toMatchObject({ code: 'FST_ERR_VALIDATION', message: 'body must not contain NUL characters or unpaired surrogates' });
    }
    expect((await activities()).watermark).toBe(before);
    // Only client mistakes were logged: no error, no stack, no database error code.
    expect(logs.filter((line) => line.level >= 50 || line.err?.stack)).toEqual([]);

    // Well-formed text in any script (surrogate pairs are fine) still goes through.
    const fine = await app.inject({ method: 'POST', url: `/v3/directline/conversations/${conversationId}/activities`, headers: auth, payload: { type: 'message', text: 'Можно вернуться домой? 🙏🏽', from: { id: userId } } });
    expect(fine.statusCode).toBe(200);
  });
});
