import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../src/admin/html.js';
// lane: integration
import { openEventStream, STAFF, useHandoffConsole } from './handoff-console-server.js';

const serve = useHandoffConsole();

/** A question the engine matches (and would suggest) to an entry: the gloss comes from it. */
const CAT = 'هل يمكنني أخذ قطتي معي عند العودة';

describe('live conversations in the staff console', () => {
  it('are for counsellors and admins: an editor is refused the queue, a conversation and a claim, and is not shown the link', async () => {
    const { app, desk, signIn } = await serve();
    const { handoff } = await desk.request({ person: 'p1', channel: 'webchat', language: 'ar' });
    const ed = await signIn('ed');
    expect(ed.home).not.toContain('href="/admin/handoff"');
    for (const url of ['/admin/handoff', `/admin/handoff/${handoff.id}`, '/admin/handoff/events']) {
      const refused = await app.inject({ url, headers: { cookie: ed.cookie } });
      expect(refused.statusCode, url).toBe(403);
      expect(refused.body).toContain('Live conversations are for counsellors and admins only.');
    }
    const claim = await app.inject({ method: 'POST', url: `/admin/handoff/${handoff.id}/claim`, headers: { cookie: ed.cookie }, payload: { _csrf: ed.csrf } });
    expect(claim.statusCode).toBe(403);
    expect(await desk.get(handoff.id)).toMatchObject({ kind: 'open', state: 'waiting' });
    // Nobody read the transcript.
    expect(await desk.readsOf(handoff.id)).toEqual([]);

    for (const name of ['sara', 'boss'] as const) {
      const staff = await signIn(name);
      expect(staff.home).toContain('href="/admin/handoff"');
      expect((await app.inject({ url: '/admin/handoff', headers: { cookie: staff.cookie } })).statusCode).toBe(200);
    }
  });

  it('queue a waiting request with its language, channel, waiting time, the topic the bot last answered and who has it', async () => {
    const { app, desk, signIn } = await serve();
    const sara = await signIn('sara');
    const omid = await signIn('omid');
    const empty = await app.inject({ url: '/admin/handoff', headers: { cookie: sara.cookie } });
    expect(empty.body).toContain('Nobody is waiting.');
    expect(empty.headers['content-security-policy']).toContain("connect-src 'self'");
    expect(empty.headers['content-security-policy']).toContain("script-src 'self'");
    expect(empty.body).toContain('<script src="/admin/handoff-live.js" defer></script>');

    const { handoff } = await desk.request({ person: 'person-id-7f3a', channel: 'telegram-like', language: 'ar', recentEntryIds: ['avrr-eligibility', 'avrr-cost'] });
    const queue = await app.inject({ url: '/admin/handoff', headers: { cookie: sara.cookie } });
    const row = queue.body.slice(queue.body.indexOf(`<li class="handoff" data-handoff="${handoff.id}">`), queue.body.indexOf('</li>', queue.body.indexOf(`data-handoff="${handoff.id}"`)));
    expect(row).toContain('Arabic (ar)');
    expect(row).toContain('you speak it');
    expect(row).toContain('telegram-like');
    expect(row).toMatch(/\d+ min/);
    expect(row).toContain('Last answer from the bot: <span class="tag">avrr-cost</span> <span lang="en" dir="ltr">Does voluntary return cost me anything?</span>');
    expect(row).toContain('Waiting');
    expect(queue.body).not.toContain('person-id-7f3a');

    await app.inject({ method: 'POST', url: `/admin/handoff/${handoff.id}/claim`, headers: { cookie: sara.cookie }, payload: { _csrf: sara.csrf } });
    const seenByOmid = await app.inject({ url: '/admin/handoff', headers: { cookie: omid.cookie } });
    expect(seenByOmid.body).toContain('sara@example.org is answering this conversation.');
    expect(seenByOmid.body).not.toContain('you speak it');
  });

  it('let a counsellor say which languages they speak, which the queue then marks', async () => {
    const { app, desk, signIn } = await serve();
    const omid = await signIn('omid');
    await desk.request({ person: 'p1', channel: 'webchat', language: 'ar' });
    const before = await app.inject({ url: '/admin/handoff', headers: { cookie: omid.cookie } });
    expect(before.body).toContain('Your languages: Persian, English.');
    expect(before.body).toContain('<input type="checkbox" name="languages" value="fa" checked>');
    expect(before.body).not.toContain('you speak it');

    const saved = await app.inject({ method: 'POST', url: '/admin/handoff/languages', headers: { cookie: omid.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${encodeURIComponent(omid.csrf)}&languages=fa&languages=ar` });
    expect(saved.headers.location).toBe('/admin/handoff?done=languages&lang=en');
    const after = await app.inject({ url: saved.headers.location as string, headers: { cookie: omid.cookie } });
    expect(after.body).toContain('Your languages are saved.');
    expect(after.body).toContain('Your languages: Persian, Arabic.');
    expect(after.body).toContain('you speak it');
    // One box ticked is a list of one; an unknown code is refused.
    await app.inject({ method: 'POST', url: '/admin/handoff/languages', headers: { cookie: omid.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${encodeURIComponent(omid.csrf)}&languages=fa` });
    expect((await app.inject({ url: '/admin/handoff', headers: { cookie: omid.cookie } })).body).toContain('Your languages: Persian.');
    expect((await app.inject({ method: 'POST', url: '/admin/handoff/languages', headers: { cookie: omid.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${encodeURIComponent(omid.csrf)}&languages=xx` })).statusCode).toBe(400);
  });

  it('stream changes to the queue as they happen (ids only) and mark the counsellor online with their languages', async () => {
    const { url, desk, presence, signIn } = await serve();
    const sara = await signIn('sara');
    const stream = await openEventStream(`${url}/admin/handoff/events`, sara.cookie);
    try {
      expect(stream.status).toBe(200);
      expect(stream.contentType).toContain('text/event-stream');
      await stream.until((text) => text.includes(': open'));
      expect((await presence.online('ar')).map((c) => ({ counsellor: c.counsellor, languages: c.languages }))).toEqual([{ counsellor: STAFF.sara.email, languages: ['ar', 'en'] }]);
      expect(await presence.online('fa')).toEqual([]);

      const { handoff } = await desk.request({ person: 'person-123', channel: 'webchat', language: 'fa' });
      await desk.personWrites('person-123', 'سلام، کمک می‌خواهم');
      const text = await stream.until((t) => t.includes('"event":"message"'));
      const events = [...text.matchAll(/^data: (.+)$/gm)].map((m) => JSON.parse(m[1]!));
      expect(events).toEqual([
        { event: 'requested', id: handoff.id },
        { event: 'message', id: handoff.id },
      ]);
      expect(text).not.toContain('person-123');
      expect(text).not.toContain('سلام');
    } finally {
      stream.close();
    }
  });

  it('let exactly one of two counsellors claiming at once have the conversation, and tell the other who took it', async () => {
    const { app, desk, signIn } = await serve();
    const sara = await signIn('sara');
    const omid = await signIn('omid');
    const { handoff } = await desk.request({ person: 'p1', channel: 'webchat', language: 'ar' });
    const claims = await Promise.all(
      [sara, omid].map((staff) => app.inject({ method: 'POST', url: `/admin/handoff/${handoff.id}/claim`, headers: { cookie: staff.cookie }, payload: { _csrf: staff.csrf } })),
    );
    expect(claims.map((c) => c.statusCode).sort()).toEqual([303, 409]);
    const winner = claims[0]!.statusCode === 303 ? STAFF.sara.email : STAFF.omid.email;
    const loser = claims.find((c) => c.statusCode === 409)!;
    expect(loser.body).toContain(`${winner} took this conversation first.`);
    expect(loser.body).toContain(`${winner} is answering this conversation.`);
    expect(loser.body).not.toContain('id="reply-text"');
    expect(await desk.get(handoff.id)).toMatchObject({ state: 'claimed', claimedBy: winner });
  });

  it('hand a conversation to a colleague, who can then put it back in the queue; the first counsellor can no longer reply', async () => {
    const { app, desk, signIn } = await serve();
    const sara = await signIn('sara');
    const omid = await signIn('omid');
    const { handoff } = await desk.request({ person: 'p1', channel: 'webchat', language: 'ar' });
    const post = (staff: typeof sara, action: string, payload: Record<string, string> = {}) =>
      app.inject({ method: 'POST', url: `/admin/handoff/${handoff.id}/${action}`, headers: { cookie: staff.cookie }, payload: { _csrf: staff.csrf, ...payload } });

    await post(sara, 'claim');
    const page = await app.inject({ url: `/admin/handoff/${handoff.id}`, headers: { cookie: sara.cookie } });
    expect(page.body).toContain(`<option value="${STAFF.omid.email}">`);
    expect(page.body).toContain(`<option value="${STAFF.boss.email}">`);
    expect(page.body).not.toContain(`<option value="${STAFF.ed.email}">`);
    // Not to an editor.
    expect((await post(sara, 'hand-over', { to: STAFF.ed.email })).statusCode).toBe(422);

    const handed = await post(sara, 'hand-over', { to: STAFF.omid.email });
    expect(handed.statusCode).toBe(303);
    expect(await desk.get(handoff.id)).toMatchObject({ state: 'claimed', claimedBy: STAFF.omid.email });
    const late = await post(sara, 'reply', { text: 'still here' });
    expect(late.statusCode).toBe(409);
    expect(late.body).toContain('Only the counsellor answering this conversation can do that.');

    const released = await post(omid, 'release');
    expect(released.headers.location).toBe('/admin/handoff?done=released&lang=en');
    expect(await desk.get(handoff.id)).toMatchObject({ state: 'waiting' });
    expect(await desk.get(handoff.id)).not.toHaveProperty('claimedBy');
  });

  it("show the person's messages with an English gloss for a counsellor who does not speak the language, send a reply into the transcript, and record every read", async () => {
    const { app, desk, signIn } = await serve();
    const sara = await signIn('sara');
    const omid = await signIn('omid');
    const { handoff } = await desk.request({ person: 'person-id-7f3a', channel: 'webchat', language: 'ar', recentEntryIds: ['avrr-cost'] });
    await desk.personWrites('person-id-7f3a', CAT);
    await app.inject({ method: 'POST', url: `/admin/handoff/${handoff.id}/claim`, headers: { cookie: sara.cookie }, payload: { _csrf: sara.csrf } });

    const forSara = await app.inject({ url: `/admin/handoff/${handoff.id}`, headers: { cookie: sara.cookie } });
    expect(forSara.body).toContain(`<p class="text" lang="ar" dir="auto">${escapeHtml(CAT)}</p>`);
    expect(forSara.body).toContain('Language: Arabic (ar) · channel: webchat');
    expect(forSara.body).toContain('<span class="tag">avrr-cost</span> <span lang="ar" dir="rtl">هل تكلّفني العودة الطوعية أي مال؟</span>');
    expect(forSara.body).not.toContain('Closest entry, in English');
    expect(forSara.body).not.toContain('person-id-7f3a');
    const forOmid = await app.inject({ url: `/admin/handoff/${handoff.id}`, headers: { cookie: omid.cookie } });
    expect(forOmid.body).toMatch(/<p class="gloss">Closest entry, in English: <q lang="en" dir="ltr">[^<]+<\/q><\/p>/);
    expect(forOmid.body).toContain('<q lang="en" dir="ltr">Does voluntary return cost me anything?</q>');

    const sent = await app.inject({ method: 'POST', url: `/admin/handoff/${handoff.id}/reply`, headers: { cookie: sara.cookie }, payload: { _csrf: sara.csrf, text: 'نعم، يمكنك. سأشرح لك.' } });
    expect(sent.statusCode).toBe(303);
    const messages = (await desk.messagesSince(handoff.id)).map((m) => m.message);
    expect(messages.map((m) => [m.from, m.text, m.counsellor])).toEqual([
      ['person', CAT, undefined],
      ['counsellor', 'نعم، يمكنك. سأشرح لك.', STAFF.sara.email],
    ]);
    // Without the CSRF token, or too long, nothing is sent.
    expect((await app.inject({ method: 'POST', url: `/admin/handoff/${handoff.id}/reply`, headers: { cookie: sara.cookie }, payload: { text: 'x' } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: `/admin/handoff/${handoff.id}/reply`, headers: { cookie: sara.cookie }, payload: { _csrf: sara.csrf, text: 'x'.repeat(4001) } })).statusCode).toBe(400);
    expect(await desk.messagesSince(handoff.id)).toHaveLength(2);

    const reads = await desk.readsOf(handoff.id);
    expect(reads.map((r) => r.who)).toEqual([STAFF.sara.email, STAFF.omid.email]);
    const after = await app.inject({ url: `/admin/handoff/${handoff.id}?done=sent`, headers: { cookie: sara.cookie } });
    expect(after.body).toContain('Your reply was sent.');
    expect((await desk.readsOf(handoff.id)).map((r) => r.who)).toEqual([STAFF.sara.email, STAFF.omid.email, STAFF.sara.email]);
  });

  it("insert an entry's answer in the person's language, marked with the entry's id", async () => {
    const { app, desk, engine, signIn } = await serve();
    const omid = await signIn('omid');
    const { handoff } = await desk.request({ person: 'p1', channel: 'webchat', language: 'fa' });
    await app.inject({ method: 'POST', url: `/admin/handoff/${handoff.id}/claim`, headers: { cookie: omid.cookie }, payload: { _csrf: omid.csrf } });
    const page = await app.inject({ url: `/admin/handoff/${handoff.id}`, headers: { cookie: omid.cookie } });
    expect(page.body).toContain('<option value="avrr-cost">avrr-cost — Does voluntary return cost me anything?</option>');

    const inserted = await app.inject({ method: 'POST', url: `/admin/handoff/${handoff.id}/insert`, headers: { cookie: omid.cookie }, payload: { _csrf: omid.csrf, entryId: 'avrr-cost' } });
    expect(inserted.statusCode).toBe(303);
    const [message] = (await desk.messagesSince(handoff.id)).map((m) => m.message);
    const farsi = engine.answerEntry('avrr-cost', 'fa')!.answer;
    expect(message).toMatchObject({ from: 'counsellor', counsellor: STAFF.omid.email, entryId: 'avrr-cost', text: farsi });
    expect(farsi).not.toBe(engine.answerEntry('avrr-cost', 'en')!.answer);
    expect(farsi).not.toContain('{{');

    const unknown = await app.inject({ method: 'POST', url: `/admin/handoff/${handoff.id}/insert`, headers: { cookie: omid.cookie }, payload: { _csrf: omid.csrf, entryId: 'no-such-entry' } });
    expect(unknown.statusCode).toBe(422);
    expect(await desk.messagesSince(handoff.id)).toHaveLength(1);
  });

  it('end a conversation with its outcome, which the dashboard then counts with the wait to the first reply', async () => {
    const { app, desk, presence, signIn } = await serve();
    const sara = await signIn('sara');
    // Within the hours and a counsellor online: requests are live, not outside the hours.
    await presence.seen(STAFF.sara.email, STAFF.sara.languages);
    const post = (id: string, action: string, payload: Record<string, string> = {}) =>
      app.inject({ method: 'POST', url: `/admin/handoff/${id}/${action}`, headers: { cookie: sara.cookie }, payload: { _csrf: sara.csrf, ...payload } });
    const { handoff } = await desk.request({ person: 'p1', channel: 'webchat', language: 'ar' });
    await desk.request({ person: 'p2', channel: 'webchat', language: 'fa' });
    await post(handoff.id, 'claim');
    await post(handoff.id, 'reply', { text: 'مرحبا' });
    expect((await post(handoff.id, 'end', { outcome: 'lost-interest' })).statusCode).toBe(400);
    const ended = await post(handoff.id, 'end', { outcome: 'answered' });
    expect(ended.headers.location).toBe('/admin/handoff?done=ended&lang=en');
    expect(await desk.get(handoff.id)).toMatchObject({ kind: 'closed', ending: 'answered', endedBy: STAFF.sara.email });
    const after = await app.inject({ url: `/admin/handoff/${handoff.id}`, headers: { cookie: sara.cookie } });
    expect(after.body).toContain('This conversation has ended: answered.');
    expect(after.body).not.toContain('id="reply-text"');

    await desk.countFeedback(true, 'ar');
    const dashboard = await app.inject({ url: '/admin/dashboard?days=7', headers: { cookie: sara.cookie } });
    const section = dashboard.body.slice(dashboard.body.indexOf('<section class="card" id="handoff">'));
    expect(section).toContain('<h2>Live conversations with counsellors</h2>');
    expect(section).toContain('<tr><th scope="row">Requests</th><td>2</td></tr>');
    expect(section).toContain('<tr><th scope="row">Outside opening hours</th><td>0</td></tr>');
    expect(section).toMatch(/<tr><th scope="row">Median wait to the first counsellor reply \(within hours\)<\/th><td>\d+ min<\/td><\/tr>/);
    expect(section).toMatch(/<tr><th scope="row">Share ended as answered<\/th><td>100\s?% \(1 \/ 1\)<\/td><\/tr>/);
    expect(section).toMatch(/<th scope="col">ar<\/th><th scope="col">fa<\/th>/);
    expect(section).toContain('<tr><th scope="row">“Was this helpful?” after the end</th><td>1 yes, 0 no</td></tr>');
    expect(section).not.toContain('مرحبا');
  });
});
