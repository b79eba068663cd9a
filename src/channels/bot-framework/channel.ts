import type { ChannelDefinition } from '../common/channel.js';

/**
 * Azure Bot Service (Teams, Microsoft's Web Chat, ...), on when MicrosoftAppId is set: no open
 * endpoint otherwise. botbuilder's CloudAdapter and its authentication are loaded only then.
 */
export const botFrameworkChannel: ChannelDefinition = {
  name: 'bot-framework',
  // Teams, the strictest client behind it, refuses a message over 100 KB of UTF-16 and advises
  // staying within 80 KB; nothing cuts a longer one.
  limits: { messageLength: 40_000, splitsLongMessages: false },
  enabled: (config) => config.botFramework.appId !== '',
  async create({ config, bot: core }) {
    // Made with the bot: on, this channel has the server wait for the bot stack before it listens.
    const [{ default: botFrameworkMessages }, { bot }] = await Promise.all([import('./messages.js'), core.load()]);
    return {
      plugin: async (app) => app.register(botFrameworkMessages, { credentials: config.botFramework, bot }),
      start: async () => {},
      stop: async () => {},
    };
  },
};
