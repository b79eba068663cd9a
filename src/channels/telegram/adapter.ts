import {
  BotAdapter,
  TurnContext,
  type Activity,
  type ConversationReference,
  type ResourceResponse,
} from 'botbuilder';
import type { Api } from 'grammy';
import { HANDOFF_CHAT_ID } from '../../bot/person-handoff.js';
import { toTelegramMessages } from './html.js';
import { inlineKeyboardOf } from './keyboard.js';

export const TELEGRAM_CHANNEL_ID = 'telegram';

/** Where a turn's replies go: the chat's real id, known to this turn in memory only. */
export interface ReplyTarget {
  readonly chatId: number;
  /** In groups, the message replies are attached to, so it is clear whom the bot answers. */
  readonly replyToMessageId?: number;
}

/** Key of the ReplyTarget in a turn's state (never saved: BotState saves only its own keys). */
const REPLY_TARGET = Symbol('telegram reply target');

/**
 * The botbuilder adapter of the Telegram channel: an update becomes a turn of the shared bot,
 * and what the bot sends becomes Telegram messages (Telegram HTML, cut at 4,096 characters, the
 * buttons as an inline keyboard under the last part) or a "typing…" chat action.
 *
 * The core only ever sees keyed ids (common/keyed-ids.ts); the real chat id lives in the turn's state.
 */
export class TelegramAdapter extends BotAdapter {
  constructor(private readonly api: Api) {
    super();
  }

  /**
   * Runs one turn. A message turn starts with "typing…", sent alongside the turn so the answer
   * does not wait for it.
   */
  async processActivity(activity: Partial<Activity>, target: ReplyTarget, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const context = new TurnContext(this, activity);
    context.turnState.set(REPLY_TARGET, target);
    // A private chat can be written to later by a counsellor: the bot may seal its id into a handoff.
    if (!activity.conversation?.isGroup) context.turnState.set(HANDOFF_CHAT_ID, String(target.chatId));
    const typing = activity.type === 'message' ? this.api.sendChatAction(target.chatId, 'typing').then(() => undefined, () => undefined) : undefined;
    try {
      await this.runMiddleware(context, logic);
    } finally {
      await typing;
    }
  }

  async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const target = context.turnState.get(REPLY_TARGET) as ReplyTarget | undefined;
    if (!target) throw new Error('Telegram: no chat to reply to outside an update');
    const responses: ResourceResponse[] = [];
    for (const activity of activities) {
      if (activity.type === 'typing') {
        // Best effort: a lost "typing…" is no reason to fail the turn (or ShowTypingMiddleware's timer).
        await this.api.sendChatAction(target.chatId, 'typing').catch(() => undefined);
        responses.push({ id: '' });
      } else if (activity.type === 'delay') {
        await new Promise((resolve) => setTimeout(resolve, typeof activity.value === 'number' ? activity.value : 1000));
        responses.push({ id: '' });
      } else if (activity.type === 'message') {
        responses.push({ id: await this.sendMessage(target, activity) });
      }
    }
    return responses;
  }

  /** One message activity as one or more Telegram messages; returns the last one's id. */
  private async sendMessage(target: ReplyTarget, activity: Partial<Activity>): Promise<string> {
    const parts = toTelegramMessages(activity.text ?? '');
    const keyboard = inlineKeyboardOf(activity.suggestedActions?.actions);
    // Buttons alone still need a text: Telegram sends no empty message.
    if (parts.length === 0 && keyboard) parts.push('…');
    let id = '';
    for (const [i, html] of parts.entries()) {
      const sent = await this.api.sendMessage(target.chatId, html, {
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        reply_markup: i === parts.length - 1 ? keyboard : undefined,
        reply_parameters: i === 0 && target.replyToMessageId !== undefined ? { message_id: target.replyToMessageId, allow_sending_without_reply: true } : undefined,
      });
      id = String(sent.message_id);
    }
    return id;
  }

  /** The bot's messages outside an update (a counsellor's reply, the end of a handoff) to a chat whose id the handoff kept. */
  async sendTo(chatId: number, activities: readonly Partial<Activity>[]): Promise<void> {
    const context = new TurnContext(this, { type: 'event', name: 'handoff', channelId: TELEGRAM_CHANNEL_ID, conversation: { id: '', isGroup: false, conversationType: 'private', name: '' } } as Activity);
    context.turnState.set(REPLY_TARGET, { chatId } satisfies ReplyTarget);
    await this.sendActivities(context, [...activities]);
  }

  async updateActivity(): Promise<void> {
    throw new Error('the Telegram channel does not edit sent messages');
  }

  async deleteActivity(): Promise<void> {
    throw new Error('the Telegram channel does not delete sent messages');
  }

  /** Not possible: a conversation reference holds only hashed ids, which address no chat. */
  async continueConversation(_reference: Partial<ConversationReference>): Promise<void> {
    throw new Error('the Telegram channel cannot continue a conversation: it keeps no chat ids');
  }
}
