import { createAdminConsole } from './admin/setup.js';
import { botCore } from './channels/common/channel.js';
import { ChannelSet } from './channels/common/channel-set.js';
import { CHANNELS } from './channels/registry.js';
import { createWebChatParts } from './channels/webchat/parts.js';
import { ensureWidget } from './channels/webchat/widget-build.js';
import { inspect } from 'node:util';
import { loadConfig, secretValues } from './config.js';
import { RahnamaError } from './errors.js';
import { HandoffDesk } from './handoff/handoff-desk.js';
import { KnowledgeSync } from './knowledge/knowledge-sync.js';
import { openPublishedKnowledge } from './knowledge/published-knowledge.js';
import { loadAnswerEngine } from './retrieval/load-engine.js';
import { ModelManager } from './retrieval/model-manager.js';
import { buildApp } from './server/app.js';
import { secretRedactor } from './redact.js';
import { embeddedStoreDir, openStore, sharedRateLimitStore } from './storage/open-store.js';
import { claimStoreFolder, StoreInUseError } from './storage/owner-lock.js';

/** How long a shutdown may take before the process exits anyway (orchestrators wait about 10 s before SIGKILL). */
const SHUTDOWN_GRACE_MS = 8000;

/** Starts the server: validated config and knowledge, then HTTP at once; the bot stack and the model follow. */
async function main(): Promise<void> {
  const config = loadConfig();
  // The embedded store is this process's alone: a second writer's changes would be lost (owner-lock.ts).
  const ownership = config.databaseUrl ? undefined : await claimStoreFolder(embeddedStoreDir(config.dataDir), 'the server');
  const store = await openStore(config, (level, message) => console[level === 'warn' ? 'warn' : 'log'](`rahnama: ${message}`));
  const published = await openPublishedKnowledge(config, store);
  // The knowledge in service (publishing changes it) and the engine, which follows it.
  const served = await loadAnswerEngine(config, published.sources);
  const { engine, knowledge } = served;
  // Live handoff ("talk to a person"): one desk for the bot, the channels and the console.
  const desk = HandoffDesk.fromConfig(store, config.handoff);
  // The bot's state and the web chat's conversations now; the bot itself (botbuilder, about 0.5 s
  // to import) once the server listens, or before when a channel needs it to be made (Telegram).
  const webChat = await createWebChatParts(config, store);
  const bot = botCore(webChat, async () => (await import('./channels/webchat/setup.js')).createBotStack(webChat, served, desk));
  // A source checkout rebuilds a changed widget here; an image has it built already.
  const widgetBuilt = await ensureWidget(config.widgetDir);
  // Several instances: each puts the others' published edits into service (see KnowledgeSync).
  let sync: KnowledgeSync | undefined;
  const announce = async (files: readonly string[]) => sync?.announce(files);
  const admin = await createAdminConsole(config, served, webChat.insights, store, { files: published.files, announce }, { handoff: desk });
  // Every channel the configuration turns on (channels/registry.ts), on the shared bot core and state.
  const channels = new ChannelSet(CHANNELS, { config, bot, engine, knowledge, store });
  const app = await buildApp({ config, engine, knowledge, channels, admin, store, rateLimitStore: await sharedRateLimitStore(store), widgetDir: widgetBuilt ? config.widgetDir : undefined, modelStatus: () => models.status() });
  if (published.seeded) app.log.info({ entries: knowledge.entries.size }, 'knowledge: the database was empty; published the knowledge folder into it');
  if (store.kind === 'postgres') {
    sync = new KnowledgeSync(store, published.files, knowledge, app.log, published.sources);
    await sync.start();
  }
  if (!widgetBuilt) app.log.error({ widgetDir: config.widgetDir }, 'no web chat widget: run npm run build:widget (the Direct Line routes still work)');
  const models = new ModelManager(config, app.log);
  await app.listen({ port: config.port, host: config.host });
  app.log.info({ entries: knowledge.entries.size, mode: engine.mode, store: store.kind, channels: channels.names, startupMs: Math.round(process.uptime() * 1000) }, 'ready');
  // Ready: a turn that comes before the bot stack is in waits for it (channels/webchat/channel.ts).
  const loadingSince = performance.now();
  bot.load().then(
    () => app.log.info({ loadMs: Math.round(performance.now() - loadingSince) }, 'bot loaded'),
    (error: unknown) => {
      // No turn could be answered: better no server than one that says it is ready.
      app.log.fatal({ err: error }, 'the bot could not be loaded');
      process.exit(1);
    },
  );
  void models.start(engine, knowledge);
  // Telegram out of reach must not keep the web chat from serving: a channel's failure is only logged.
  channels.start();

  // Retention, as the privacy answer promises: stored questions and feedback older than
  // RETENTION_DAYS, and the state of conversations and users idle that long, are deleted at
  // start-up and every six hours (on every instance: deleting twice is harmless).
  const expire = (what: string, run: () => Promise<number>) =>
    run().then(
      (removed) => removed > 0 && app.log.info({ removed }, `deleted ${what}`),
      (error: unknown) => app.log.warn({ err: (error as Error).message }, `retention clean-up of ${what} failed`),
    );
  const deleteExpired = () =>
    Promise.all([
      expire('expired questions and feedback', () => webChat.insights.deleteOlderThan(config.retentionDays)),
      expire('state of idle conversations and users', () => webChat.storage.deleteOlderThan(config.retentionDays)),
      expire('handled marks of expired inbox questions', () => admin.inbox.deleteOlderThan(config.retentionDays)),
      expire('records of handled channel updates', () => channels.deleteExpired()),
      expire('live-conversation transcripts and ended handoffs', async () => {
        const { messages, handoffs } = await desk.deleteExpired();
        return messages + handoffs;
      }),
    ]);
  void deleteExpired();
  setInterval(deleteExpired, 6 * 60 * 60 * 1000).unref();
  // Live handoff: claimed conversations silent for HANDOFF_IDLE_MINUTES end (the people are told
  // by this instance, which closed them), and replies a lost notice left undelivered go out.
  const handoffTick = () => {
    desk.endIdle().then(
      (ended) => ended.length > 0 && app.log.info({ ended: ended.length }, 'ended idle live conversations'),
      (error: unknown) => app.log.warn({ err: (error as Error).message }, 'ending idle live conversations failed'),
    );
    void bot.load().then((stack) => stack.delivery?.catchUp());
  };
  setInterval(handoffTick, 60 * 1000).unref();

  const shutdown = (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    // Clients that keep sending on open connections could hold the close open: whatever is not
    // done by then is cut (nothing unacknowledged is lost; Telegram resends what it did not get).
    setTimeout(() => {
      app.log.warn({ signal, afterMs: SHUTDOWN_GRACE_MS }, 'shutdown took too long; exiting now');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    // Webhooks stop taking updates first; then the channels' turns in hand finish. The engine
    // cache's writes in the background finish too: a server stopped soon after it was ready
    // (a deploy rolled back, a bench) otherwise leaves the next start to train the model again.
    Promise.all([app.close(), models.close(), served.cache.settled()])
      .then(() => channels.stop())
      .then(() => sync?.stop())
      .then(() => webChat.insights.close())
      .then(() => store.close())
      .then(() => ownership?.release())
      .then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  // Start-up problems (bad variable, invalid knowledge file, store in use) are for an operator to
  // read; whatever they quote, no secret is printed.
  const redact = secretRedactor(secretValues());
  if (error instanceof StoreInUseError) console.error(`rahnama: ${error.message}. One server per DATA_DIR; several instances share a database (DATABASE_URL).`);
  else if (error instanceof RahnamaError) console.error(redact(`rahnama: ${error.message}`));
  else if (isListenRefused(error)) {
    const why = error.code === 'EADDRINUSE' ? 'another process is listening there' : 'this user may not listen there';
    console.error(`rahnama: cannot listen on ${error.address}:${error.port}: ${why}. Stop it, or set PORT (and HOST) to another address.`);
  } else console.error(redact(inspect(error)));
  process.exit(1);
});

/** The error `listen` fails with when the port is taken or not allowed (below 1024 without the right). */
function isListenRefused(error: unknown): error is NodeJS.ErrnoException & { address: string; port: number } {
  const { code, syscall } = (error ?? {}) as NodeJS.ErrnoException;
  return syscall === 'listen' && (code === 'EADDRINUSE' || code === 'EACCES');
}
