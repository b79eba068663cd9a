import type { Config } from '../../config.js';
import { BotStateStorage } from '../../storage/bot-state-storage.js';
import { InsightsStore } from '../../storage/insights-store.js';
import type { Store } from '../../storage/store.js';
import { MemoryConversationLog, type ConversationLog } from './conversations.js';
import { StoredConversationLog } from './stored-conversations.js';
import { ConversationTokens, loadDirectLineSecret } from './tokens.js';

/**
 * The parts of the bot core and the web chat that need no botbuilder (about 0.5 s to import):
 * the bot's state, insights, the conversations and their tokens. The server is served with these
 * while the bot itself loads (setup.ts).
 */
export async function createWebChatParts(config: Pick<Config, 'dataDir' | 'directLine'>, store: Store) {
  const storage = new BotStateStorage(store);
  const insights = new InsightsStore(store);
  // Idle for two token lifetimes, no client can still resume a conversation: forget it; one
  // that never got a message, after one (its first token has expired).
  const unusedMs = config.directLine.tokenTtlSeconds * 1000;
  const idleMs = 2 * unusedMs;
  // One instance keeps conversations in memory (text never on disk); several share them in the database.
  const conversations: ConversationLog = store.kind === 'embedded' ? new MemoryConversationLog(idleMs, unusedMs) : new StoredConversationLog(store, idleMs, unusedMs);
  const tokens = new ConversationTokens(await loadDirectLineSecret(config, store), config.directLine.tokenTtlSeconds);
  return { storage, insights, conversations, tokens, store };
}

export type WebChatParts = Awaited<ReturnType<typeof createWebChatParts>>;
