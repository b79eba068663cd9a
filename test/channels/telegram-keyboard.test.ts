import { ActionTypes, type CardAction } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { encodeAction } from '../../src/bot/actions.js';
import { CALLBACK_DATA_LIMIT, inlineKeyboardOf, keyboardAfterPress } from '../../src/channels/telegram/keyboard.js';
import { shippedKnowledge } from '../support/engine.js';

const postBack = (title: string, value: string): CardAction => ({ type: ActionTypes.PostBack, title, value });

describe('suggested actions as a Telegram inline keyboard', () => {
  it('puts short titles three to a row and long ones on a row of their own, the value as callback data', () => {
    const keyboard = inlineKeyboardOf([
      postBack('👍', 'fb:up:avrr-cost'),
      postBack('👎', 'fb:down:avrr-cost'),
      postBack('Can I get cash to start a business after I return?', 'entry:reintegration-cash'),
      postBack('English', 'lang:en'),
      postBack('Български', 'lang:bg'),
      postBack('العربية', 'lang:ar'),
      postBack('فارسی', 'lang:fa'),
    ]);
    expect(keyboard?.inline_keyboard.map((row) => row.map((b) => ('callback_data' in b ? b.callback_data : '')))).toEqual([
      ['fb:up:avrr-cost', 'fb:down:avrr-cost'],
      ['entry:reintegration-cash'],
      ['lang:en', 'lang:bg', 'lang:ar'],
      ['lang:fa'],
    ]);
    expect(inlineKeyboardOf([])).toBeUndefined();
  });

  it('fits every button of the shipped knowledge base into Telegram\'s 64-byte callback data', async () => {
    const knowledge = await shippedKnowledge();
    for (const entryId of knowledge.entries.keys()) {
      for (const value of [encodeAction({ kind: 'entry', entryId }), encodeAction({ kind: 'feedback', helpful: false, entryId })]) {
        expect(Buffer.byteLength(value), value).toBeLessThanOrEqual(CALLBACK_DATA_LIMIT);
      }
    }
  });

  it('after a press, removes the pressed button, and the alternatives of feedback and language buttons', () => {
    const markup = inlineKeyboardOf([
      postBack('👍', 'fb:up:avrr-cost'),
      postBack('👎', 'fb:down:avrr-cost'),
      postBack('Related question, long enough for its own row', 'entry:avrr-overview'),
      postBack('Talk to a person', 'person'),
    ]);
    if (!markup) throw new Error('no keyboard');
    const data = (m: ReturnType<typeof keyboardAfterPress>) => m.inline_keyboard.map((row) => row.map((b) => ('callback_data' in b ? b.callback_data : '')));
    expect(data(keyboardAfterPress(markup, 'fb:up:avrr-cost'))).toEqual([['entry:avrr-overview'], ['person']]);
    expect(data(keyboardAfterPress(markup, 'entry:avrr-overview'))).toEqual([['fb:up:avrr-cost', 'fb:down:avrr-cost'], ['person']]);
  });
});
