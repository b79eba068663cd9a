import type { Config } from '../../config.js';
import { userIdOf, type PersonHandoff } from '../../bot/person-handoff.js';
import { RahnamaBot } from '../../bot/rahnama-bot.js';
import type { HandoffDesk } from '../../handoff/handoff-desk.js';
import type { LoadedEngine } from '../../retrieval/load-engine.js';
import type { Store } from '../../storage/store.js';
import { HandoffDelivery } from '../common/handoff-delivery.js';
import { typingIndicator } from '../common/typing.js';
import { WebChatAdapter } from './adapter.js';
import { createWebChatParts, type WebChatParts } from './parts.js';
import { WebChatTurns } from './turns.js';

/**
 * The bot and the web chat's parts, on the given store. With `desk`, "talk to a person" is a
 * live handoff: the bot's person step, and the delivery of counsellor replies to the people
 * (listening from now on; each channel adds itself as a recipient).
 */
export async function createWebChat(config: Pick<Config, 'dataDir' | 'directLine'>, served: LoadedEngine, store: Store, desk?: HandoffDesk) {
  return createBotStack(await createWebChatParts(config, store), served, desk);
}

/** The bot, its web chat adapter and turns, and the handoff's delivery, on parts made already (this module loads botbuilder). */
export async function createBotStack(parts: WebChatParts, { engine, knowledge }: LoadedEngine, desk?: HandoffDesk) {
  const { storage, insights, conversations } = parts;
  const handoff: PersonHandoff | undefined = desk && { desk };
  const bot = new RahnamaBot({ engine, knowledge, locales: engine.locales, state: storage, insights, ...(handoff ? { handoff } : {}) });
  // A slow turn (a model still loading, a busy machine) shows "typing…" instead of silence.
  const adapter = new WebChatAdapter(conversations).use(typingIndicator({ delayMs: 500, renewMs: 2000 }));
  const turns = new WebChatTurns({ conversations, state: storage, adapter, bot });
  let delivery: HandoffDelivery | undefined;
  if (desk) {
    delivery = new HandoffDelivery(desk, parts.store, engine.locales);
    // A reply reaches the web chat only while its conversation is kept (the tab still open, or recently).
    delivery.recipient('webchat', {
      send: async (address, activities) => {
        if (address.conversation) await turns.deliver(address.conversation, userIdOf(address.person), activities);
      },
    });
    await delivery.start();
  }
  return { ...parts, bot, adapter, turns, handoff, delivery };
}
