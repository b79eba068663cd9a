import { botFrameworkChannel } from './bot-framework/channel.js';
import type { ChannelDefinition } from './common/channel.js';
import { telegramChannel } from './telegram/channel.js';
import { webChatChannel } from './webchat/channel.js';

/**
 * Every channel the server can serve, in the order their routes are registered; each is on when
 * the configuration turns it on. A new channel is a folder with a `channel.ts` and one line here
 * (docs/adding-a-channel.md).
 */
export const CHANNELS: readonly ChannelDefinition[] = [
  webChatChannel,
  telegramChannel,
  botFrameworkChannel,
];
