import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toTelegramHtml } from '../../src/channels/telegram/html.js';
import { createTelegram, type TelegramChannel } from '../../src/channels/telegram/setup.js';
import { createWebChat } from '../../src/channels/webchat/setup.js';
import { openStore } from '../../src/storage/open-store.js';
import type { AnswerEngine } from '../../src/retrieval/engine.js';
import { buildApp } from '../../src/server/app.js';
import { shipped, testConfig } from '../support/engine.js';
import { FakeTelegram, FAKE_BOT, textUpdate } from '../support/fake-telegram.js';

let fake: FakeTelegram;
let dataDir: string;
let engine: AnswerEngine;
let telegram: TelegramChannel;

beforeAll(async () => {
  fake = await new FakeTelegram().start();
  dataDir = await mkdtemp(path.join(tmpdir(), 'rahnama-telegram-'));
  // No PUBLIC_URL: long polling, as in development. Groups: answer when mentioned.
  const config = testConfig({ DATA_DIR: dataDir, TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.url, TELEGRAM_GROUPS: 'mention' });
  const served = await shipped();
  engine = served.engine;
  const webChat = await createWebChat(config, served, await openStore(config));
  const app = await buildApp({ config, ...served, webChat, logger: false });
  telegram = await createTelegram(config, { core: webChat.bot, locales: engine.locales, log: app.log, store: webChat.store });
  await telegram.start();
});

afterAll(async () => {
  await telegram?.stop();
  await fake?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('Telegram long-polling mode', () => {
  it('removes any webhook, then answers updates it fetches with getUpdates', async () => {
    expect(telegram.mode).toBe('polling');
    expect(telegram.webhook).toBeUndefined();
    await fake.waitFor('getUpdates');
    const deleted = fake.calls.findIndex((c) => c.method === 'deleteWebhook');
    expect(deleted).toBeGreaterThanOrEqual(0);
    expect(deleted).toBeLessThan(fake.calls.findIndex((c) => c.method === 'getUpdates'));
    const user = { id: 520001, language_code: 'uk' };
    const since = fake.calls.length;
    fake.queueUpdate(textUpdate(user, '/start'));
    const [welcome] = await fake.messages(2, { since, chatId: user.id });
    expect(welcome?.params.text).toBe(toTelegramHtml(`${engine.locales.t('uk', 'bot.welcome')}\n\n${engine.locales.t('uk', 'bot.capabilities')}`));
  });

  it('in groups with TELEGRAM_GROUPS=mention, answers only messages that mention the bot, replying to them', async () => {
    const group = { id: -100200, type: 'supergroup' as const };
    const user = { id: 520002, language_code: 'en' };
    const since = fake.calls.length;
    fake.queueUpdate(textUpdate(user, 'Does voluntary return cost me anything?', group));
    const text = `@${FAKE_BOT.username} Does voluntary return cost me anything?`;
    const mentioned = textUpdate(user, text, group, { entities: [{ type: 'mention', offset: 0, length: FAKE_BOT.username.length + 1 }] });
    fake.queueUpdate(mentioned);
    const [answer] = await fake.messages(2, { since, chatId: group.id });
    expect(answer?.params.text).toBe(toTelegramHtml((await engine.ask({ text: 'Does voluntary return cost me anything?' })).answer));
    expect(answer?.params.reply_parameters).toMatchObject({ message_id: mentioned.message?.message_id });
    // A chat's updates are handled in turn: the reply to a later one is the signal that these two are done.
    const later = textUpdate(user, `/help@${FAKE_BOT.username}`, group);
    fake.queueUpdate(later);
    const help = await fake.waitFor('sendMessage', (p) => (p.reply_parameters as { message_id?: number } | undefined)?.message_id === later.message?.message_id, { since });
    // Two messages answer the mention (the answer and its feedback prompt); the other got none.
    expect(fake.calls.slice(since, fake.calls.indexOf(help)).filter((c) => c.method === 'sendMessage' && c.params.chat_id === group.id)).toHaveLength(2);
  });

  it('stops gracefully: the update in hand is answered before stop() resolves, then no more polling', async () => {
    const user = { id: 520003, language_code: 'en' };
    const since = fake.calls.length;
    fake.slowDown('sendMessage', 300);
    fake.queueUpdate(textUpdate(user, '/help'));
    await fake.waitFor('sendChatAction', (p) => p.chat_id === user.id, { since });
    await telegram.stop();
    fake.slowDown('sendMessage', 0);
    const reply = fake.calls.slice(since).find((c) => c.method === 'sendMessage' && c.params.chat_id === user.id);
    expect(reply?.response?.ok).toBe(true);
    const polls = fake.callsOf('getUpdates').length;
    // Stopped: the long poll in hand is hung up on, and no other follows it.
    await fake.settled('getUpdates');
    expect(fake.callsOf('getUpdates').length).toBe(polls);
  });
});
