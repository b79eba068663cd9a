import type { Config } from '../../config.js';
import { userIdOf, type PersonHandoff } from '../../bot/person-handoff.js';
import { RahnamaBot } from '../../bot/rahnama-bot.js';
import type { HandoffDesk } from '../../handoff/handoff-desk.js';
import type { LoadedEngine } from '../../retrieval/load-engine.js';
import { BotStateStorage } from '../../storage/bot-state-storage.js';
import { InsightsStore } from '../../storage/insights-store.js';
import type { Store } from '../../storage/store.js';
import { HandoffDelivery } from '../common/handoff-delivery.js';
import { typingIndicator } from '../common/typing.js';
import { WebChatAdapter } from './adapter.js';
import { MemoryConversationLog, type ConversationLog } from './conversations.js';
import { StoredConversationLog } from './stored-conversations.js';
import { ConversationTokens, loadDirectLineSecret } from './tokens.js';
import { WebChatTurns } from './turns.js';

/**
 * The bot and the web chat's parts, on the given store. With `desk`, "talk to a person" is a
 * live handoff: the bot's person step, and the delivery of counsellor replies to the people
 * (listening from now on; each channel adds itself as a recipient).
 */
export async function createWebChat(config: Pick<Config, 'dataDir' | 'directLine'>, { engine, knowledge }: LoadedEngine, store: Store, desk?: HandoffDesk) {
  const storage = new BotStateStorage(store);
  const insights = new InsightsStore(store);
  const handoff: PersonHandoff | undefined = desk && { desk };
  const bot = new RahnamaBot({ engine, knowledge, locales: engine.locales, state: storage, insights, ...(handoff ? { handoff } : {}) });
  // Idle for two token lifetimes, no client can still resume a conversation: forget it; one
  // that never got a message, after one (its first token has expired).
  const unusedMs = config.directLine.tokenTtlSeconds * 1000;
  const idleMs = 2 * unusedMs;
  // One instance keeps conversations in memory (text never on disk); several share them in the database.
  const conversations: ConversationLog = store.kind === 'embedded' ? new MemoryConversationLog(idleMs, unusedMs) : new StoredConversationLog(store, idleMs, unusedMs);
  const tokens = new ConversationTokens(await loadDirectLineSecret(config, store), config.directLine.tokenTtlSeconds);
  // A slow turn (a model still loading, a busy machine) shows "typing…" instead of silence.
  const adapter = new WebChatAdapter(conversations).use(typingIndicator({ delayMs: 500, renewMs: 2000 }));
  const turns = new WebChatTurns({ conversations, state: storage, adapter, bot });
  let delivery: HandoffDelivery | undefined;
  if (desk) {
    delivery = new HandoffDelivery(desk, store, engine.locales);
    // A reply reaches the web chat only while its conversation is kept (the tab still open, or recently).
    delivery.recipient('webchat', {
      send: async (address, activities) => {
        if (address.conversation) await turns.deliver(address.conversation, userIdOf(address.person), activities);
      },
    });
    await delivery.start();
  }
  return { bot, insights, storage, conversations, tokens, adapter, turns, store, handoff, delivery };
}
