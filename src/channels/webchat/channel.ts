import type { Config } from '../../config.js';
import type { Locales } from '../../i18n/locales.js';
import type { ChannelDefinition } from '../common/channel.js';
import type { ChannelRoutesOptions } from '../common/channel-set.js';
import type { DirectLineParts, DirectLineTurns } from './direct-line.js';
import type { WebChatOptions } from './plugin.js';

/** The channel id of the web chat's activities. */
export const WEBCHAT_CHANNEL_ID = 'webchat';

/** The web chat plugin's options, from the shared parts (also what `buildApp`'s `webChat` shorthand registers). */
export function webChatOptions(
  config: Pick<Config, 'maxQuestionLength' | 'rateLimitMax' | 'webChatAllowedOrigins'>,
  parts: DirectLineParts,
  locales: Locales,
  { rateLimitStore, widgetDir }: ChannelRoutesOptions,
): WebChatOptions {
  return {
    ...parts,
    maxQuestionLength: config.maxQuestionLength,
    rateLimitMax: config.rateLimitMax,
    rateLimitStore,
    allowedOrigins: config.webChatAllowedOrigins,
    widget: widgetDir ? { widgetDir, locales, maxQuestionLength: config.maxQuestionLength } : undefined,
  };
}

/** The self-hosted web chat (Direct Line subset and the widget): always on. */
export const webChatChannel: ChannelDefinition = {
  name: WEBCHAT_CHANNEL_ID,
  // The widget is ours: it wraps any length and carries back any button value.
  limits: {},
  enabled: () => true,
  async create({ config, bot, engine, rateLimitStore, widgetDir, log }) {
    const { default: webChat } = await import('./plugin.js');
    // Its routes need no botbuilder: served at once, a turn that comes before the bot is in waits for it.
    const turns: DirectLineTurns = {
      start: async (update) => (await bot.load()).turns.start(update),
      post: async (activity) => (await bot.load()).turns.post(activity),
    };
    const { tokens, conversations } = bot.parts;
    const options = webChatOptions(config, { tokens, conversations, turns }, engine.locales, { rateLimitStore, widgetDir });
    return {
      plugin: async (app) => app.register(webChat, options),
      // Started once the server listens: loads the bot stack if nothing has yet. Live handoff's
      // delivery (made with the bot) logs with the server and stops with the channels.
      start: async () => (await bot.load()).delivery?.start(log),
      stop: async () => (await bot.load()).delivery?.stop(),
    };
  },
};
