import type { ChannelDefinition } from '../common/channel.js';
import type { ChannelLimits } from '../common/limits.js';
import { TELEGRAM_MESSAGE_LIMIT } from './html.js';

/** Telegram's limit on a button's callback data, in bytes (UTF-8). */
export const CALLBACK_DATA_LIMIT = 64;

/** Telegram's limits: 64-byte callback data; 4,096-character messages, which html.ts cuts longer answers into. */
export const TELEGRAM_LIMITS: ChannelLimits = { buttonValueBytes: CALLBACK_DATA_LIMIT, messageLength: TELEGRAM_MESSAGE_LIMIT, splitsLongMessages: true };

/** Telegram keeps an undelivered update for a day: the records of handled ones are kept two. */
const HANDLED_UPDATES_DAYS = 2;

/**
 * The Telegram channel, on when TELEGRAM_BOT_TOKEN is set: a webhook route when PUBLIC_URL is set,
 * long polling otherwise (setup.ts). grammY is loaded only then.
 */
export const telegramChannel: ChannelDefinition = {
  name: 'telegram',
  limits: TELEGRAM_LIMITS,
  enabled: (config) => config.telegram.botToken !== '',
  async create({ config, bot: core, engine, log, store }) {
    // Made with the bot: on, Telegram has the server wait for the bot stack before it listens.
    const [{ createTelegram }, { default: telegramWebhook }, bot] = await Promise.all([import('./setup.js'), import('./plugin.js'), core.load()]);
    const handoff = bot.handoff && bot.delivery ? { person: bot.handoff, delivery: bot.delivery } : undefined;
    const telegram = await createTelegram(config, { core: bot.bot, locales: engine.locales, log, store, ...(handoff ? { handoff } : {}) });
    const { webhook } = telegram;
    return {
      // Its route must exist before the server listens.
      plugin: webhook && (async (app) => app.register(telegramWebhook, webhook)),
      details: { mode: telegram.mode },
      start: () => telegram.start(),
      stop: () => telegram.stop(),
      deleteExpired: () => telegram.updates.deleteOlderThan(HANDLED_UPDATES_DAYS),
    };
  },
};
