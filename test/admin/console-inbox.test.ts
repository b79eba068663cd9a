import { describe, expect, it } from 'vitest';
import { readQuestion } from '../../src/admin/inbox.js';
import { csrfOf, signInWith, useConsoleServer } from '../support/console-server.js';

const serve = useConsoleServer();

/** One inbox card's HTML, found by its question. */
const cardOf = (body: string, question: string) => {
  const start = body.lastIndexOf('<li class="card question">', body.indexOf(question));
  return body.slice(start, body.indexOf('</li>\n', body.indexOf(question)));
};
const keyOf = (card: string) => /name="key" value="([^"]+)"/.exec(card)?.[1] ?? '';

describe('the unanswered inbox', () => {
  it("shows the engine's three closest entries with how sure it is, chooses none of them, and adds the question to the entry staff pick", async () => {
    const { app, engine, insights } = await serve();
    // A question about a SIM card: the engine's closest entries are all wrong.
    const sim = 'من أين أشتري شريحة هاتف';
    const reading = await readQuestion(engine, sim, 'ar');
    expect(reading.candidates).toHaveLength(3);
    expect(reading.candidates[0]!.suggested).toBe(false);
    await insights.recordUnanswered({ text: sim, lang: 'ar', bestEntryId: reading.candidates[0]!.entryId, bestConfidence: reading.candidates[0]!.confidence });

    const { cookie } = await signInWith(app);
    const inbox = await app.inject({ url: '/admin/inbox', headers: { cookie } });
    const card = cardOf(inbox.body, sim);
    const shown = [...card.matchAll(/<input type="radio" name="entryId" value="([^"]+)"[^>]*>\s*<span><span class="tag">[^<]+<\/span> <span lang="en" dir="ltr">([^<]+)<\/span> · (\d+) % sure/g)].map((m) => ({ entryId: m[1], percent: Number(m[3]) }));
    expect(shown).toEqual(reading.candidates.map((c) => ({ entryId: c.entryId, percent: Math.round(c.confidence * 100) })));
    expect(card).toContain('value="other" required');
    expect(card).toContain('value="new" required');
    expect(card).not.toMatch(/checked|selected/);
    expect(card).toContain('Detected language: Arabic (ar)');
    // No gloss from an entry the engine would not even suggest.
    expect(card).not.toContain('Closest entry, in English');

    // Nothing picked: refused, nothing published.
    const unpicked = await app.inject({ method: 'POST', url: '/admin/inbox/variant', headers: { cookie }, payload: { _csrf: csrfOf(inbox.body), key: keyOf(card) } });
    expect(unpicked.statusCode).toBe(422);
    expect(unpicked.body).toContain('Choose an entry, or a new entry.');
    const noneChosen = await app.inject({ method: 'POST', url: '/admin/inbox/variant', headers: { cookie }, payload: { _csrf: csrfOf(inbox.body), key: keyOf(card), entryId: 'other', otherEntryId: '' } });
    expect(noneChosen.statusCode).toBe(422);
    // Another entry than the three, from the list.
    const added = await app.inject({ method: 'POST', url: '/admin/inbox/variant', headers: { cookie }, payload: { _csrf: csrfOf(inbox.body), key: keyOf(card), entryId: 'other', otherEntryId: 'help-outside-iom' } });
    expect(added.headers.location).toBe('/admin/inbox?added=help-outside-iom');
    const asked = await app.inject({ method: 'POST', url: '/api/ask', payload: { text: sim, lang: 'ar' } });
    expect(asked.json()).toMatchObject({ kind: 'answer', entryId: 'help-outside-iom' });
  });

  it("glosses an Arabic question with the English question of the entry the engine would suggest, and 'a new entry' starts one from the question", async () => {
    const { app, engine, insights } = await serve();
    const cat = 'هل يمكنني أخذ قطتي معي عند العودة';
    const reading = await readQuestion(engine, cat, 'ar');
    expect(reading.detectedLang).toBe('ar');
    expect(reading.candidates[0]?.suggested).toBe(true);
    await insights.recordUnanswered({ text: cat, lang: 'ar', bestEntryId: null, bestConfidence: 0 });

    const { cookie } = await signInWith(app);
    const inbox = await app.inject({ url: '/admin/inbox?lang=bg', headers: { cookie } });
    const card = cardOf(inbox.body, cat);
    const top = (await app.inject({ url: `/admin/entries/${reading.candidates[0]!.entryId}`, headers: { cookie } })).body;
    const english = /<input id="languages.en.question" name="languages.en.question" value="([^"]+)">/.exec(top)?.[1];
    expect(english).toBeTruthy();
    expect(card).toContain(`<p class="gloss">Най-близкият запис, на английски: <q lang="en" dir="ltr">${english}</q></p>`);
    expect(card).toMatch(/Разпознат език: арабски \(ar\), \d+ % сигурност/);
    expect(card).toContain(`<strong lang="ar" dir="rtl">${cat}</strong>`);

    const started = await app.inject({ method: 'POST', url: '/admin/inbox/variant', headers: { cookie }, payload: { _csrf: csrfOf(inbox.body), key: keyOf(card), entryId: 'new' } });
    expect(started.statusCode).toBe(303);
    expect(started.headers.location).toBe(`/admin/entries/new?lang=ar&question=${encodeURIComponent(cat)}`);
    const form = await app.inject({ url: started.headers.location as string, headers: { cookie } });
    expect(form.body).toContain(`<input id="languages.ar.question" name="languages.ar.question" value="${cat}">`);
  });
});
