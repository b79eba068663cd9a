import { describe, expect, it } from 'vitest';
import { chatIdCipher } from '../../src/handoff/chat-id-cipher.js';
import { HandoffDesk } from '../../src/handoff/handoff-desk.js';
import { handoffFigures } from '../../src/handoff/handoff-figures.js';
import { HANDOFF_TOPIC, parseHandoffNotice, type HandoffNotice } from '../../src/handoff/handoff-records.js';
import { parseWeeklyHours, type OpeningHours } from '../../src/handoff/opening-hours.js';
import type { Store } from '../../src/storage/store.js';
import { useStoreBackends, type StoreBackend } from '../support/stores.js';

/**
 * The live handoff's core on the Store, proved on the embedded store and on PostgreSQL. Where
 * the backend is shared (PostgreSQL), the person's side and the counsellor's side run on two
 * Store instances, as two server instances would.
 */

const weekly = parseWeeklyHours('Mon-Fri 09:00-17:00');
if ('error' in weekly) throw new Error(weekly.error);
const hours: OpeningHours = { weekly: weekly.value, timeZone: 'Europe/Sofia', holidays: [] };
const cipher = chatIdCipher(Buffer.alloc(32, 9).toString('base64'))!;
// Monday 2026-12-07, 10:00 in Sofia.
const MONDAY_10 = new Date('2026-12-07T08:00:00Z');
const minutes = (n: number) => n * 60_000;

/** A clock the test moves, and a desk on each of two instances sharing it. */
async function setUp(backend: StoreBackend, options: { idleMinutes?: number; retentionDays?: number } = {}) {
  const place = await backend.place();
  const a = await place.open();
  // The embedded store is one process's: both "instances" are the same store.
  const b = backend.name === 'postgres' ? await place.open() : a;
  const clock = { now: MONDAY_10, advance: (ms: number) => (clock.now = new Date(clock.now.getTime() + ms)) };
  const deskOn = (store: Store) => new HandoffDesk(store, { hours, idleMinutes: options.idleMinutes ?? 30, retentionDays: options.retentionDays ?? 30, cipher, now: () => clock.now });
  return { a, b, person: deskOn(a), counsellor: deskOn(b), clock };
}

/** Collects handoff notices; `until(n)` resolves once `n` have arrived (the test timeout bounds it). */
async function listen(store: Store) {
  const notices: HandoffNotice[] = [];
  const raw: string[] = [];
  let wake: (() => void) | undefined;
  await store.broadcast.subscribe(HANDOFF_TOPIC, (message) => {
    raw.push(message);
    const notice = parseHandoffNotice(message);
    if (notice) notices.push(notice);
    wake?.();
  });
  return {
    raw,
    async until(count: number) {
      while (notices.length < count) await new Promise<void>((resolve) => (wake = resolve));
      return notices;
    },
  };
}

describe.each(useStoreBackends())('live handoff core: $name store', (backend) => {
  it('puts a confirmed person in the queue with language, channel, topic and place; asking again keeps the same handoff', async () => {
    const { person, counsellor, clock } = await setUp(backend);
    const first = await person.request({ person: 'person-one', channel: 'webchat', language: 'ar', recentEntryIds: ['avrr-cost', 'avrr-eligibility'] });
    expect(first).toMatchObject({ created: true, opening: { open: true }, handoff: { state: 'waiting', outsideHours: false, language: 'ar', channel: 'webchat' } });
    clock.advance(minutes(1));
    const second = await person.request({ person: 'person-two', channel: 'telegram', language: 'fa', chatId: '5550001' });
    expect(await person.request({ person: 'person-one', channel: 'webchat', language: 'ar' })).toMatchObject({ created: false, handoff: { id: first.handoff.id } });

    const queue = await counsellor.queue();
    expect(queue.map((h) => [h.id, h.language, h.channel, h.state, h.recentEntryIds.at(-1)])).toEqual([
      [first.handoff.id, 'ar', 'webchat', 'waiting', 'avrr-eligibility'],
      [second.handoff.id, 'fa', 'telegram', 'waiting', undefined],
    ]);
    // The queue shows no person id and no chat id.
    expect(JSON.stringify(queue)).not.toMatch(/person-one|person-two|sealedChatId|5550001/);
    expect(await person.placeOf(first.handoff.id)).toBe(1);
    expect(await person.placeOf(second.handoff.id)).toBe(2);
    await counsellor.claim(first.handoff.id, 'nadia@iom.example');
    expect(await person.placeOf(second.handoff.id)).toBe(1);
    expect(await person.placeOf(first.handoff.id)).toBeUndefined();
  });

  it('marks a request outside the hours and says when counsellors are next in', async () => {
    const { person, clock } = await setUp(backend);
    clock.now = new Date('2026-12-05T12:00:00Z'); // Saturday
    const { handoff, opening } = await person.request({ person: 'p1', channel: 'telegram', language: 'ps', chatId: '77' });
    expect(handoff.outsideHours).toBe(true);
    expect(opening).toEqual({ open: false, opensAt: new Date('2026-12-07T07:00:00Z') });
  });

  it('lets exactly one of two counsellors claiming at once win, on either instance, and shows the other who holds it', async () => {
    const { person, counsellor } = await setUp(backend);
    for (let round = 0; round < 5; round++) {
      const { handoff } = await person.request({ person: `p${round}`, channel: 'webchat', language: 'uk' });
      const results = await Promise.all([person.claim(handoff.id, 'ana@iom.example'), counsellor.claim(handoff.id, 'boris@iom.example')]);
      const winners = results.filter((r) => r.ok);
      expect(winners).toHaveLength(1);
      const winner = winners[0]!.ok ? winners[0]!.value.claimedBy : undefined;
      const loser = results.find((r) => !r.ok);
      expect(loser).toEqual({ ok: false, reason: 'claimed', claimedBy: winner });
      expect((await person.get(handoff.id))).toMatchObject({ state: 'claimed', claimedBy: winner });
    }
  });

  it('lets only the claim holder reply, and moves that right with a claim handed to a colleague', async () => {
    const { person, counsellor } = await setUp(backend);
    const { handoff } = await person.request({ person: 'p1', channel: 'webchat', language: 'ru' });
    expect(await counsellor.reply(handoff.id, 'ana@iom.example', 'Hello')).toEqual({ ok: false, reason: 'not-yours' });
    await counsellor.claim(handoff.id, 'ana@iom.example');
    expect((await counsellor.reply(handoff.id, 'ana@iom.example', 'Hello')).ok).toBe(true);
    expect(await counsellor.handOver(handoff.id, 'boris@iom.example', 'ana@iom.example')).toEqual({ ok: false, reason: 'not-yours' });
    expect(await counsellor.handOver(handoff.id, 'ana@iom.example', 'boris@iom.example')).toMatchObject({ ok: true, value: { claimedBy: 'boris@iom.example' } });
    expect(await counsellor.reply(handoff.id, 'ana@iom.example', 'Still me')).toEqual({ ok: false, reason: 'not-yours' });
    expect((await counsellor.reply(handoff.id, 'boris@iom.example', 'Boris here', 'contact-iom')).ok).toBe(true);
    expect(await counsellor.release(handoff.id, 'boris@iom.example')).toMatchObject({ ok: true, value: { state: 'waiting' } });
    expect((await counsellor.get(handoff.id))).not.toHaveProperty('claimedBy');
  });

  it('carries the person\'s messages while waiting and the counsellor\'s replies into one transcript, and records every read', async () => {
    const { person, counsellor, clock } = await setUp(backend);
    const { handoff } = await person.request({ person: 'p1', channel: 'webchat', language: 'ar' });
    await person.personWrites('p1', 'مرحبا، هل يمكنني العودة؟');
    clock.advance(minutes(1));
    await person.personWrites('p1', 'أنا في صوفيا');
    clock.advance(minutes(1));
    await counsellor.claim(handoff.id, 'nadia@iom.example');
    await counsellor.reply(handoff.id, 'nadia@iom.example', 'أهلاً، نعم.', 'avrr-eligibility');
    expect(await person.personWrites('nobody', 'hi')).toBeUndefined();

    const transcript = await counsellor.transcript(handoff.id, 'nadia@iom.example');
    expect(transcript.map((m) => [m.from, m.text, m.entryId])).toEqual([
      ['person', 'مرحبا، هل يمكنني العودة؟', undefined],
      ['person', 'أنا في صوفيا', undefined],
      ['counsellor', 'أهلاً، نعم.', 'avrr-eligibility'],
    ]);
    clock.advance(minutes(1));
    await person.transcript(handoff.id, 'admin@iom.example');
    expect(await counsellor.readsOf(handoff.id)).toEqual([
      { handoffId: handoff.id, who: 'nadia@iom.example', at: '2026-12-07T08:02:00.000Z' },
      { handoffId: handoff.id, who: 'admin@iom.example', at: '2026-12-07T08:03:00.000Z' },
    ]);
  });

  it('keeps a Telegram chat id sealed only while the handoff is open, and drops it when it ends', async () => {
    const { a, person, counsellor } = await setUp(backend);
    const { handoff } = await person.request({ person: 'p1', channel: 'telegram', language: 'tr', chatId: '987654321' });
    const stored = await a.documents('handoffs').get(`open/${handoff.id}`);
    expect(JSON.stringify(stored)).not.toContain('987654321');
    expect(await counsellor.chatIdOf(handoff.id)).toBe('987654321');
    await counsellor.claim(handoff.id, 'ana@iom.example');
    // Returned this once, so the person can be told the conversation ended; then gone.
    expect(await counsellor.end(handoff.id, 'referred', 'ana@iom.example')).toMatchObject({ ok: true, value: { chatId: '987654321' } });
    expect(await counsellor.chatIdOf(handoff.id)).toBeUndefined();
    const raw = await a.documents('handoffs').list();
    expect(raw.map((d) => d.key).filter((k) => k.includes(handoff.id))).toEqual([`closed/${handoff.id}`]);
    expect(JSON.stringify(raw)).not.toMatch(/sealedChatId|v1\./);
  });

  it('ends with an outcome by the claim holder only, keeping for the dashboard outcome, language, channel and times without text or person', async () => {
    const { a, person, counsellor, clock } = await setUp(backend);
    const { handoff } = await person.request({ person: 'p1', channel: 'webchat', language: 'fa' });
    await person.personWrites('p1', 'سلام');
    clock.advance(minutes(4));
    await counsellor.claim(handoff.id, 'ana@iom.example');
    clock.advance(minutes(1));
    await counsellor.reply(handoff.id, 'ana@iom.example', 'درود');
    clock.advance(minutes(10));
    expect(await counsellor.end(handoff.id, 'answered', 'boris@iom.example')).toEqual({ ok: false, reason: 'not-yours' });
    const ended = await counsellor.end(handoff.id, 'answered', 'ana@iom.example');
    expect(ended).toMatchObject({ ok: true, value: { handoff: { kind: 'closed', ending: 'answered', endedBy: 'ana@iom.example' } } });
    expect(ended.ok && ended.value).not.toHaveProperty('chatId');
    expect(await counsellor.end(handoff.id, 'answered', 'ana@iom.example')).toEqual({ ok: false, reason: 'ended' });
    expect(await person.openHandoffOf('p1')).toBeUndefined();
    expect(await person.personWrites('p1', 'are you there?')).toBeUndefined();

    const outcomes = await a.documents('handoff-outcomes').list();
    expect(outcomes.map((d) => d.value)).toEqual([
      { day: '2026-12-07', language: 'fa', channel: 'webchat', ending: 'answered', outsideHours: false, waitSeconds: 300, handlingSeconds: 660 },
    ]);
    // The text stays until retention: the transcript is still there right after the end.
    expect(await counsellor.transcript(handoff.id, 'ana@iom.example')).toHaveLength(2);
    // A new request after the end is a new handoff.
    expect((await person.request({ person: 'p1', channel: 'webchat', language: 'fa' })).handoff.id).not.toBe(handoff.id);
  });

  it('ends a claimed conversation silent for HANDOFF_IDLE_MINUTES by itself, and leaves waiting ones for a counsellor', async () => {
    const { person, counsellor, clock } = await setUp(backend, { idleMinutes: 20 });
    const claimed = (await person.request({ person: 'p1', channel: 'telegram', language: 'en', chatId: '11' })).handoff;
    const waiting = (await person.request({ person: 'p2', channel: 'telegram', language: 'ku', chatId: '12' })).handoff;
    await counsellor.claim(claimed.id, 'ana@iom.example');
    clock.advance(minutes(19));
    expect(await counsellor.endIdle()).toEqual([]);
    await person.personWrites('p1', 'one more thing');
    clock.advance(minutes(19));
    expect(await counsellor.endIdle()).toEqual([]);
    clock.advance(minutes(1));
    expect(await counsellor.endIdle()).toMatchObject([{ handoff: { id: claimed.id, ending: 'idle' }, chatId: '11' }]);
    expect(await counsellor.get(claimed.id)).toMatchObject({ kind: 'closed', ending: 'idle' });
    expect(await counsellor.get(claimed.id)).not.toHaveProperty('endedBy');
    expect(await counsellor.get(waiting.id)).toMatchObject({ kind: 'open', state: 'waiting' });
  });

  it('deletes transcripts and ended handoffs after HANDOFF_RETENTION_DAYS, and ends open ones silent that long', async () => {
    const { a, person, counsellor, clock } = await setUp(backend, { retentionDays: 30 });
    const old = (await person.request({ person: 'p1', channel: 'webchat', language: 'bg' })).handoff;
    await person.personWrites('p1', 'старо съобщение');
    await counsellor.claim(old.id, 'ana@iom.example');
    await counsellor.end(old.id, 'answered', 'ana@iom.example');
    const forgotten = (await person.request({ person: 'p2', channel: 'telegram', language: 'ur', chatId: '31' })).handoff;
    await person.personWrites('p2', 'koi hai?');
    clock.advance(20 * 86_400_000);
    const recent = (await person.request({ person: 'p3', channel: 'webchat', language: 'fr' })).handoff;
    await person.personWrites('p3', 'bonjour');

    clock.advance(11 * 86_400_000);
    expect(await counsellor.deleteExpired()).toEqual({ messages: 2, handoffs: 2 });
    expect(await counsellor.transcript(old.id, 'admin@iom.example')).toEqual([]);
    expect(await counsellor.get(old.id)).toBeUndefined();
    expect(await counsellor.get(forgotten.id)).toBeUndefined();
    expect(await counsellor.chatIdOf(forgotten.id)).toBeUndefined();
    expect((await counsellor.transcript(recent.id, 'admin@iom.example')).map((m) => m.text)).toEqual(['bonjour']);
    expect((await a.documents('handoffs').list({ prefix: 'person/' })).map((d) => d.key)).toEqual(['person/p3']);
    // What the dashboard keeps has no text and stays.
    expect((await a.documents('handoff-outcomes').list()).map((d) => (d.value as { ending: string }).ending).sort()).toEqual(['answered', 'expired']);
  });

  it('forgets a person\'s open and ended handoffs and their transcripts at once, leaving other people\'s', async () => {
    const { a, person, counsellor } = await setUp(backend);
    const ended = (await person.request({ person: 'p1', channel: 'telegram', language: 'ar', chatId: '1' })).handoff;
    await person.personWrites('p1', 'first time');
    await counsellor.claim(ended.id, 'ana@iom.example');
    await counsellor.end(ended.id, 'return-requested', 'ana@iom.example');
    const open = (await person.request({ person: 'p1', channel: 'telegram', language: 'ar', chatId: '1' })).handoff;
    await person.personWrites('p1', 'second time');
    const other = (await person.request({ person: 'p2', channel: 'webchat', language: 'en' })).handoff;
    await person.personWrites('p2', 'someone else');

    expect(await person.forget('p1')).toBe(2);
    expect(await counsellor.get(ended.id)).toBeUndefined();
    expect(await counsellor.get(open.id)).toBeUndefined();
    expect(await person.openHandoffOf('p1')).toBeUndefined();
    expect((await counsellor.queue()).map((h) => h.id)).toEqual([other.id]);
    const messages = (await a.documents<{ text: string }>('handoffs').list({ prefix: 'message/' })).map((d) => d.value.text);
    expect(messages).toEqual(['someone else']);
    expect(await counsellor.claim(open.id, 'ana@iom.example')).toEqual({ ok: false, reason: 'missing' });
    expect(await person.forget('p1')).toBe(0);
  });

  it('announces every change on the broadcast to the other instance, with no message text or person id', async () => {
    const { b, person, counsellor } = await setUp(backend);
    const heard = await listen(b);
    const { handoff } = await person.request({ person: 'person-secret-id', channel: 'telegram', language: 'fa', chatId: '4242' });
    await person.personWrites('person-secret-id', 'my private words');
    await counsellor.claim(handoff.id, 'ana@iom.example');
    await counsellor.reply(handoff.id, 'ana@iom.example', 'counsellor private words');
    await counsellor.handOver(handoff.id, 'ana@iom.example', 'boris@iom.example');
    await counsellor.end(handoff.id, 'answered', 'boris@iom.example');
    await person.forget('person-secret-id');
    const notices = await heard.until(7);
    expect(notices).toEqual([
      { event: 'requested', id: handoff.id },
      { event: 'message', id: handoff.id, from: 'person', message: expect.stringMatching(new RegExp(`^message/${handoff.id}/`)) },
      { event: 'claimed', id: handoff.id },
      { event: 'message', id: handoff.id, from: 'counsellor', message: expect.stringMatching(new RegExp(`^message/${handoff.id}/`)) },
      { event: 'handed-over', id: handoff.id },
      { event: 'ended', id: handoff.id },
      { event: 'forgotten', id: handoff.id },
    ]);
    expect(heard.raw.join('\n')).not.toMatch(/private words|person-secret-id|4242/);
  });

  it('delivers a counsellor\'s reply to the person\'s instance from the notice, reading only what is new and recording no staff read', async () => {
    const { a, person, counsellor, clock } = await setUp(backend);
    const heard = await listen(a);
    const { handoff } = await person.request({ person: 'p1', channel: 'webchat', language: 'ar' });
    const mine = await person.personWrites('p1', 'مرحبا');
    await counsellor.claim(handoff.id, 'ana@iom.example');
    clock.advance(1000);
    const sent = await counsellor.reply(handoff.id, 'ana@iom.example', 'أهلاً بك');
    const notices = await heard.until(4);
    const notice = notices.find((n) => n.event === 'message' && n.from === 'counsellor')!;
    expect(sent.ok && sent.value.key).toBe(notice.message);
    expect(await person.messagesSince(handoff.id, mine!.key)).toEqual([{ key: notice.message, message: expect.objectContaining({ from: 'counsellor', text: 'أهلاً بك' }) }]);
    expect((await person.messagesSince(handoff.id)).map((m) => m.message.text)).toEqual(['مرحبا', 'أهلاً بك']);
    expect(await person.readsOf(handoff.id)).toEqual([]);
  });

  it('numbers a handoff\'s messages in the order they were written, even when an instance\'s clock is behind', async () => {
    const { b, person, clock } = await setUp(backend);
    const behind = new HandoffDesk(b, { hours, idleMinutes: 30, retentionDays: 30, cipher, now: () => new Date(clock.now.getTime() - minutes(5)) });
    const { handoff } = await person.request({ person: 'p1', channel: 'webchat', language: 'tr' });
    const first = await person.personWrites('p1', 'bir');
    await behind.claim(handoff.id, 'ana@iom.example');
    await behind.reply(handoff.id, 'ana@iom.example', 'iki');
    await person.personWrites('p1', 'üç');
    expect((await person.messagesSince(handoff.id, first!.key)).map((m) => m.message.text)).toEqual(['iki', 'üç']);
  });

  it('gives the dashboard handoffs per day and language, median wait to the first reply, share answered and outside-hours requests', async () => {
    const { a, person, counsellor, clock } = await setUp(backend);
    // Monday, in hours: three requests; replies after 2, 4 and 10 minutes.
    const waits = [2, 4, 10];
    for (const [i, wait] of waits.entries()) {
      clock.now = new Date(MONDAY_10.getTime() + minutes(i * 30));
      const { handoff } = await person.request({ person: `m${i}`, channel: i === 0 ? 'telegram' : 'webchat', language: i === 2 ? 'ar' : 'uk', ...(i === 0 ? { chatId: '5' } : {}) });
      clock.advance(minutes(wait));
      await counsellor.claim(handoff.id, 'ana@iom.example');
      await counsellor.reply(handoff.id, 'ana@iom.example', 'hello');
      await counsellor.end(handoff.id, i === 2 ? 'referred' : 'answered', 'ana@iom.example');
    }
    // Monday 23:30 in Sofia (outside hours), answered Tuesday morning: counted apart.
    clock.now = new Date('2026-12-07T21:30:00Z');
    const late = (await person.request({ person: 'late', channel: 'webchat', language: 'ar' })).handoff;
    clock.now = new Date('2026-12-08T07:30:00Z');
    await counsellor.claim(late.id, 'ana@iom.example');
    await counsellor.reply(late.id, 'ana@iom.example', 'good morning');
    await counsellor.end(late.id, 'answered', 'ana@iom.example');
    // Tuesday: one still waiting; two people tap "was this helpful?" after an end.
    await person.request({ person: 't1', channel: 'webchat', language: 'ps' });
    await person.countFeedback(true, 'ar');
    await person.countFeedback(false, 'uk');

    const figures = await handoffFigures(a);
    expect(figures.days).toEqual([
      { day: '2026-12-07', requests: 4, outsideHours: 1, byLanguage: { ar: 2, uk: 2 }, byChannel: { telegram: 1, webchat: 3 } },
      { day: '2026-12-08', requests: 1, outsideHours: 0, byLanguage: { ps: 1 }, byChannel: { webchat: 1 } },
    ]);
    expect(figures).toMatchObject({ requests: 5, outsideHours: 1, endings: { answered: 3, referred: 1 }, answeredShare: 0.75, medianWaitSeconds: 240, medianWaitSecondsOutsideHours: 36_000, helpful: 1, notHelpful: 1 });
    expect((await handoffFigures(a, { from: '2026-12-08' })).days.map((d) => d.day)).toEqual(['2026-12-08']);
  });
});
