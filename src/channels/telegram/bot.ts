import { autoRetry } from '@grammyjs/auto-retry';
import { sequentialize } from '@grammyjs/runner';
import type { Activity, ActivityHandler } from 'botbuilder';
import type { FastifyBaseLogger } from 'fastify';
import { Bot, type BotError, GrammyError, HttpError, type Context } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { isCheckButtonValue } from '../../bot/check-dialog.js';
import { decodeAction } from '../../bot/actions.js';
import { TELEGRAM_CHANNEL_ID, TelegramAdapter, type ReplyTarget } from './adapter.js';
import { keyboardAfterPress } from './keyboard.js';
import type { KeyedIds } from '../common/keyed-ids.js';
import { typingIndicator } from '../common/typing.js';

export type GroupPolicy = 'off' | 'mention';

/** Telegram shows "typing…" for five seconds: a slow turn (a model still loading) renews it before then. */
const TYPING = { delayMs: 4500, renewMs: 4500 };

export interface TelegramBotOptions {
  /** The bot token from @BotFather. */
  token: string;
  /** Bot API server, without a trailing slash (default: Telegram's). */
  apiRoot: string;
  /** `off`: private chats only; `mention`: in groups, messages that mention or reply to the bot. */
  groups: GroupPolicy;
  /** Turns Telegram ids into the hashed ids the core sees. */
  ids: KeyedIds;
  /** The shared bot core. */
  core: ActivityHandler;
  log: FastifyBaseLogger;
  /** The bot's own user, when known (tests); otherwise asked with getMe on first use. */
  botInfo?: UserFromGetMe;
}

export interface TelegramBot {
  readonly bot: Bot;
  /** Writes to chats outside updates (a counsellor's reply). */
  readonly adapter: TelegramAdapter;
  /** Resolves once every update being handled now is done (for a graceful stop). */
  drain(): Promise<void>;
}

/**
 * The grammY bot of the Telegram channel, as composed middleware: keep count of updates in
 * hand, keep each chat's updates in order, stay out of chats the policy excludes, then turn
 * text messages and button presses into turns of the shared core. An error boundary logs what
 * fails with the update id only: one bad update never stops the bot.
 */
export function createTelegramBot(options: TelegramBotOptions): TelegramBot {
  const bot = new Bot(options.token, { client: { apiRoot: options.apiRoot }, botInfo: options.botInfo });
  // 429s wait their `retry_after`, 5xx back off, a few times; network errors are left to the
  // error boundary (grammY's auto-retry would retry those forever).
  bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 60, rethrowHttpErrors: true }));
  // The adapter sends "typing…" as a message turn starts; the indicator renews it.
  const adapter = new TelegramAdapter(bot.api).use(typingIndicator(TYPING));

  const inHand = new Set<Promise<unknown>>();
  bot.use(async (_ctx, next) => {
    const handling = next();
    inHand.add(handling);
    try {
      await handling;
    } finally {
      inHand.delete(handling);
    }
  });
  bot.catch((error) => logFailure(options.log, error));
  const guarded = bot.errorBoundary((error) => logFailure(options.log, error));
  // The core reads and writes a conversation's and a user's state per turn: two turns of one
  // chat, or of one user (in a group and in private), must not run at once.
  guarded.use(sequentialize((ctx: Context) => [ctx.chat && `chat ${ctx.chat.id}`, ctx.from && `user ${ctx.from.id}`].filter((key): key is string => !!key)));
  const addressed = guarded.filter((ctx) => isAddressedToBot(ctx, options.groups));

  const runTurn = async (ctx: Context, text: string, messageId?: number) => {
    const { chat, from } = ctx;
    if (!chat || !from) return;
    const isGroup = chat.type !== 'private';
    const activity: Partial<Activity> = {
      type: 'message',
      id: messageId === undefined ? undefined : String(messageId),
      channelId: TELEGRAM_CHANNEL_ID,
      conversation: { id: options.ids.key(chat.id), isGroup, conversationType: chat.type, name: '' },
      // Hashed ids only, and no names: the core needs neither to answer.
      from: { id: options.ids.key(from.id), name: '', role: 'user' },
      recipient: { id: `bot_${ctx.me.id}`, name: ctx.me.username, role: 'bot' },
      // The user's Telegram language is the first guess until they choose one.
      locale: from.language_code,
      text,
      timestamp: new Date(),
    };
    const target: ReplyTarget = { chatId: chat.id, replyToMessageId: isGroup ? messageId : undefined };
    await adapter.processActivity(activity, target, (context) => options.core.run(context));
  };

  addressed.on('message:text', async (ctx) => {
    await runTurn(ctx, withoutBotMention(ctx.msg.text, ctx.me.username), ctx.msg.message_id);
  });

  // Voice, photos, stickers: the bot reads text only, so say what it can do rather than stay silent.
  addressed.chatType('private').on('message', async (ctx) => {
    await runTurn(ctx, '/help', ctx.msg.message_id);
  });

  addressed.on('callback_query:data', async (ctx) => {
    // First, so the button stops spinning whatever happens next.
    await ctx.answerCallbackQuery();
    const data = ctx.callbackQuery.data;
    // Only our own buttons' values: a crafted client may send anything as callback data.
    if (!decodeAction(data) && !isCheckButtonValue(data)) return;
    const markup = ctx.callbackQuery.message?.reply_markup;
    if (markup) {
      await ctx.editMessageReplyMarkup({ reply_markup: keyboardAfterPress(markup, data) }).catch((error: unknown) => {
        // Messages over 48 hours old cannot be edited: the press still counts.
        options.log.debug({ updateId: ctx.update.update_id, ...describe(error) }, 'telegram: could not remove pressed buttons');
      });
    }
    await runTurn(ctx, data, ctx.callbackQuery.message?.message_id);
  });

  return {
    bot,
    adapter,
    drain: async () => {
      await Promise.allSettled([...inHand]);
    },
  };
}

/**
 * Private chats always. In groups, with `mention`, only what is meant for the bot: a mention of
 * it, a command addressed to it (`/help@ThisBot`), a reply to its message, a press of its button.
 */
function isAddressedToBot(ctx: Context, groups: GroupPolicy): boolean {
  if (ctx.chat?.type === 'private') return true;
  if (groups === 'off' || !ctx.chat) return false;
  if (ctx.callbackQuery) return true;
  const message = ctx.message;
  if (!message?.text) return false;
  if (message.reply_to_message?.from?.id === ctx.me.id) return true;
  const mention = `@${ctx.me.username}`.toLowerCase();
  return (message.entities ?? []).some((entity) => {
    const text = message.text?.slice(entity.offset, entity.offset + entity.length).toLowerCase() ?? '';
    return (entity.type === 'mention' && text === mention) || (entity.type === 'bot_command' && text.endsWith(mention));
  });
}

/** The text without mentions of the bot: `/help@ThisBot` is `/help`, "@ThisBot cost?" is "cost?". */
function withoutBotMention(text: string, username: string): string {
  const escaped = username.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(`@${escaped}\\b`, 'gi'), '').replace(/\s{2,}/g, ' ').trim();
}

/**
 * What to log about an error: the update id and the cause — the Bot API's method, code and
 * description, or the network error's message — never a payload, a text or a chat id.
 */
function logFailure(log: FastifyBaseLogger, error: BotError): void {
  const updateId = error.ctx.update.update_id;
  const cause = error.error;
  if (cause instanceof GrammyError && cause.error_code === 403) {
    // The user blocked the bot or left the group: nothing to do.
    log.info({ updateId, method: cause.method, code: cause.error_code }, 'telegram: the user is out of reach');
    return;
  }
  log.error({ updateId, ...describe(cause) }, 'telegram: update failed');
}

function describe(error: unknown): Record<string, unknown> {
  if (error instanceof GrammyError) return { method: error.method, code: error.error_code, description: error.description };
  // HttpError's own message names the method only; its inner error would show the URL, token included.
  if (error instanceof HttpError) return { network: error.message };
  if (error instanceof Error) return { err: { type: error.name, message: error.message, stack: error.stack } };
  return { err: String(error) };
}
