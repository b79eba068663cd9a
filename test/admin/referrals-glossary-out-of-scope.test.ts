import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AuditLog } from '../../src/admin/audit-log.js';
import type { KnowledgeEntry, OutOfScopeFile } from '../../src/knowledge/schema.js';
import { LANGUAGES } from '../../src/languages.js';
import { csrfOf, signInWith, STAFF, useConsoleServer } from '../support/console-server.js';
import { embeddedStoreOf } from '../support/stores.js';

const serve = useConsoleServer();
let app: FastifyInstance;
let knowledge: string;
let dataDir: string;

async function start() {
  ({ app, knowledgeDir: knowledge, dataDir } = await serve());
  return (await signInWith(app)).cookie;
}

const versionOf = (body: string) => /name="version" value="([^"]+)"/.exec(body)?.[1] ?? '';
const fileText = (file: string) => readFile(path.join(knowledge, file), 'utf8');
const historyOf = async (file: string) => new AuditLog(await embeddedStoreOf(dataDir)).historyOf(file);

describe('referrals and romanised spellings in the console', () => {
  it('shows the referral checkbox and the romanised spellings (left-to-right inside right-to-left languages), and publishes changes to both', async () => {
    const cookie = await start();
    const list = await app.inject({ url: '/admin/entries', headers: { cookie } });
    expect(list.body).toMatch(/<a href="\/admin\/entries\/help-outside-iom">help-outside-iom<\/a> <span class="tag">referral<\/span>/);

    const referral = await app.inject({ url: '/admin/entries/help-outside-iom', headers: { cookie } });
    expect(referral.body).toMatch(/<input type="checkbox" id="referral" name="referral" value="yes" checked/);
    expect(referral.body).toMatch(/<textarea id="languages\.fa\.romanised" name="languages\.fa\.romanised" rows="3" dir="ltr" lang="fa-Latn">\S/);
    expect(referral.body).not.toContain('languages.fr.romanised');

    const form = await app.inject({ url: '/admin/entries/avrr-timeline', headers: { cookie } });
    expect(form.body).toMatch(/<input type="checkbox" id="referral" name="referral" value="yes" aria-describedby/);
    const post = (fields: Record<string, string>, version: string) =>
      app.inject({ method: 'POST', url: '/admin/entries/avrr-timeline', headers: { cookie }, payload: { _csrf: csrfOf(form.body), version, referralShown: '1', ...fields } });
    const marked = await post({ referral: 'yes', 'languages.fa.romanised': 'chand vaght tool mikeshe\r\nkey mitoonam beram khoone' }, versionOf(form.body));
    expect(marked.statusCode).toBe(303);
    const text = await fileText('avrr-timeline.yaml');
    expect(text).toMatch(/\nreviewed: [\d-]+\nreferral: true\nrelated:/);
    const entry = parse(text) as KnowledgeEntry;
    expect(entry.languages.fa.romanised).toEqual(['chand vaght tool mikeshe', 'key mitoonam beram khoone']);
    expect(Object.keys(entry.languages.fa)).toEqual(['status', 'question', 'variants', 'romanised', 'answer']);
    expect((await historyOf('avrr-timeline.yaml'))[0]).toMatchObject({ who: STAFF.email, action: 'publish' });

    // Unticked, the box sends nothing: the entry is no referral any more, and no `referral: false` is left.
    const again = await app.inject({ url: '/admin/entries/avrr-timeline', headers: { cookie } });
    expect((await post({}, versionOf(again.body))).statusCode).toBe(303);
    expect(await fileText('avrr-timeline.yaml')).not.toContain('referral');
  });

  it('adds an unanswered question typed in Latin letters to an Arabic entry as a romanised spelling, and one in Arabic letters as a variant', async () => {
    const served = await serve();
    ({ app, knowledgeDir: knowledge, dataDir } = served);
    const { cookie } = await signInWith(app);
    const addFromInbox = async (text: string) => {
      await served.insights.recordUnanswered({ text, lang: 'ar', bestEntryId: 'avrr-cost', bestConfidence: 0.3 });
      const inbox = await app.inject({ url: '/admin/inbox', headers: { cookie } });
      const key = /name="key" value="([^"]+)"/.exec(inbox.body)?.[1] ?? '';
      const added = await app.inject({ method: 'POST', url: '/admin/inbox/variant', headers: { cookie }, payload: { _csrf: csrfOf(inbox.body), key, entryId: 'avrr-cost' } });
      expect(added.statusCode).toBe(303);
      return (parse(await fileText('avrr-cost.yaml')) as KnowledgeEntry).languages.ar;
    };
    const latin = 'kam bt2alef el raj3a 3a baladi ya zalame';
    let ar = await addFromInbox(latin);
    expect(ar.romanised).toContain(latin);
    expect(ar.variants).not.toContain(latin);
    const arabic = 'قديش بتكلف الرجعة على بلدي يا زلمة';
    ar = await addFromInbox(arabic);
    expect(ar.variants).toContain(arabic);
    expect(ar.romanised).not.toContain(arabic);
  });

  it('refuses an edit that uses a term the glossary forbids, with the reason next to the field, and changes nothing', async () => {
    const cookie = await start();
    const before = await fileText('avrr-timeline.yaml');
    const form = await app.inject({ url: '/admin/entries/avrr-timeline', headers: { cookie } });
    const refused = await app.inject({
      method: 'POST',
      url: '/admin/entries/avrr-timeline',
      headers: { cookie },
      payload: { _csrf: csrfOf(form.body), version: versionOf(form.body), 'languages.fr.answer': "Demandez à l'Agence nationale pour les réfugiés." },
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain(
      '<p class="error" id="languages.fr.answer-error">uses &quot;Agence nationale…&quot;, which the glossary forbids for &quot;state-agency-for-refugees&quot;: use &quot;Agence d&#39;État pour les réfugiés&quot;</p>',
    );
    expect(await fileText('avrr-timeline.yaml')).toBe(before);
    expect(await historyOf('avrr-timeline.yaml')).toEqual([]);
  });

  it('refuses a new entry named after a file that is not an entry', async () => {
    const cookie = await start();
    const form = await app.inject({ url: '/admin/entries/new', headers: { cookie } });
    const refused = await app.inject({ method: 'POST', url: '/admin/entries', headers: { cookie }, payload: { _csrf: csrfOf(form.body), id: 'glossary', topic: 'avrr' } });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('This id is the name of a special knowledge file');
    expect(await fileText('glossary.yaml')).toContain('concepts:');
  });
});

describe('the glossary page', () => {
  it('shows each concept with the words to use and the words never to use, in every language', async () => {
    const cookie = await start();
    const home = await app.inject({ url: '/admin', headers: { cookie } });
    expect(home.body).toContain('<a href="/admin/glossary">');
    const page = await app.inject({ url: '/admin/glossary', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<h3>Concept: reintegration</h3>');
    expect(page.body).toMatch(/<td>ur<\/td><td lang="ur" dir="rtl">دوبارہ انضمام[^<]*<\/td><td class="avoid" lang="ur" dir="rtl">آبادکاری/);
    expect(page.body).toContain('Agence nationale*');
    expect((await app.inject({ url: '/admin/glossary?lang=bg', headers: { cookie } })).body).toContain('<h3>Понятие: reintegration</h3>');
  });
});

describe('the out-of-scope examples page', () => {
  it('refuses a change that breaks the rules with the reason, publishes and logs a valid one, and refuses one based on an older version', async () => {
    const cookie = await start();
    const before = await fileText('out-of-scope.yaml');
    const shipped = parse(before) as OutOfScopeFile;
    const page = await app.inject({ url: '/admin/out-of-scope', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<textarea id="examples.fa" name="examples.fa" rows="12">');
    expect(page.body).toContain(shipped.examples.en[0]!.replace(/'/g, '&#39;').replace(/"/g, '&quot;'));
    const publish = (fields: Record<string, string>, version = versionOf(page.body)) =>
      app.inject({ method: 'POST', url: '/admin/out-of-scope', headers: { cookie }, payload: { _csrf: csrfOf(page.body), version, ...fields } });

    const tooFew = await publish({ 'examples.fr': shipped.examples.fr.slice(0, 5).join('\n') });
    expect(tooFew.statusCode).toBe(422);
    expect(tooFew.body).toContain('examples.fr: needs at least 20 items');
    const repeated = await publish({ 'examples.tr': [...shipped.examples.tr, `${shipped.examples.tr[0]}!!`].join('\n') });
    expect(repeated.statusCode).toBe(422);
    expect(repeated.body).toContain(`examples.tr[${shipped.examples.tr.length}]: repeats another example`);
    expect(await fileText('out-of-scope.yaml')).toBe(before);

    const added = 'Quel temps fera-t-il demain à Varna ?';
    const published = await publish({ 'examples.fr': [...shipped.examples.fr, added].join('\r\n') });
    expect(published.statusCode).toBe(303);
    expect(published.headers.location).toBe('/admin/out-of-scope?published=1');
    const after = await fileText('out-of-scope.yaml');
    expect(after.split('\n')[0]).toBe(before.split('\n')[0]); // the note to staff at the top stays
    const examples = (parse(after) as OutOfScopeFile).examples;
    expect(examples.fr).toEqual([...shipped.examples.fr, added]);
    for (const lang of LANGUAGES.filter((l) => l !== 'fr')) expect(examples[lang], lang).toEqual(shipped.examples[lang]);
    expect(await historyOf('out-of-scope.yaml')).toEqual([{ at: expect.any(String), who: STAFF.email, action: 'publish', file: 'out-of-scope.yaml', before, after }]);
    expect((await app.inject({ url: '/admin/out-of-scope?published=1', headers: { cookie } })).body).toContain('Published.');

    const stale = await publish({ 'examples.fr': shipped.examples.fr.join('\n') });
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toContain('Someone else published the examples after you opened this page.');
    expect(await fileText('out-of-scope.yaml')).toBe(after);
  });

  it('puts published examples into service at once: the bot learns from them without a restart', async () => {
    const served = await serve();
    ({ app, knowledgeDir: knowledge, dataDir } = served);
    const { cookie } = await signInWith(app);
    const question = 'How much does a flight ticket to Dubai cost for a holiday?';
    const before = await served.engine.ask({ text: question, lang: 'en' });

    const shipped = parse(await fileText('out-of-scope.yaml')) as OutOfScopeFile;
    const added = [question, 'price of a holiday flight to Dubai', 'cheap flights to Dubai for my vacation'];
    const page = await app.inject({ url: '/admin/out-of-scope', headers: { cookie } });
    const published = await app.inject({
      method: 'POST',
      url: '/admin/out-of-scope',
      headers: { cookie },
      payload: { _csrf: csrfOf(page.body), version: versionOf(page.body), 'examples.en': [...shipped.examples.en, ...added].join('\n') },
    });
    expect(published.statusCode).toBe(303);
    expect(served.knowledge.outOfScope.en).toEqual([...shipped.examples.en, ...added]);
    expect(served.knowledge.outOfScope.fr).toEqual(shipped.examples.fr);
    const after = await served.engine.ask({ text: question, lang: 'en' });
    expect(after.confidence).toBeLessThan(before.confidence);
    expect((await app.inject({ url: '/admin/out-of-scope?published=1', headers: { cookie } })).body).toContain('The bot uses the new examples now.');
  });
});
