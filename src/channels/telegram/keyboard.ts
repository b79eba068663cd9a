import { ActionTypes, type CardAction } from 'botbuilder';
import { InlineKeyboard } from 'grammy';
import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'grammy/types';
import { RahnamaError } from '../../errors.js';
import { CALLBACK_DATA_LIMIT } from './channel.js';

export { CALLBACK_DATA_LIMIT };

/** Titles up to this many characters (a language's name, 👍) share a row; longer ones get their own. */
const SHORT_TITLE = 14;
const SHORT_PER_ROW = 3;

/**
 * The core's suggested actions as an inline keyboard under the message: a button's callback data
 * is its postBack value, which the core reads back as message text when it is pressed.
 */
export function inlineKeyboardOf(actions: readonly CardAction[] | undefined): InlineKeyboard | undefined {
  const buttons = (actions ?? []).flatMap((action): InlineKeyboardButton[] => {
    if (action.type === ActionTypes.OpenUrl) return [InlineKeyboard.url(action.title, String(action.value))];
    const data = String(action.value ?? action.title);
    if (Buffer.byteLength(data, 'utf8') > CALLBACK_DATA_LIMIT) throw new RahnamaError('RAHNAMA_TELEGRAM_CALLBACK_TOO_LONG', [data]);
    return [InlineKeyboard.text(action.title, data)];
  });
  if (buttons.length === 0) return undefined;
  const rows: InlineKeyboardButton[][] = [];
  let shortRow: InlineKeyboardButton[] = [];
  for (const button of buttons) {
    if ([...button.text].length > SHORT_TITLE) {
      if (shortRow.length > 0) rows.push(shortRow);
      shortRow = [];
      rows.push([button]);
      continue;
    }
    shortRow.push(button);
    if (shortRow.length === SHORT_PER_ROW) {
      rows.push(shortRow);
      shortRow = [];
    }
  }
  if (shortRow.length > 0) rows.push(shortRow);
  return new InlineKeyboard(rows);
}

/**
 * The keyboard left after a press. Buttons that act once go, so they cannot be pressed twice:
 * the pressed one, and with feedback (`fb:`), a language (`lang:`) or a guided check's answer
 * (`chk:`) its alternatives too. The
 * others stay: after 👍 the related questions are still there to press.
 */
export function keyboardAfterPress(markup: InlineKeyboardMarkup, pressed: string): InlineKeyboardMarkup {
  const group = /^(fb|lang|chk):/.exec(pressed)?.[0];
  const stays = (button: InlineKeyboardButton) => {
    if (!('callback_data' in button)) return true;
    return button.callback_data !== pressed && !(group && button.callback_data.startsWith(group));
  };
  return { inline_keyboard: markup.inline_keyboard.map((row) => row.filter(stays)).filter((row) => row.length > 0) };
}
