import path from 'node:path';
import { ConversationState, ShowTypingMiddleware, UserState } from 'botbuilder';
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
  // Idle for two token lifetimes, no client can still resume a conversation: forget it.
  const conversations = new ConversationStore(2 * config.directLine.tokenTtlSeconds * 1000);
  const tokens = new ConversationTokens(await loadDirectLineSecret(config), config.directLine.tokenTtlSeconds);
  // A slow turn (a model still loading, a busy machine) shows "typing…" instead of silence.
  const adapter = new WebChatAdapter(conversations).use(new ShowTypingMiddleware(500, 2000));
  return { bot, insights, storage, conversations, tokens, adapter };
}
