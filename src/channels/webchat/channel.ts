import type { Config } from '../../config.js';
import type { Locales } from '../../i18n/locales.js';
import type { ChannelDefinition } from '../common/channel.js';
import type { ChannelRoutesOptions } from '../common/channel-set.js';
import type { DirectLineOptions } from './direct-line.js';
import type { WebChatOptions } from './plugin.js';

/** The web chat plugin's options, from the shared parts (also what `buildApp`'s `webChat` shorthand registers). */
export function webChatOptions(
  config: Pick<Config, 'maxQuestionLength' | 'rateLimitMax' | 'webChatAllowedOrigins'>,
  parts: Omit<DirectLineOptions, 'maxQuestionLength' | 'rateLimitMax'>,
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
  name: 'webchat',
  // The widget is ours: it wraps any length and carries back any button value.
  limits: {},
  enabled: () => true,
  async create({ config, bot, engine, rateLimitStore, widgetDir, log }) {
    const { default: webChat } = await import('./plugin.js');
    const options = webChatOptions(config, bot, engine.locales, { rateLimitStore, widgetDir });
    return {
      plugin: async (app) => app.register(webChat, options),
      // Live handoff's delivery (made with the bot) logs with the server and stops with the channels.
      start: async () => bot.delivery?.start(log),
      stop: async () => bot.delivery?.stop(),
    };
  },
};
