import { run, type RunnerHandle } from '@grammyjs/runner';
import type { ActivityHandler } from 'botbuilder';
import type { FastifyBaseLogger } from 'fastify';
import type { Api } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { PersonHandoff } from '../../bot/person-handoff.js';
import type { Config } from '../../config.js';
import type { Locales } from '../../i18n/locales.js';
import { LANGUAGES } from '../../languages.js';
import { loadGeneratedSecret } from '../../storage/generated-secret.js';
import type { Store } from '../../storage/store.js';
import { HandledUpdates } from '../common/handled-updates.js';
import type { HandoffDelivery } from '../common/handoff-delivery.js';
import { KeyedIds } from '../common/keyed-ids.js';
import { createTelegramBot } from './bot.js';
import { webhookPath, type TelegramWebhookOptions } from './plugin.js';

/** The commands in Telegram's menu; their descriptions are `telegram.commands.<name>` in each language. */
export const TELEGRAM_COMMANDS = ['start', 'check', 'language', 'help', 'contact', 'privacy', 'forget'] as const;

/** The only updates the bot handles: Telegram need not send the rest. */
const ALLOWED_UPDATES = ['message', 'callback_query'] as const;

export interface TelegramDeps {
  /** The shared bot core. */
  core: ActivityHandler;
  locales: Locales;
  log: FastifyBaseLogger;
  /** Where secrets left empty are generated and kept, and handled update ids are recorded. */
  store: Store;
  /** The bot's own user, when known (tests); otherwise asked with getMe. */
  botInfo?: UserFromGetMe;
  /** Live handoff: on here only with `HANDOFF_KEY` (the desk can keep chat ids); absent, "talk to a person" gives the contact details. */
  handoff?: { readonly person: PersonHandoff; readonly delivery: HandoffDelivery };
}

export interface TelegramChannel {
  readonly mode: 'webhook' | 'polling';
  /** In webhook mode, the route to register (plugin.ts) before the server listens. */
  readonly webhook?: TelegramWebhookOptions;
  readonly api: Api;
  /** Which updates were handled (for retention). */
  readonly updates: HandledUpdates;
  /** Registers the commands, then the webhook (webhook mode) or starts polling. */
  start(): Promise<void>;
  /** Stops polling and waits for the updates in hand; the webhook stays registered for the next start. */
  stop(): Promise<void>;
}

/**
 * The Telegram channel for `main.ts`: webhook mode when PUBLIC_URL is set (production), long
 * polling otherwise (development: no public address needed). Secrets left empty in the
 * configuration are generated once and kept under DATA_DIR.
 */
export async function createTelegram(config: Pick<Config, 'telegram' | 'dataDir'>, deps: TelegramDeps): Promise<TelegramChannel> {
  const { telegram } = config;
  const idSecret = telegram.idSecret || (await loadGeneratedSecret(deps.store, config.dataDir, 'telegram-id-secret'));
  const { bot, adapter, drain } = createTelegramBot({
    token: telegram.botToken,
    apiRoot: telegram.apiRoot,
    groups: telegram.groups,
    ids: new KeyedIds('tg', idSecret),
    core: deps.core,
    log: deps.log,
    botInfo: deps.botInfo,
  });
  const updates = new HandledUpdates(deps.store, 'telegram');
  const handoff = deps.handoff?.person.desk.keepsChatIds ? deps.handoff : undefined;
  // Replies and ends reach the chat whose id the handoff sealed; whichever instance takes them writes.
  handoff?.delivery.recipient('telegram', {
    send: async (address, activities) => {
      if (address.chatId !== undefined) await adapter.sendTo(Number(address.chatId), activities);
    },
  });
  /** Once the bot knows itself: the web chat may offer it for a later reply. */
  const offerBot = () => {
    if (handoff) handoff.person.telegramUsername = bot.botInfo.username;
  };
  // Each update once, whichever instance Telegram's copies reach (see HandledUpdates).
  const handleUpdate = async (update: Parameters<typeof bot.handleUpdate>[0]): Promise<'handled' | 'busy'> => {
    const claim = await updates.begin(update.update_id);
    if (claim !== 'new') return claim === 'done' ? 'handled' : 'busy';
    try {
      await bot.init();
      await bot.handleUpdate(update);
    } catch (error) {
      // The error boundary catches the handlers' errors; this is getMe failing.
      deps.log.error({ updateId: update.update_id, err: (error as Error).message }, 'telegram: update not handled');
    }
    await updates.finish(update.update_id);
    return 'handled';
  };

  const registerCommands = () =>
    Promise.all([
      bot.api.setMyCommands(commandsIn(deps.locales, 'en')),
      ...LANGUAGES.map((lang) => bot.api.setMyCommands(commandsIn(deps.locales, lang), { language_code: lang })),
    ]);

  if (telegram.publicUrl) {
    const secretToken = telegram.webhookSecret || (await loadGeneratedSecret(deps.store, config.dataDir, 'telegram-webhook-secret'));
    const webhook: TelegramWebhookOptions = { path: webhookPath(telegram.botToken), secretToken, handleUpdate };
    return {
      mode: 'webhook',
      webhook,
      api: bot.api,
      updates,
      start: async () => {
        await bot.init();
        offerBot();
        await registerCommands();
        // Updates sent while the server was away are still wanted.
        await bot.api.setWebhook(`${telegram.publicUrl}${webhook.path}`, { secret_token: secretToken, allowed_updates: ALLOWED_UPDATES, drop_pending_updates: false });
      },
      stop: drain,
    };
  }

  let runner: RunnerHandle | undefined;
  return {
    mode: 'polling',
    api: bot.api,
    updates,
    start: async () => {
      await bot.init();
      offerBot();
      await registerCommands();
      // A webhook left from a production run would make getUpdates fail (409).
      await bot.api.deleteWebhook({ drop_pending_updates: false });
      runner = run(bot, { runner: { fetch: { allowed_updates: ALLOWED_UPDATES } } });
      runner.task()?.catch((error: unknown) => deps.log.error({ err: (error as Error).message }, 'telegram: polling stopped'));
    },
    stop: async () => {
      if (runner?.isRunning()) await runner.stop();
      await drain();
    },
  };
}

function commandsIn(locales: Locales, lang: (typeof LANGUAGES)[number]) {
  return TELEGRAM_COMMANDS.map((command) => ({ command, description: locales.t(lang, `telegram.commands.${command}`) }));
}
