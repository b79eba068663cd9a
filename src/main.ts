import { createWebChat } from './channels/webchat/setup.js';
import { loadConfig } from './config.js';
import { RahnamaError } from './errors.js';
import { loadAnswerEngine } from './retrieval/load-engine.js';
import { ModelManager } from './retrieval/model-manager.js';
import { buildApp } from './server/app.js';

/** Starts the server: validated config and knowledge, then HTTP at once; the model follows. */
async function main(): Promise<void> {
  const config = loadConfig();
  const engine = await loadAnswerEngine(config);
  const webChat = await createWebChat(config, engine);
  const app = await buildApp({ config, engine, webChat, modelStatus: () => models.status() });
  const models = new ModelManager(config, app.log);
  await app.listen({ port: config.port, host: config.host });
  app.log.info({ entries: engine.entries.size, mode: engine.mode }, 'ready');
  void models.start(engine);

  // Retention, as the privacy answer promises: stored questions and feedback older than
  // RETENTION_DAYS are deleted at start-up and every six hours.
  const deleteExpired = () =>
    webChat.insights.deleteOlderThan(config.retentionDays).then(
      (removed) => removed > 0 && app.log.info({ removed }, 'deleted expired questions and feedback'),
      (error: unknown) => app.log.warn({ err: error }, 'retention clean-up failed'),
    );
  void deleteExpired();
  setInterval(deleteExpired, 6 * 60 * 60 * 1000).unref();

  const shutdown = (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    Promise.all([app.close(), models.close()]).then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  // Start-up problems (bad variable, invalid knowledge file) are for an operator to read.
  if (error instanceof RahnamaError) console.error(`rahnama: ${error.message}`);
  else console.error(error);
  process.exit(1);
});
