import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { InlineKeyboardMarkup, Update } from 'grammy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toTelegramHtml } from '../../src/channels/telegram/html.js';
import telegramWebhook from '../../src/channels/telegram/plugin.js';
import { createTelegram, TELEGRAM_COMMANDS, type TelegramChannel } from '../../src/channels/telegram/setup.js';
import { KeyedIds } from '../../src/channels/common/keyed-ids.js';
import { createWebChat } from '../../src/channels/webchat/setup.js';
import { openStore } from '../../src/storage/open-store.js';
import type { Config } from '../../src/config.js';
import { LANGUAGES } from '../../src/languages.js';
import type { LiveKnowledge } from '../../src/knowledge/live-knowledge.js';
import type { AnswerEngine } from '../../src/retrieval/engine.js';
import { buildApp } from '../../src/server/app.js';
import { shipped, testConfig } from '../support/engine.js';
import { callbackUpdate, FakeTelegram, parseTelegramHtml, textUpdate, type ApiCall } from '../support/fake-telegram.js';

const SECRET = 'webhook-secret-for-tests_0123456789';
const ID_SECRET = 'id-secret-for-tests-0123456789abcdef';

let fake: FakeTelegram;
let dataDir: string;
let config: Config;
let engine: AnswerEngine;
let knowledge: LiveKnowledge;
let webChat: Awaited<ReturnType<typeof createWebChat>>;
let app: FastifyInstance;
let telegram: TelegramChannel;
let webhookUrl: string;

beforeAll(async () => {
  fake = await new FakeTelegram().start();
  dataDir = await mkdtemp(path.join(tmpdir(), 'rahnama-telegram-'));
  config = testConfig({
    DATA_DIR: dataDir,
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.url,
    PUBLIC_URL: 'https://bot.example.org/',
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    TELEGRAM_ID_SECRET: ID_SECRET,
  });
  const served = await shipped();
  ({ engine, knowledge } = served);
  // As main.ts does: one bot core and one state file for the web chat and Telegram.
  webChat = await createWebChat(config, served, await openStore(config));
  app = await buildApp({ config, ...served, webChat, logger: false });
  telegram = await createTelegram(config, { core: webChat.bot, locales: engine.locales, log: app.log, store: webChat.store });
  if (!telegram.webhook) throw new Error('PUBLIC_URL is set: expected webhook mode');
  await app.register(telegramWebhook, telegram.webhook);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  webhookUrl = `${address}${telegram.webhook.path}`;
  await telegram.start();
});

afterAll(async () => {
  await app?.close();
  await telegram?.stop();
  await fake?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const t = (lang: Parameters<AnswerEngine['locales']['t']>[0], key: string) => engine.locales.t(lang, key);

function post(update: Update | Record<string, unknown>, secret: string | null = SECRET): Promise<Response> {
  return fetch(webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret === null ? {} : { 'x-telegram-bot-api-secret-token': secret }) },
    body: JSON.stringify(update),
  });
}

/** Posts an update and resolves with the first `count` messages the bot sent to its chat. */
async function exchange(update: Update, count: number): Promise<ApiCall[]> {
  const since = fake.calls.length;
  const chatId = update.message?.chat.id ?? update.callback_query?.message?.chat.id;
  expect((await post(update)).status).toBe(200);
  return (await fake.messages(count, { since, chatId })).slice(0, count);
}

/** Turns save their state after their replies: waits until `keys` read as `expected`. */
const stateOf = (keys: string[]) => expect.poll(() => webChat.storage.read(keys), { timeout: 5000 });

const keyboardOf = (call: ApiCall | undefined) => (call?.params.reply_markup as InlineKeyboardMarkup | undefined)?.inline_keyboard ?? [];
const callbackData = (call: ApiCall | undefined) => keyboardOf(call).flat().map((b) => ('callback_data' in b ? b.callback_data : ''));
const sentId = (call: ApiCall | undefined) => ((call!.response as { result: { message_id: number } }).result.message_id);

describe('Telegram webhook mode', () => {
  it('registers the webhook with its secret token and the commands in every language', async () => {
    const [webhook] = fake.callsOf('setWebhook');
    expect(webhook?.params).toMatchObject({
      url: `https://bot.example.org${telegram.webhook?.path}`,
      secret_token: SECRET,
      allowed_updates: ['message', 'callback_query'],
      drop_pending_updates: false,
    });
    expect(telegram.webhook?.path).toMatch(/^\/telegram\/[0-9a-f]{32}$/);
    const commands = fake.callsOf('setMyCommands');
    expect(commands.map((c) => c.params.language_code ?? 'default').sort()).toEqual(['default', ...LANGUAGES].sort());
    const arabic = commands.find((c) => c.params.language_code === 'ar');
    expect(arabic?.params.commands).toEqual(TELEGRAM_COMMANDS.map((command) => ({ command, description: t('ar', `telegram.commands.${command}`) })));
  });

  it('answers /start from a user whose Telegram language is Arabic with the Arabic welcome and the language buttons', async () => {
    const user = { id: 510001, language_code: 'ar' };
    const since = fake.calls.length;
    const [welcome, choice] = await exchange(textUpdate(user, '/start'), 2);
    expect(welcome?.params).toMatchObject({ chat_id: user.id, parse_mode: 'HTML', text: toTelegramHtml(`${t('ar', 'bot.welcome')}\n\n${t('ar', 'bot.capabilities')}`) });
    expect(choice?.params.text).toContain(t('ar', 'bot.chooseLanguage'));
    expect(callbackData(choice)).toEqual(['chk:start:eligibility', 'entry:bot-privacy', ...LANGUAGES.map((l) => `lang:${l}`)]);
    // The language names are short: several to a row.
    expect(keyboardOf(choice).length).toBeLessThan(12);
    await fake.waitFor('sendChatAction', (p) => p.chat_id === user.id && p.action === 'typing', { since });
  });

  it('answers a question with the right answer, then the feedback buttons', async () => {
    const user = { id: 510002, language_code: 'en' };
    const question = 'Does voluntary return cost me anything?';
    const expected = await engine.ask({ text: question });
    expect(expected.entryId).toBe('avrr-cost');
    const [answer, feedback] = await exchange(textUpdate(user, question), 2);
    expect(answer?.params.text).toBe(toTelegramHtml(expected.answer));
    expect(answer?.params.reply_markup).toBeUndefined();
    expect(callbackData(feedback).slice(0, 2)).toEqual(['fb:up:avrr-cost', 'fb:down:avrr-cost']);
  });

  it('acknowledges an update only once it is handled, and answers an update Telegram sends again only once', async () => {
    const user = { id: 510012, language_code: 'en' };
    const update = textUpdate(user, 'Does voluntary return cost me anything?');
    const since = fake.calls.length;
    // The 200 comes after the replies were sent: an instance dying mid-turn never acknowledged it.
    expect((await post(update)).status).toBe(200);
    const sent = () => fake.calls.slice(since).filter((c) => c.method === 'sendMessage' && c.params.chat_id === user.id);
    expect(sent()).toHaveLength(2);
    // Telegram resends after a lost acknowledgement: the copy is acknowledged and not answered again.
    expect((await post(update)).status).toBe(200);
    expect(sent()).toHaveLength(2);
  });

  it('answers a button press: the callback first, then the chosen answer, and the pressed button is gone', async () => {
    const user = { id: 510003, language_code: 'en' };
    const [, feedback] = await exchange(textUpdate(user, 'Does voluntary return cost me anything?'), 2);
    const related = callbackData(feedback).find((data) => data.startsWith('entry:'));
    expect(related).toBeDefined();
    const entryId = related?.slice('entry:'.length) ?? '';
    const press = callbackUpdate(user, related ?? '', { message_id: sentId(feedback), reply_markup: feedback?.params.reply_markup });
    const since = fake.calls.length;
    const [answer] = await exchange(press, 1);
    const entry = knowledge.entries.get(entryId);
    const expected = await engine.ask({ text: entry?.languages.en.question ?? '', lang: 'en' });
    expect(answer?.params.text).toBe(toTelegramHtml(expected.answer));
    const calls = fake.calls.slice(since);
    const answered = calls.findIndex((c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === press.callback_query?.id);
    expect(answered).toBeGreaterThanOrEqual(0);
    expect(answered).toBeLessThan(calls.findIndex((c) => c.method === 'sendMessage'));
    const edit = calls.find((c) => c.method === 'editMessageReplyMarkup');
    expect(edit?.params).toMatchObject({ chat_id: user.id, message_id: sentId(feedback) });
    const left = (edit!.params.reply_markup as InlineKeyboardMarkup).inline_keyboard.flat().map((b) => ('callback_data' in b ? b.callback_data : ''));
    expect(left).toEqual(callbackData(feedback).filter((data) => data !== related));
  });

  it('escapes HTML-special characters: a question with < > & and quotes gets an answer Telegram accepts', async () => {
    const user = { id: 510004, language_code: 'en' };
    const since = fake.calls.length;
    const replies = await exchange(textUpdate(user, 'Is return <b>free</b> for me & my family? 1 < 2 "really"'), 1);
    expect(replies[0]?.response?.ok).toBe(true);
    for (const call of fake.calls.slice(since).filter((c) => c.method === 'sendMessage' && c.params.chat_id === user.id)) {
      expect(parseTelegramHtml(String(call.params.text))).not.toHaveProperty('error');
    }
  });

  it('refuses an update without the right secret token with 401, before it reaches the bot', async () => {
    const since = fake.calls.length;
    const update = textUpdate({ id: 510005 }, '/start');
    const wrong = await post(update, 'not-the-secret-0123456789');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: 'RAHNAMA_TELEGRAM_SECRET_INVALID' });
    const missing = await post(update, null);
    expect(missing.status).toBe(401);
    // Not even a malformed body is looked at without the secret.
    const garbage = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    expect(garbage.status).toBe(401);
    // The same update with the secret is answered, once (an update handled before would be
    // acknowledged and not answered again): the refused ones never reached the bot.
    expect(await exchange(update, 2)).toHaveLength(2);
    expect(fake.calls.slice(since).filter((c) => c.method === 'sendMessage')).toHaveLength(2);
  });

  it('rejects a body that is not an update with 400, even with the secret', async () => {
    const response = await post({ hello: 'world' });
    expect(response.status).toBe(400);
  });

  it('retries a message the Bot API refused with 429 after retry_after seconds', async () => {
    const user = { id: 510006, language_code: 'en' };
    const since = fake.calls.length;
    fake.failNextWith429('sendMessage', 1);
    await exchange(textUpdate(user, 'Does voluntary return cost me anything?'), 1);
    const sends = fake.calls.slice(since).filter((c) => c.method === 'sendMessage' && c.params.chat_id === user.id);
    expect(sends[0]?.response).toMatchObject({ ok: false, description: expect.stringMatching(/Too Many Requests/) });
    expect(sends[1]?.response?.ok).toBe(true);
    expect(sends[1]?.params.text).toBe(sends[0]?.params.text);
    expect((sends[1]?.at ?? 0) - (sends[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('keeps going after a Bot API 403 (the user blocked the bot) or a dropped connection on one update', async () => {
    const blocked = { id: 510008, language_code: 'en' };
    fake.failNextWith('sendMessage', 403, 'Forbidden: bot was blocked by the user');
    let since = fake.calls.length;
    expect((await post(textUpdate(blocked, '/help'))).status).toBe(200);
    await fake.waitFor('sendMessage', (p) => p.chat_id === blocked.id, { since });
    fake.dropNext('sendMessage');
    since = fake.calls.length;
    expect((await post(textUpdate(blocked, '/help'))).status).toBe(200);
    await fake.waitFor('sendMessage', (p) => p.chat_id === blocked.id, { since });
    const [reply] = await exchange(textUpdate({ id: 510009, language_code: 'en' }, '/help'), 1);
    expect(reply?.params.text).toContain(t('en', 'bot.help').slice(0, 20));
  });

  it('answers a voice message or a sticker in a private chat with what it can do', async () => {
    const user = { id: 510010, language_code: 'bg' };
    const sticker = textUpdate(user, 'x');
    const { text: _text, ...message } = sticker.message as unknown as Record<string, unknown>;
    const [reply] = await exchange({ ...sticker, message: { ...message, sticker: { file_id: 'f', file_unique_id: 'u', type: 'regular', width: 512, height: 512, is_animated: false, is_video: false } } } as Update, 1);
    expect(reply?.params.text).toContain(t('bg', 'bot.help').slice(0, 20));
  });

  it('/forget really removes the user\'s stored state, then confirms in their language', async () => {
    const user = { id: 912345678, language_code: 'en' };
    const ids = new KeyedIds('tg', ID_SECRET);
    // botbuilder keys: channel/users|conversations/id/namespace (empty).
    const keys = [`telegram/users/${ids.key(user.id)}/`, `telegram/conversations/${ids.key(user.id)}/`];
    await exchange(textUpdate(user, 'lang:fa'), 1);
    await exchange(textUpdate(user, 'Does voluntary return cost me anything?'), 2);
    await stateOf(keys).toMatchObject({
      [keys[0] as string]: { profile: { lang: 'fa' } },
      [keys[1] as string]: { conversation: { lastEntries: ['avrr-cost'] } },
    });
    // Only the keyed hash is stored: never the id in clear.
    const file = await readFile(path.join(dataDir, 'store', 'bot-state.json'), 'utf8');
    expect(file).toContain(ids.key(user.id));
    expect(file).not.toContain(String(user.id));

    const [confirmation] = await exchange(textUpdate(user, '/forget'), 1);
    expect(confirmation?.params.text).toBe(toTelegramHtml(t('fa', 'bot.forgotten')));
    await stateOf(keys).toEqual({});
    expect(await readFile(path.join(dataDir, 'store', 'bot-state.json'), 'utf8')).not.toContain(ids.key(user.id));
  });

  it('stays out of groups by default', async () => {
    const since = fake.calls.length;
    expect((await post(textUpdate({ id: 510007 }, '/start@RahnamaTestBot', { id: -100123, type: 'supergroup' }))).status).toBe(200);
    // The 200 comes once the update is handled: whatever the bot was to send, it has sent.
    expect(fake.calls.slice(since).filter((c) => c.params.chat_id === -100123)).toEqual([]);
  });

  it('runs the eligibility check from /check to an outcome in Arabic, answers pressed as buttons, each question\'s buttons gone once answered', async () => {
    const user = { id: 510099, language_code: 'ar' };
    const flow = knowledge.flows.get('eligibility')!;
    const [intro, first] = await exchange(textUpdate(user, '/check'), 2);
    expect(intro?.params.text).toBe(toTelegramHtml(flow.intro.ar));
    expect(first?.params.text).toBe(toTelegramHtml(flow.steps.country!.ask.ar));
    let question = first;
    for (const [step, option] of [['country', 'origin'], ['situation', 'asylum-pending'], ['family', 'with-family'], ['needs', 'pregnancy']] as const) {
      expect(callbackData(question)).toContain(`chk:a:${option}`);
      expect(question?.params.text).toBe(toTelegramHtml(flow.steps[step]!.ask.ar));
      const since = fake.calls.length;
      [question] = await exchange(callbackUpdate(user, `chk:a:${option}`, { message_id: sentId(question), reply_markup: question?.params.reply_markup }), 1);
      // The answered question's buttons go, so an old answer cannot be pressed again.
      await fake.waitFor('editMessageReplyMarkup', (p) => p.chat_id === user.id, { since });
    }
    expect(question?.params.text).toContain(toTelegramHtml(flow.closing.ar));
    expect(callbackData(question)).toEqual(expect.arrayContaining(['entry:avrr-pending-asylum', 'person', 'chk:start:eligibility']));
  });
});
