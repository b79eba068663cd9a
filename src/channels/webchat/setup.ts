import path from 'node:path';
import { ConversationState, UserState } from 'botbuilder';
import type { Config } from '../../config.js';
import { RahnamaBot } from '../../bot/rahnama-bot.js';
import type { AnswerEngine } from '../../retrieval/engine.js';
import { InsightsStore } from '../../storage/insights-store.js';
import { JsonFileStorage } from '../../storage/json-file-storage.js';
import { WebChatAdapter } from './adapter.js';
import { ConversationStore } from './conversations.js';
import { ConversationTokens, loadDirectLineSecret } from './tokens.js';

/** The bot and the web chat's parts, on the embedded storage under DATA_DIR. */
export async function createWebChat(config: Pick<Config, 'dataDir' | 'directLine'>, engine: AnswerEngine) {
  const storage = await JsonFileStorage.open(path.join(config.dataDir, 'state.json'));
  const insights = await InsightsStore.open(path.join(config.dataDir, 'insights.json'));
  const bot = new RahnamaBot({ engine, locales: engine.locales, conversationState: new ConversationState(storage), userState: new UserState(storage), insights });
  const conversations = new ConversationStore();
  const tokens = new ConversationTokens(await loadDirectLineSecret(config), config.directLine.tokenTtlSeconds);
  return { bot, insights, conversations, tokens, adapter: new WebChatAdapter(conversations) };
}
