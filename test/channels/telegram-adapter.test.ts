import { ActionTypes, MessageFactory, type Activity, type TurnContext } from 'botbuilder';
import { Api } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../../src/channels/telegram/adapter.js';
import { FakeTelegram } from '../support/fake-telegram.js';

let fake: FakeTelegram;
let adapter: TelegramAdapter;

beforeAll(async () => {
  fake = await new FakeTelegram().start();
  adapter = new TelegramAdapter(new Api(fake.token, { apiRoot: fake.url }));
});
afterAll(async () => fake?.close());

const incoming: Partial<Activity> = {
  type: 'message',
  channelId: 'telegram',
  text: 'hi',
  conversation: { id: 'tg_conversation', isGroup: false, name: '', conversationType: 'private' },
  from: { id: 'tg_user', name: '' },
  recipient: { id: 'bot', name: 'bot' },
};

/** Runs one turn whose bot logic is `logic`, for chat `chatId`; resolves with the calls it made. */
async function turn(chatId: number, logic: (context: TurnContext) => Promise<unknown>) {
  const since = fake.calls.length;
  await adapter.processActivity(incoming, { chatId }, async (context) => {
    await logic(context);
  });
  return fake.calls.slice(since).filter((call) => call.params.chat_id === chatId);
}

describe('the Telegram adapter', () => {
  it('sends a 4,500-character answer as two messages, cut between paragraphs, the buttons under the second', async () => {
    const answer = Array.from({ length: 45 }, (_, i) => `Paragraph ${i}: ${'word '.repeat(18).trim()}`).join('\n\n');
    expect(answer.length).toBeGreaterThanOrEqual(4500);
    const calls = await turn(601, (context) =>
      context.sendActivity(MessageFactory.suggestedActions([{ type: ActionTypes.PostBack, title: '👍', value: 'fb:up:avrr-cost' }], answer)),
    );
    const sent = calls.filter((c) => c.method === 'sendMessage');
    expect(sent).toHaveLength(2);
    expect(sent.every((c) => c.response?.ok)).toBe(true);
    expect(String(sent[0]?.params.text)).toMatch(/word$/);
    expect(String(sent[1]?.params.text)).toMatch(/^Paragraph \d+:/);
    expect(`${sent[0]?.params.text}\n\n${sent[1]?.params.text}`).toBe(answer);
    expect(sent[0]?.params.reply_markup).toBeUndefined();
    expect((sent[1]!.params.reply_markup as InlineKeyboardMarkup).inline_keyboard).toEqual([[{ text: '👍', callback_data: 'fb:up:avrr-cost' }]]);
  });

  it('escapes HTML-special characters in answers, so Telegram shows them as written', async () => {
    const calls = await turn(602, (context) => context.sendActivity('Costs < 100 € & more: **<script>alert(1)</script>** [a&b](https://x.org/?a=1&b=2)'));
    const [message] = calls.filter((c) => c.method === 'sendMessage');
    expect(message?.params).toMatchObject({
      parse_mode: 'HTML',
      text: 'Costs &lt; 100 € &amp; more: <b>&lt;script&gt;alert(1)&lt;/script&gt;</b> <a href="https://x.org/?a=1&amp;b=2">a&amp;b</a>',
    });
    expect(message?.response).toMatchObject({ ok: true, result: { text: 'Costs < 100 € & more: <script>alert(1)</script> a&b' } });
  });

  it('shows "typing…" at the start of a message turn, and for the core\'s typing activities', async () => {
    const calls = await turn(603, async (context) => {
      await context.sendActivity({ type: 'typing' });
      await context.sendActivity('done');
    });
    expect(calls.filter((c) => c.method === 'sendChatAction').map((c) => c.params.action)).toEqual(['typing', 'typing']);
    expect(calls.filter((c) => c.method === 'sendMessage')).toHaveLength(1);
  });

  it('refuses a button whose value is over Telegram\'s 64-byte callback data', async () => {
    await expect(turn(604, (context) => context.sendActivity(MessageFactory.suggestedActions([{ type: ActionTypes.PostBack, title: 'x', value: `entry:${'ы'.repeat(30)}` }], 'text')))).rejects.toMatchObject({
      code: 'RAHNAMA_TELEGRAM_CALLBACK_TOO_LONG',
    });
  });
});
