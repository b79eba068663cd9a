import type { Activity } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { createWebChat } from '../../src/channels/webchat/setup.js';
import { CounsellorPresence } from '../../src/handoff/counsellor-presence.js';
import { HandoffDesk } from '../../src/handoff/handoff-desk.js';
import { NO_HOURS, parseWeeklyHours, type OpeningHours } from '../../src/handoff/opening-hours.js';
import type { Lang } from '../../src/languages.js';
import { buildApp } from '../../src/server/app.js';
import { openStore } from '../../src/storage/open-store.js';
import { activitiesOf, botTexts, openStream, postMessage, startConversation, type DirectLineConversation } from '../support/direct-line-client.js';
import { shipped, testConfig } from '../support/engine.js';
import { useTempDir } from '../support/temp-dir.js';
import { useClosedAfterEach } from '../support/closed-after-each.js';

/**
 * "Talk to a person" on the web chat, through the real server (Direct Line over HTTP and the
 * WebSocket stream): the person asks, confirms and writes; a counsellor claims and replies
 * through the desk, as the console does; the reply reaches the conversation; the bot stays
 * quiet except that danger words bring 112; the end gives the bot back with a helpful prompt.
 */

const always = parseWeeklyHours('Mon-Sun 00:00-24:00');
if ('error' in always) throw new Error(always.error);
const OPEN: OpeningHours = { weekly: always.value, timeZone: 'Europe/Sofia', holidays: [] };
const NEVER: OpeningHours = { weekly: NO_HOURS, timeZone: 'Europe/Sofia', holidays: [] };
const COUNSELLOR = 'ana@iom.example';

const tempDir = useTempDir();
const closing = useClosedAfterEach();

async function startServer(hours: OpeningHours, { online = true, now }: { online?: boolean; now?: () => Date } = {}) {
  const config = testConfig({ DATA_DIR: await tempDir(), DIRECTLINE_SECRET: 'w'.repeat(40) });
  const served = await shipped();
  const store = closing(await openStore(config));
  const presence = new CounsellorPresence(store);
  if (online) await presence.seen(COUNSELLOR, ['en', 'ar']);
  const desk = new HandoffDesk(store, { hours, idleMinutes: 30, retentionDays: 30, presence, ...(now ? { now } : {}) });
  const webChat = await createWebChat(config, served, store, desk);
  const app = closing(await buildApp({ config, ...served, webChat, store, logger: false }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const t = (lang: Lang, key: string, options?: Record<string, unknown>) => served.engine.locales.t(lang, key, options);
  return { url, desk, webChat, t, engine: served.engine, store };
}

/** Posts and resolves with the bot's activities that turn added (the post returns once the turn is written). */
async function say(url: string, conversation: DirectLineConversation, text: string): Promise<Activity[]> {
  const before = Number((await activitiesOf(url, conversation)).watermark);
  const response = await postMessage(url, conversation, text);
  expect(response.status).toBe(200);
  return (await activitiesOf(url, conversation, before)).activities.filter((a) => a.from?.role === 'bot');
}

const buttonValues = (activities: readonly Activity[]) => activities.flatMap((a) => a.suggestedActions?.actions.map((b) => String(b.value)) ?? []);

/** Resolves once `received` holds a bot message containing `text` (the test's timeout bounds the wait). */
async function arrives(received: Activity[], text: string): Promise<Activity> {
  for (;;) {
    const found = received.find((a) => a.type === 'message' && a.from?.role === 'bot' && (a.text ?? '').includes(text));
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('talk to a person on the web chat', () => {
  it('explains, queues on confirm, stays quiet but for 112, delivers the counsellor on the stream and by polling, and gives the bot back with a helpful prompt', async () => {
    const { url, desk, t, webChat, store } = await startServer(OPEN);
    const conversation = await startConversation(url);
    const stream = await openStream(url, conversation);

    const explained = await say(url, conversation, 'person');
    expect(botTexts(explained).join('\n')).toContain(t('en', 'handoff.explain', { days: 30 }));
    expect(buttonValues(explained)).toEqual(['person:yes', 'person:no']);
    // Asked in a sentence, the same offer.
    const asked = await say(url, conversation, 'Hi, can I speak to someone please?');
    expect(botTexts(asked)).toEqual([t('en', 'handoff.explain', { days: 30 })]);
    expect(buttonValues(asked)).toEqual(['person:yes', 'person:no']);

    const queued = await say(url, conversation, 'person:yes');
    expect(botTexts(queued)).toEqual([t('en', 'handoff.queued', { place: 1 })]);
    const handoff = await desk.openHandoffOf(`webchat/${conversation.userId}`);
    expect(handoff).toMatchObject({ channel: 'webchat', language: 'en', state: 'waiting', outsideHours: false });

    // Quiet: the message goes to the counsellor, the bot says nothing.
    expect(await say(url, conversation, 'How much does the return cost for my family?')).toEqual([]);
    expect((await desk.messagesSince(handoff!.id)).map((m) => [m.message.from, m.message.text])).toEqual([['person', 'How much does the return cost for my family?']]);
    // Danger words still bring 112 first (and the counsellor reads them too).
    const danger = await say(url, conversation, 'they are beating me');
    expect(botTexts(danger)[0]).toContain('112');
    expect((await desk.messagesSince(handoff!.id)).at(-1)?.message.text).toBe('they are beating me');

    // The counsellor, through the desk as the console does.
    expect(await desk.claim(handoff!.id, COUNSELLOR)).toMatchObject({ ok: true });
    await desk.reply(handoff!.id, COUNSELLOR, 'Hello, I am Ana from IOM. Are you safe now?');
    const reply = await arrives(stream.received, 'Are you safe now?');
    expect(reply.text).toBe(`**${t('en', 'handoff.counsellor')}:** Hello, I am Ana from IOM. Are you safe now?`);
    expect(botTexts((await activitiesOf(url, conversation)).activities).filter((text) => text.includes('Are you safe now?'))).toHaveLength(1);
    // "person" again says where they stand, and asks nothing.
    expect(botTexts(await say(url, conversation, 'person'))).toEqual([t('en', 'handoff.withCounsellor')]);

    await desk.end(handoff!.id, 'answered', COUNSELLOR);
    const prompt = await arrives(stream.received, t('en', 'handoff.helpfulPrompt'));
    expect(prompt.suggestedActions?.actions.map((b) => b.value)).toEqual(['pfb:up', 'pfb:down']);
    await webChat.delivery!.idle();
    const all = botTexts((await activitiesOf(url, conversation)).activities);
    expect(all.filter((text) => text === t('en', 'handoff.ended'))).toHaveLength(1);

    expect(botTexts(await say(url, conversation, 'pfb:up'))).toEqual([t('en', 'bot.feedbackThanksUp')]);
    // Counted for the dashboard beside the requests: nothing about who.
    const counts = await store.counters('handoff-requests').list();
    expect(counts.reduce((sum, day) => sum + (day.counts.helpful ?? 0), 0)).toBe(1);
    // The bot answers again.
    const answered = await say(url, conversation, 'How much does the return cost?');
    expect(botTexts(answered).join('\n')).toContain(t('en', 'bot.feedbackPrompt'));
    stream.close();
  });

  it('outside the hours: the hours, the contact route, a message for later, and the honest word that only this open tab gets the reply', async () => {
    const { url, desk, t, engine, webChat } = await startServer(NEVER);
    webChat.handoff!.telegramUsername = 'RahnamaTestBot';
    const conversation = await startConversation(url);
    await say(url, conversation, 'person');
    const [closed] = botTexts(await say(url, conversation, 'person:yes'));
    expect(closed).toContain(t('en', 'handoff.closedNever'));
    expect(closed).toContain(t('en', 'handoff.leaveMessage'));
    expect(closed).toContain(engine.answerEntry('contact-iom', 'en')!.answer);
    expect(closed).toContain(t('en', 'handoff.webchatLater'));
    expect(closed).toContain('https://t.me/RahnamaTestBot');
    const handoff = await desk.openHandoffOf(`webchat/${conversation.userId}`);
    expect(handoff?.outsideHours).toBe(true);
    // The message left is there for a counsellor; one who answers while the tab is open reaches it.
    expect(await say(url, conversation, 'Please call me back about going home')).toEqual([]);
    await desk.claim(handoff!.id, COUNSELLOR);
    await desk.reply(handoff!.id, COUNSELLOR, 'We read your message.');
    await webChat.delivery!.idle();
    const stream = await openStream(url, conversation);
    await arrives(stream.received, 'We read your message.');
    stream.close();
  });

  it('within the hours but with nobody online: says so, and takes a message for later', async () => {
    const { url, desk, t } = await startServer(OPEN, { online: false });
    const conversation = await startConversation(url);
    await say(url, conversation, 'person');
    const [closed] = botTexts(await say(url, conversation, 'person:yes'));
    expect(closed).toContain(t('en', 'handoff.closedNobody'));
    expect(closed).toContain(t('en', 'handoff.leaveMessage'));
    expect(closed).not.toContain('t.me');
    expect((await desk.openHandoffOf(`webchat/${conversation.userId}`))?.outsideHours).toBe(true);
  });

  it('ends a claimed conversation silent for HANDOFF_IDLE_MINUTES: the person is told and gets the bot back', async () => {
    let clock = Date.now();
    const { url, desk, t } = await startServer(OPEN, { now: () => new Date(clock) });
    const conversation = await startConversation(url);
    const stream = await openStream(url, conversation);
    await say(url, conversation, 'person');
    await say(url, conversation, 'person:yes');
    const handoff = await desk.openHandoffOf(`webchat/${conversation.userId}`);
    await desk.claim(handoff!.id, COUNSELLOR);
    await desk.reply(handoff!.id, COUNSELLOR, 'Are you there?');
    clock += 31 * 60_000;
    // What main.ts runs every minute.
    expect((await desk.endIdle()).map((ended) => ended.handoff.id)).toEqual([handoff!.id]);
    await arrives(stream.received, t('en', 'handoff.endedIdle'));
    await arrives(stream.received, t('en', 'handoff.helpfulPrompt'));
    expect(botTexts(await say(url, conversation, 'How much does the return cost?')).join('\n')).toContain(t('en', 'bot.feedbackPrompt'));
    stream.close();
  });

  it('"No, thanks" leaves the bot answering', async () => {
    const { url, desk, t } = await startServer(OPEN);
    const conversation = await startConversation(url);
    await say(url, conversation, 'person');
    expect(botTexts(await say(url, conversation, 'person:no'))).toEqual([t('en', 'handoff.cancelled')]);
    expect(await desk.openHandoffOf(`webchat/${conversation.userId}`)).toBeUndefined();
    expect(botTexts(await say(url, conversation, 'How much does the return cost?')).join('\n')).toContain(t('en', 'bot.feedbackPrompt'));
  });

  it('/forget during a handoff deletes it and its transcript with the rest, and the bot answers again', async () => {
    const { url, desk, t } = await startServer(OPEN);
    const conversation = await startConversation(url);
    await say(url, conversation, 'person');
    await say(url, conversation, 'person:yes');
    const handoff = await desk.openHandoffOf(`webchat/${conversation.userId}`);
    await say(url, conversation, 'My case number is private');
    expect(await desk.messagesSince(handoff!.id)).toHaveLength(1);
    const forgotten = botTexts(await say(url, conversation, '/forget'));
    expect(forgotten).toEqual([`${t('en', 'bot.forgotten')}\n\n${t('en', 'handoff.forgotten')}`]);
    expect(await desk.openHandoffOf(`webchat/${conversation.userId}`)).toBeUndefined();
    expect(await desk.get(handoff!.id)).toBeUndefined();
    expect(await desk.messagesSince(handoff!.id)).toEqual([]);
    expect(botTexts(await say(url, conversation, 'How much does the return cost?')).join('\n')).toContain(t('en', 'bot.feedbackPrompt'));
  });
});
