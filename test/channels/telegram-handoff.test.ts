import type { FastifyInstance } from 'fastify';
import type { InlineKeyboardMarkup, Update } from 'grammy/types';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyedIds } from '../../src/channels/common/keyed-ids.js';
import { toTelegramHtml } from '../../src/channels/telegram/html.js';
import telegramWebhook from '../../src/channels/telegram/plugin.js';
import { createTelegram, type TelegramChannel } from '../../src/channels/telegram/setup.js';
import { createWebChat } from '../../src/channels/webchat/setup.js';
import { CounsellorPresence } from '../../src/handoff/counsellor-presence.js';
import { HandoffDesk } from '../../src/handoff/handoff-desk.js';
import type { Lang } from '../../src/languages.js';
import { buildApp } from '../../src/server/app.js';
import { openStore } from '../../src/storage/open-store.js';
import type { Store } from '../../src/storage/store.js';
import { shipped, testConfig } from '../support/engine.js';
import { callbackUpdate, FakeTelegram, textUpdate, type ApiCall } from '../support/fake-telegram.js';
import { useTempDir } from '../support/temp-dir.js';

/**
 * "Talk to a person" on Telegram, through the stand-in Bot API in webhook mode: the person asks
 * and confirms with the inline buttons, writes while the bot stays quiet (danger words still
 * bring 112), and a counsellor's replies through the desk reach the chat by its sealed id, also
 * after the person went quiet and came back; the end gives the bot back with "was this
 * helpful?". Without HANDOFF_KEY, "talk to a person" gives the contact details, as before.
 */

const SECRET = 'webhook-secret-for-tests_0123456789';
const ID_SECRET = 'id-secret-for-tests-0123456789abcdef';
const HANDOFF_KEY = Buffer.alloc(32, 3).toString('base64');
const COUNSELLOR = 'ana@iom.example';

const tempDir = useTempDir();
const open: { app?: FastifyInstance; telegram?: TelegramChannel; fake?: FakeTelegram; store?: Store } = {};
afterEach(async () => {
  await open.app?.close();
  await open.telegram?.stop();
  await open.fake?.close();
  await open.store?.close();
  Object.assign(open, { app: undefined, telegram: undefined, fake: undefined, store: undefined });
});

async function startServer(env: Record<string, string>, again?: { dataDir: string; fake: FakeTelegram }) {
  const fake = (open.fake = again?.fake ?? (await new FakeTelegram().start()));
  const dataDir = again?.dataDir ?? (await tempDir());
  const config = testConfig({
    DATA_DIR: dataDir,
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.url,
    PUBLIC_URL: 'https://bot.example.org/',
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    TELEGRAM_ID_SECRET: ID_SECRET,
    HANDOFF_HOURS: 'Mon-Sun 00:00-24:00',
    ...env,
  });
  const served = await shipped();
  const store = (open.store = await openStore(config));
  const presence = new CounsellorPresence(store);
  await presence.seen(COUNSELLOR, ['en', 'tr']);
  // As main.ts does: the desk from the configuration (chat ids only with HANDOFF_KEY).
  const desk = HandoffDesk.fromConfig(store, config.handoff);
  const webChat = await createWebChat(config, served, store, desk);
  const app = (open.app = await buildApp({ config, ...served, webChat, logger: false }));
  const telegram = (open.telegram = await createTelegram(config, { core: webChat.bot, locales: served.engine.locales, log: app.log, store, handoff: { person: webChat.handoff!, delivery: webChat.delivery! } }));
  await app.register(telegramWebhook, telegram.webhook!);
  const webhookUrl = `${await app.listen({ port: 0, host: '127.0.0.1' })}${telegram.webhook!.path}`;
  await telegram.start();
  const t = (lang: Lang, key: string, options?: Record<string, unknown>) => served.engine.locales.t(lang, key, options);

  /** Posts an update; once Telegram's request is answered, the update has been handled. */
  const post = async (update: Update) => {
    const response = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET }, body: JSON.stringify(update) });
    expect(response.status).toBe(200);
  };
  /** Posts an update and resolves with the messages the bot sent to the chat while handling it. */
  const exchange = async (update: Update, chatId: number): Promise<ApiCall[]> => {
    const since = fake.calls.length;
    await post(update);
    return fake.calls.slice(since).filter((c) => c.method === 'sendMessage' && c.params.chat_id === chatId);
  };
  /** Stops this server as a shutdown would (the fake Bot API stays). */
  const stop = async () => {
    await app.close();
    await telegram.stop();
    await store.close();
    Object.assign(open, { app: undefined, telegram: undefined, store: undefined });
  };
  return { fake, dataDir, stop, desk, webChat, t, post, exchange, engine: served.engine, person: (userId: number) => `telegram/${new KeyedIds('tg', ID_SECRET).key(userId)}` };
}

const callbackData = (call: ApiCall | undefined) => ((call?.params.reply_markup as InlineKeyboardMarkup | undefined)?.inline_keyboard ?? []).flat().map((b) => ('callback_data' in b ? b.callback_data : ''));
const sentId = (call: ApiCall | undefined) => (call!.response as { result: { message_id: number } }).result.message_id;

describe('talk to a person on Telegram', () => {
  it('confirms, queues, stays quiet but for 112, and brings the counsellor\'s replies to the chat, also after the person went quiet and came back; the end asks "was this helpful?"', async () => {
    const { fake, desk, t, exchange, person, webChat } = await startServer({ HANDOFF_KEY });
    const user = { id: 520001, language_code: 'tr' };

    const [explained] = await exchange(textUpdate(user, '/contact'), user.id);
    expect(explained?.params.text).toBe(toTelegramHtml(t('tr', 'handoff.explain', { days: 30 })));
    expect(callbackData(explained)).toEqual(['person:yes', 'person:no']);
    const [queued] = await exchange(callbackUpdate(user, 'person:yes', { message_id: sentId(explained) }), user.id);
    expect(queued?.params.text).toBe(toTelegramHtml(t('tr', 'handoff.queued', { place: 1 })));
    const handoff = await desk.openHandoffOf(person(user.id));
    expect(handoff).toMatchObject({ channel: 'telegram', language: 'tr', state: 'waiting' });
    // The store keeps the chat id sealed, never in clear.
    expect(JSON.stringify(handoff)).not.toContain(String(user.id));

    expect(await exchange(textUpdate(user, 'Merhaba, eve dönmek istiyorum'), user.id)).toEqual([]);
    const [danger] = await exchange(textUpdate(user, 'they are beating me'), user.id);
    expect(danger?.params.text).toContain('112');
    expect((await desk.messagesSince(handoff!.id)).map((m) => m.message.text)).toEqual(['Merhaba, eve dönmek istiyorum', 'they are beating me']);

    await desk.claim(handoff!.id, COUNSELLOR);
    let since = fake.calls.length;
    await desk.reply(handoff!.id, COUNSELLOR, 'Merhaba, ben Ana. Güvende misiniz?');
    const [reply] = await fake.messages(1, { since, chatId: user.id });
    expect(reply?.params.text).toBe(toTelegramHtml(`**${t('tr', 'handoff.counsellor')}:** Merhaba, ben Ana. Güvende misiniz?`));

    // The person went quiet; a later reply still reaches the chat, and when they come back their words go to the counsellor.
    since = fake.calls.length;
    await desk.reply(handoff!.id, COUNSELLOR, 'Yarın tekrar yazacağım.');
    await fake.messages(1, { since, chatId: user.id });
    expect(await exchange(textUpdate(user, 'Tamam, teşekkürler'), user.id)).toEqual([]);
    since = fake.calls.length;
    await desk.reply(handoff!.id, COUNSELLOR, 'Rica ederim.');
    const [later] = await fake.messages(1, { since, chatId: user.id });
    expect(later?.params.text).toContain('Rica ederim.');

    since = fake.calls.length;
    await desk.end(handoff!.id, 'answered', COUNSELLOR);
    const [ended, prompt] = await fake.messages(2, { since, chatId: user.id });
    expect(ended?.params.text).toBe(toTelegramHtml(t('tr', 'handoff.ended')));
    expect(prompt?.params.text).toBe(toTelegramHtml(t('tr', 'handoff.helpfulPrompt')));
    expect(callbackData(prompt)).toEqual(['pfb:up', 'pfb:down']);
    await webChat.delivery!.idle();
    // Each reply once.
    const counsellorTexts = fake.calls.filter((c) => c.method === 'sendMessage' && String(c.params.text).includes(t('tr', 'handoff.counsellor')));
    expect(counsellorTexts).toHaveLength(3);

    const [thanks] = await exchange(callbackUpdate(user, 'pfb:up', { message_id: sentId(prompt) }), user.id);
    expect(thanks?.params.text).toBe(toTelegramHtml(t('tr', 'bot.feedbackThanksUp')));
    // The bot answers again.
    const answered = await exchange(textUpdate(user, 'Does voluntary return cost me anything?'), user.id);
    expect(callbackData(answered.at(-1))).toContain('fb:up:avrr-cost');
  });

  it('brings a reply written after the server restarted to the chat: the sealed chat id is in the store, not in memory', async () => {
    const first = await startServer({ HANDOFF_KEY });
    const user = { id: 520003, language_code: 'en' };
    const [explained] = await first.exchange(textUpdate(user, 'person'), user.id);
    await first.exchange(callbackUpdate(user, 'person:yes', { message_id: sentId(explained) }), user.id);
    await first.exchange(textUpdate(user, 'Please write back when you can'), user.id);
    await first.stop();

    const second = await startServer({ HANDOFF_KEY }, { dataDir: first.dataDir, fake: first.fake });
    const handoff = await second.desk.openHandoffOf(second.person(user.id));
    await second.desk.claim(handoff!.id, COUNSELLOR);
    const since = second.fake.calls.length;
    await second.desk.reply(handoff!.id, COUNSELLOR, 'Thank you for waiting.');
    const [reply] = await second.fake.messages(1, { since, chatId: user.id });
    expect(reply?.params.text).toContain('Thank you for waiting.');
    // Still quiet after the restart: the person's words go to the counsellor.
    expect(await second.exchange(textUpdate(user, 'Thanks!'), user.id)).toEqual([]);
    expect((await second.desk.messagesSince(handoff!.id)).map((m) => m.message.text)).toEqual(['Please write back when you can', 'Thank you for waiting.', 'Thanks!']);
  });

  it('without HANDOFF_KEY, "talk to a person" gives the contact details, as before', async () => {
    const { desk, engine, exchange, person } = await startServer({});
    const user = { id: 520002, language_code: 'en' };
    const [contact] = await exchange(textUpdate(user, '/contact'), user.id);
    expect(contact?.params.text).toBe(toTelegramHtml(engine.answerEntry('contact-iom', 'en')!.answer));
    expect(callbackData(contact)).toEqual([]);
    // A confirmation pressed anyway (an old button) still asks nobody.
    const [again] = await exchange(callbackUpdate(user, 'person:yes', { message_id: sentId(contact) }), user.id);
    expect(again?.params.text).toBe(toTelegramHtml(engine.answerEntry('contact-iom', 'en')!.answer));
    expect(await desk.openHandoffOf(person(user.id))).toBeUndefined();
  });
});
