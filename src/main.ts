import { loadConfig } from './config.js';
import { RahnamaError } from './errors.js';
import { loadAnswerEngine } from './retrieval/load-engine.js';
import { buildApp } from './server/app.js';

/** Starts the server: validated config, validated knowledge, then HTTP; the model comes later. */
async function main(): Promise<void> {
  const config = loadConfig();
  const engine = await loadAnswerEngine(config);
  const app = await buildApp({ config, engine });
  await app.listen({ port: config.port, host: config.host });
  app.log.info({ entries: engine.entries.size, mode: engine.mode }, 'ready');

  const shutdown = (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    app.close().then(() => process.exit(0), () => process.exit(1));
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
