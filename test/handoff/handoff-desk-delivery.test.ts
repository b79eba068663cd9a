import { describe, expect, it } from 'vitest';
import { chatIdCipher } from '../../src/handoff/chat-id-cipher.js';
import { CounsellorPresence } from '../../src/handoff/counsellor-presence.js';
import { HandoffDesk, type EndedHandoff } from '../../src/handoff/handoff-desk.js';
import { parseWeeklyHours, type OpeningHours } from '../../src/handoff/opening-hours.js';
import type { Store } from '../../src/storage/store.js';
import { useStoreBackends, type StoreBackend } from '../support/stores.js';

/**
 * What the person's side of a handoff needs from the desk: each counsellor message taken for
 * delivery once, whichever of two instances asks; the end told by the desk that closed it, with
 * what was not delivered yet; and "nobody online" counted as outside the hours.
 */

const weekly = parseWeeklyHours('Mon-Fri 09:00-17:00');
if ('error' in weekly) throw new Error(weekly.error);
const hours: OpeningHours = { weekly: weekly.value, timeZone: 'Europe/Sofia', holidays: [] };
const cipher = chatIdCipher(Buffer.alloc(32, 7).toString('base64'))!;
const MONDAY_10 = new Date('2026-12-07T08:00:00Z');

async function setUp(backend: StoreBackend) {
  const place = await backend.place();
  const a = await place.open();
  const b = backend.name === 'postgres' ? await place.open() : a;
  const now = () => MONDAY_10;
  const deskOn = (store: Store) => new HandoffDesk(store, { hours, idleMinutes: 30, retentionDays: 30, cipher, now, presence: new CounsellorPresence(store, { now }) });
  return { a, b, person: deskOn(a), counsellor: deskOn(b), presence: new CounsellorPresence(b, { now }) };
}

describe.each(useStoreBackends())('handoff delivery on the desk: $name store', (backend) => {
  it('hands each counsellor message to exactly one of two instances asking at once, and never the person\'s own', async () => {
    const { person, counsellor, presence } = await setUp(backend);
    await presence.seen('ana@iom.example', ['en']);
    const { handoff } = await person.request({ person: 'webchat/u1', channel: 'webchat', language: 'en', conversation: 'conv-1' });
    await person.personWrites('webchat/u1', 'hello');
    await counsellor.claim(handoff.id, 'ana@iom.example');
    await counsellor.reply(handoff.id, 'ana@iom.example', 'Hi, I am Ana.');
    await counsellor.reply(handoff.id, 'ana@iom.example', 'How can I help?');
    const takes = await Promise.all([person.takeDelivery(handoff.id), counsellor.takeDelivery(handoff.id), person.takeDelivery(handoff.id)]);
    const delivered = takes.flatMap((t) => t?.messages.map((m) => m.text) ?? []);
    expect(delivered).toEqual(['Hi, I am Ana.', 'How can I help?']);
    expect(takes.find((t) => t)).toMatchObject({ channel: 'webchat', conversation: 'conv-1', person: 'webchat/u1', language: 'en' });
    expect(await person.takeDelivery(handoff.id)).toBeUndefined();
    expect(await person.undelivered()).toEqual([]);
    await counsellor.reply(handoff.id, 'ana@iom.example', 'Still there?');
    expect(await person.undelivered()).toEqual([handoff.id]);
    expect((await counsellor.takeDelivery(handoff.id))?.messages.map((m) => m.text)).toEqual(['Still there?']);
  });

  it('tells the instance that closed a handoff, once, with the chat id and the replies not delivered yet; the store keeps neither', async () => {
    const { a, person, counsellor, presence } = await setUp(backend);
    await presence.seen('ana@iom.example', ['tr']);
    const told: EndedHandoff[] = [];
    const elsewhere: EndedHandoff[] = [];
    counsellor.onEnded((ended) => told.push(ended));
    person.onEnded((ended) => elsewhere.push(ended));
    const { handoff } = await person.request({ person: 'telegram/x', channel: 'telegram', language: 'tr', chatId: '4242' });
    await counsellor.claim(handoff.id, 'ana@iom.example');
    await counsellor.reply(handoff.id, 'ana@iom.example', 'Merhaba');
    expect((await person.takeDelivery(handoff.id))?.chatId).toBe('4242');
    await counsellor.reply(handoff.id, 'ana@iom.example', 'Güle güle');
    await counsellor.end(handoff.id, 'answered', 'ana@iom.example');
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ chatId: '4242', handoff: { ending: 'answered', channel: 'telegram' } });
    expect(told[0]!.undelivered.map((m) => m.text)).toEqual(['Güle güle']);
    // Another instance's desk (its own store connection) is not told: the closing instance tells the person.
    expect(elsewhere).toHaveLength(backend.name === 'postgres' ? 0 : 1);
    expect(await person.takeDelivery(handoff.id)).toBeUndefined();
    expect(JSON.stringify(await a.documents('handoffs').list())).not.toMatch(/4242|sealedChatId/);
  });

  it('treats a request within the hours with no counsellor online as outside them', async () => {
    const { person, presence } = await setUp(backend);
    expect(await person.availability()).toEqual({ open: false, opensAt: undefined, nobodyOnline: true });
    const { handoff, opening } = await person.request({ person: 'webchat/u2', channel: 'webchat', language: 'fa' });
    expect(opening).toMatchObject({ open: false, nobodyOnline: true });
    expect(handoff.outsideHours).toBe(true);
    await presence.seen('ana@iom.example', ['fa']);
    expect(await person.availability()).toMatchObject({ open: true });
  });
});
