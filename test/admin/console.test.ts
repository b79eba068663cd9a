import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/admin/audit-log.js';
import { isEntryFile } from '../../src/knowledge/load.js';
import { embeddedStoreOf } from '../support/stores.js';
import { LANGUAGES } from '../../src/languages.js';
import { csrfOf, signInWith, STAFF, useConsoleServer } from '../support/console-server.js';

const serve = useConsoleServer();
const PASSWORD: string = STAFF.password;
let app: FastifyInstance;
let adminRoutes: { method: string; url: string }[] = [];
let knowledge: string;
let dataDir: string;

async function start() {
  ({ app, knowledgeDir: knowledge, dataDir } = await serve());
  adminRoutes = routesOf(app).filter((r) => r.url.startsWith('/admin'));
}

async function serveWithInsights() {
  const served = await serve();
  ({ knowledgeDir: knowledge, dataDir } = served);
  return served;
}

const historyOf = async (file: string) => new AuditLog(await embeddedStoreOf(dataDir)).historyOf(file);

/** Every route the server has, read from the router's own tree (`printRoutes`). */
function routesOf(server: FastifyInstance): { method: string; url: string }[] {
  const routes: { method: string; url: string }[] = [];
  const prefixes: string[] = [];
  for (const line of server.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([^)]+)\))?/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    prefixes.length = depth;
    const url = prefixes.join('') + (match[2] ?? '');
    prefixes.push(match[2] ?? '');
    for (const method of (match[3] ?? '').split(', ').filter((m) => m && m !== 'HEAD')) routes.push({ method, url });
  }
  return routes;
}


const signIn = (password = PASSWORD) => signInWith(app, password);

describe('the staff console', () => {
  it('signs staff in with a session cookie that is HttpOnly, SameSite=Strict and signed, and signs them out', async () => {
    await start();
    const { response, cookie } = await signIn();
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/admin');
    const session = response.cookies.find((c) => c.name === 'rahnama_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin', maxAge: 8 * 3600 });
    const home = await app.inject({ url: '/admin', headers: { cookie } });
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('maria@example.org');
    expect(home.headers['content-security-policy']).toContain("default-src 'none'");

    const out = await app.inject({ method: 'POST', url: '/admin/logout', headers: { cookie }, payload: { _csrf: csrfOf(home.body) } });
    expect(out.statusCode).toBe(303);
    expect((await app.inject({ url: '/admin', headers: { cookie } })).headers.location).toBe('/admin/login');
  });

  it('refuses a wrong password or a sign-in form without its CSRF token, saying which in the page', async () => {
    await start();
    const wrong = await signIn('not the password at all');
    expect(wrong.response.statusCode).toBe(401);
    expect(wrong.response.body).toContain('The e-mail or password is not right.');
    expect(wrong.response.cookies.some((c) => c.name === 'rahnama_session')).toBe(false);
    const forged = await app.inject({ method: 'POST', url: '/admin/login', payload: { email: 'maria@example.org', password: PASSWORD, _csrf: 'guess' } });
    expect(forged.statusCode).toBe(403);
    expect(forged.cookies.some((c) => c.name === 'rahnama_session')).toBe(false);
  });

  it('refuses every console route to anonymous requests, and every state-changing one without the CSRF token', async () => {
    await start();
    const open = new Set(['/admin/login', '/admin/admin.css']);
    const guarded = adminRoutes.filter((r) => !open.has(r.url));
    expect(guarded.length).toBeGreaterThanOrEqual(2);
    const { cookie } = await signIn();
    for (const { method, url } of guarded) {
      const anonymous = await app.inject({ method: method as 'GET', url });
      if (method === 'GET') expect(anonymous.headers.location, `${method} ${url}`).toBe('/admin/login');
      else expect(anonymous.json(), `${method} ${url}`).toMatchObject({ statusCode: 401, code: 'RAHNAMA_ADMIN_SIGN_IN_REQUIRED' });
      if (method !== 'GET') {
        const withoutCsrf = await app.inject({ method: method as 'POST', url, headers: { cookie }, payload: {} });
        expect(withoutCsrf.json(), `${method} ${url}`).toMatchObject({ statusCode: 403, code: 'RAHNAMA_ADMIN_CSRF' });
      }
    }
    // A forged session cookie is no session.
    expect((await app.inject({ url: '/admin', headers: { cookie: 'rahnama_session=abc.def' } })).headers.location).toBe('/admin/login');
  });

  it('speaks Bulgarian when asked', async () => {
    await start();
    const page = await app.inject({ url: '/admin/login?lang=bg' });
    expect(page.body).toContain('<html lang="bg">');
    expect(page.body).toContain('Парола');
  });

  it('publishes an edited Farsi answer: the file changes, the bot answers with it at once, and the audit log says who', async () => {
    await start();
    const { cookie } = await signIn();
    const form = await app.inject({ url: '/admin/entries/avrr-cost', headers: { cookie } });
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('<fieldset class="language machine" lang="fa" dir="rtl">');
    const newAnswer = 'پاسخ تازه برای آزمون: هزینه‌ها را مشاور توضیح می‌دهد.';
    const saved = await app.inject({
      method: 'POST',
      url: '/admin/entries/avrr-cost',
      headers: { cookie },
      payload: { _csrf: csrfOf(form.body), version: versionOf(form.body), 'languages.fa.answer': newAnswer },
    });
    expect(saved.statusCode).toBe(303);
    expect(await readFile(path.join(knowledge, 'avrr-cost.yaml'), 'utf8')).toContain(newAnswer);
    const question = (await loadEntryQuestion('avrr-cost', 'fa'));
    const asked = await app.inject({ method: 'POST', url: '/api/ask', payload: { text: question, lang: 'fa' } });
    expect(asked.json().answer).toContain(newAnswer);
    expect(await historyOf('avrr-cost.yaml')).toEqual([expect.objectContaining({ who: 'maria@example.org', action: 'publish', after: expect.stringContaining(newAnswer) })]);
  });

  it('refuses the second of two saves of the same version with a clear message, keeping the first', async () => {
    await start();
    const { cookie } = await signIn();
    const form = await app.inject({ url: '/admin/entries/avrr-timeline', headers: { cookie } });
    const save = (answer: string) =>
      app.inject({ method: 'POST', url: '/admin/entries/avrr-timeline', headers: { cookie }, payload: { _csrf: csrfOf(form.body), version: versionOf(form.body), 'languages.en.answer': answer } });
    expect((await save('First editor\'s text.')).statusCode).toBe(303);
    const second = await save('Second editor\'s text.');
    expect(second.statusCode).toBe(409);
    expect(second.body).toContain('Someone else published this entry after you opened it.');
    expect(await readFile(path.join(knowledge, 'avrr-timeline.yaml'), 'utf8')).toContain('First editor');
  });

  it('shows a validation problem next to its field and changes nothing', async () => {
    await start();
    const { cookie } = await signIn();
    const before = await readFile(path.join(knowledge, 'avrr-family.yaml'), 'utf8');
    const form = await app.inject({ url: '/admin/entries/avrr-family', headers: { cookie } });
    const refused = await app.inject({
      method: 'POST',
      url: '/admin/entries/avrr-family',
      headers: { cookie },
      payload: { _csrf: csrfOf(form.body), version: versionOf(form.body), 'languages.ar.question': '   ' },
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('<p class="error" id="languages.ar.question-error">must not be empty</p>');
    const dangling = await app.inject({
      method: 'POST',
      url: '/admin/entries/avrr-family',
      headers: { cookie },
      payload: { _csrf: csrfOf(form.body), version: versionOf(form.body), related: 'avrr-cost, no-such-entry' },
    });
    expect(dangling.body).toContain('<p class="error" id="related-error">no entry has the id &quot;no-such-entry&quot;</p>');
    expect(await readFile(path.join(knowledge, 'avrr-family.yaml'), 'utf8')).toBe(before);
    expect(await historyOf('avrr-family.yaml')).toEqual([]);
  });
});

const versionOf = (body: string) => /name="version" value="([^"]+)"/.exec(body)?.[1] ?? '';
async function loadEntryQuestion(id: string, lang: 'fa') {
  const { parse } = await import('yaml');
  return (parse(await readFile(path.join(knowledge, `${id}.yaml`), 'utf8')) as { languages: Record<string, { question: string }> }).languages[lang]!.question;
}

describe('the ask-the-bot preview', () => {
  it('answers a question as the bot would with the draft, and publishes nothing', async () => {
    await start();
    const { cookie } = await signIn();
    const question = 'may the neighbours goat travel on our plane';
    const live = (await app.inject({ method: 'POST', url: '/api/ask', payload: { text: question, lang: 'en' } })).json();
    expect(live.entryId).not.toBe('avrr-family');
    const before = await readFile(path.join(knowledge, 'avrr-family.yaml'), 'utf8');
    const form = await app.inject({ url: '/admin/entries/avrr-family', headers: { cookie } });
    const variants = /<textarea id="languages.en.variants"[^>]*>([^<]*)<\/textarea>/.exec(form.body)?.[1] ?? '';
    const preview = await app.inject({
      method: 'POST',
      url: '/admin/entries/avrr-family/preview',
      headers: { cookie },
      payload: { _csrf: csrfOf(form.body), version: versionOf(form.body), 'languages.en.variants': `${variants}\n${question}`, previewQuestion: question, previewLang: 'en' },
    });
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain('The bot would give: answer · entry avrr-family');
    // The draft is still in the form, and nothing changed on disk or in the live bot.
    expect(preview.body).toContain(question);
    expect(await readFile(path.join(knowledge, 'avrr-family.yaml'), 'utf8')).toBe(before);
    expect((await app.inject({ method: 'POST', url: '/api/ask', payload: { text: question, lang: 'en' } })).json().entryId).toBe(live.entryId);
  });
});

describe('the entry list', () => {
  it('finds entries by words in any language, by translation status and by review date', async () => {
    await start();
    const { cookie } = await signIn();
    const list = async (query: string) => (await app.inject({ url: `/admin/entries?${query}`, headers: { cookie } })).body;
    const ids = (body: string) => [...body.matchAll(/<td><a href="\/admin\/entries\/([a-z0-9-]+)">/g)].map((m) => m[1]);
    expect(ids(await list(`q=${encodeURIComponent('الطيران')}`))).toContain('avrr-cost');
    const entries = (await readdir(knowledge)).filter((f) => f.endsWith('.yaml') && isEntryFile(f)).length;
    expect(ids(await list('status=machine')).length).toBe(entries);
    expect(ids(await list('reviewedBefore=2000-01-01'))).toEqual([]);
    expect(ids(await list('reviewedBefore=2100-01-01')).length).toBe(entries);
    expect((await app.inject({ url: '/admin/entries?status=nonsense', headers: { cookie } })).statusCode).toBe(400);
  });
});

describe('creating and deleting entries', () => {
  it('creates an entry from the form in all eleven languages, refuses one with a language missing, and deletes it again', async () => {
    await start();
    const { cookie } = await signIn();
    const form = await app.inject({ url: '/admin/entries/new?lang=en&question=Can%20I%20bring%20my%20cat%3F', headers: { cookie } });
    expect(form.body).toContain('value="Can I bring my cat?"');
    const fields: Record<string, string> = { _csrf: csrfOf(form.body), id: 'avrr-pets', topic: 'avrr', source: '[RL] Refugee Light Bulgaria', reviewed: '2026-12-01' };
    for (const lang of LANGUAGES) {
      fields[`languages.${lang}.status`] = lang === 'en' ? 'reviewed' : 'machine';
      fields[`languages.${lang}.question`] = `Can I bring my cat when I return? (${lang})`;
      fields[`languages.${lang}.variants`] = `pets on the return flight (${lang})`;
      fields[`languages.${lang}.answer`] = `Please ask an IOM counsellor about animals (${lang}).`;
    }
    const missing = await app.inject({ method: 'POST', url: '/admin/entries', headers: { cookie }, payload: { ...fields, 'languages.ps.answer': '' } });
    expect(missing.statusCode).toBe(422);
    expect(missing.body).toContain('id="languages.ps.answer-error"');
    const created = await app.inject({ method: 'POST', url: '/admin/entries', headers: { cookie }, payload: fields });
    expect(created.headers.location).toBe('/admin/entries/avrr-pets?published=1');
    const asked = await app.inject({ method: 'POST', url: '/api/ask', payload: { text: 'Can I bring my cat when I return?', lang: 'en' } });
    expect(asked.json()).toMatchObject({ kind: 'answer', entryId: 'avrr-pets' });
    expect((await app.inject({ method: 'POST', url: '/admin/entries', headers: { cookie }, payload: fields })).statusCode).toBe(409);

    const page = await app.inject({ url: '/admin/entries/avrr-pets', headers: { cookie } });
    const deleted = await app.inject({ method: 'POST', url: '/admin/entries/avrr-pets/delete', headers: { cookie }, payload: { _csrf: csrfOf(page.body), version: versionOf(page.body) } });
    expect(deleted.headers.location).toBe('/admin/entries?deleted=avrr-pets');
    const after = (await app.inject({ method: 'POST', url: '/api/ask', payload: { text: 'Can I bring my cat when I return?', lang: 'en' } })).json();
    expect(after.entryId).not.toBe('avrr-pets');
    expect((await historyOf('avrr-pets.yaml')).map((r) => r.action)).toEqual(['delete', 'create']);
  });

  it('refuses to delete an entry that others point to, saying which', async () => {
    await start();
    const { cookie } = await signIn();
    const page = await app.inject({ url: '/admin/entries/contact-iom', headers: { cookie } });
    const refused = await app.inject({ method: 'POST', url: '/admin/entries/contact-iom/delete', headers: { cookie }, payload: { _csrf: csrfOf(page.body), version: versionOf(page.body) } });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('no entry has the id &quot;contact-iom&quot;');
    expect(await readFile(path.join(knowledge, 'contact-iom.yaml'), 'utf8')).toContain('contact-iom');
  });
});

describe('an entry\'s history', () => {
  it('lists each published change with who and when, and restores an earlier version as a new change', async () => {
    await start();
    const { cookie } = await signIn();
    const publish = async (answer: string) => {
      const form = await app.inject({ url: '/admin/entries/avrr-transit', headers: { cookie } });
      return app.inject({ method: 'POST', url: '/admin/entries/avrr-transit', headers: { cookie }, payload: { _csrf: csrfOf(form.body), version: versionOf(form.body), 'languages.en.answer': answer } });
    };
    await publish('Version A of the transit answer.');
    await publish('Version B of the transit answer.');
    const history = await app.inject({ url: '/admin/entries/avrr-transit/history', headers: { cookie } });
    expect(history.body.match(/<td>maria@example.org<\/td>/g)).toHaveLength(2);
    const restored = await app.inject({
      method: 'POST',
      url: '/admin/entries/avrr-transit/restore',
      headers: { cookie },
      payload: { _csrf: csrfOf(history.body), version: versionOf(history.body), record: '1' },
    });
    expect(restored.statusCode).toBe(303);
    expect(await readFile(path.join(knowledge, 'avrr-transit.yaml'), 'utf8')).toContain('Version A of the transit answer.');
    expect((await historyOf('avrr-transit.yaml')).map((r) => r.action)).toEqual(['restore', 'publish', 'publish']);
    const { parse } = await import('yaml');
    const question = (parse(await readFile(path.join(knowledge, 'avrr-transit.yaml'), 'utf8')) as { languages: { en: { question: string } } }).languages.en.question;
    const asked = await app.inject({ method: 'POST', url: '/api/ask', payload: { text: question, lang: 'en' } });
    expect(asked.json()).toMatchObject({ entryId: 'avrr-transit', answer: expect.stringContaining('Version A') });
  });
});

describe('the unanswered inbox', () => {
  it('groups a question the bot could not answer, and one click makes it a variant: the same question is answered after', async () => {
    const { app: server, insights } = await serveWithInsights();
    app = server;
    const question = 'can my cousin who lives in Sofia come with me on the return flight';
    const before = (await app.inject({ method: 'POST', url: '/api/ask', payload: { text: question, lang: 'en' } })).json();
    expect(before.kind).toBe('fallback');
    await insights.recordUnanswered({ text: question, lang: 'en', bestEntryId: 'avrr-family', bestConfidence: 0.3 });
    await insights.recordUnanswered({ text: 'Can my cousin who lives in Sofia come with me on the return flight?', lang: 'en', bestEntryId: 'avrr-family', bestConfidence: 0.3 });
    await insights.recordUnanswered({ text: 'где найти работу в Софии', lang: 'ru', bestEntryId: null, bestConfidence: 0.1 });

    const { cookie } = await signIn();
    const inbox = await app.inject({ url: '/admin/inbox', headers: { cookie } });
    expect(inbox.statusCode).toBe(200);
    expect(inbox.body).toContain('en · asked 2 time(s)');
    expect(inbox.body).toContain('ru · asked 1 time(s)');
    // The closest entry is offered first, not chosen for staff.
    expect(inbox.body).toMatch(/<input type="radio" name="entryId" value="avrr-family" required>/);
    expect(inbox.body).not.toMatch(/ checked/);
    const key = /name="key" value="([^"]+)"/.exec(inbox.body)?.[1] ?? '';
    const added = await app.inject({ method: 'POST', url: '/admin/inbox/variant', headers: { cookie }, payload: { _csrf: csrfOf(inbox.body), key, entryId: 'avrr-family' } });
    expect(added.statusCode).toBe(303);

    const after = (await app.inject({ method: 'POST', url: '/api/ask', payload: { text: question, lang: 'en' } })).json();
    expect(after).toMatchObject({ kind: 'answer', entryId: 'avrr-family' });
    const again = await app.inject({ url: '/admin/inbox', headers: { cookie } });
    expect(again.body).not.toContain('en · asked');
    expect(again.body).toContain('ru · asked 1 time(s)');

    const dismissKey = /name="key" value="([^"]+)"/.exec(again.body)?.[1] ?? '';
    await app.inject({ method: 'POST', url: '/admin/inbox/dismiss', headers: { cookie }, payload: { _csrf: csrfOf(again.body), key: dismissKey } });
    expect((await app.inject({ url: '/admin/inbox', headers: { cookie } })).body).toContain('Nothing waiting');
  });
});
