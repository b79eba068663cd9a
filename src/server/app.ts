import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config, TrustProxy } from '../config.js';
import { secretRedactor } from '../redact.js';
import { RahnamaError } from '../errors.js';
import { isStoreUnavailable } from '../storage/store.js';
import { validatorCompiler } from './validation.js';
import type { LiveKnowledge } from '../knowledge/live-knowledge.js';
import type { AnswerEngine } from '../retrieval/engine.js';
import type { ModelStatus } from '../retrieval/model-manager.js';
import { STATUS_CODES } from 'node:http';
import adminConsole, { type AdminConsoleOptions } from '../admin/plugin.js';
import type { ChannelSet } from '../channels/common/channel-set.js';
import { webChatOptions } from '../channels/webchat/channel.js';
import type { DirectLineParts } from '../channels/webchat/direct-line.js';
import webChatPlugin from '../channels/webchat/plugin.js';
import askApi from './plugins/ask-api.js';
import enginePlugin from './plugins/engine.js';
import health, { type HealthOptions } from './plugins/health.js';

export interface AppDeps {
  config: Pick<Config, 'logLevel' | 'maxQuestionLength' | 'rateLimitMax' | 'trustProxy' | 'webChatAllowedOrigins' | 'secrets'>;
  engine: AnswerEngine;
  /** The knowledge in service (the engine's): shared with the routes, counted by /readyz. */
  knowledge: LiveKnowledge;
  modelStatus?: () => ModelStatus;
  /**
   * The channels the configuration turns on, from the registry (channels/registry.ts): each is
   * made and its routes registered here. The server (main.ts) serves its channels this way.
   */
  channels?: ChannelSet;
  /**
   * The web chat alone, without a channel list (tests): its routes as the web chat channel
   * registers them. Absent, and absent from `channels`, no chat routes are served.
   */
  webChat?: DirectLineParts;
  /** The built widget's folder; absent, the widget and the demo page are not served. */
  widgetDir?: string;
  /** The staff console at /admin; absent, it is not served. */
  admin?: AdminConsoleOptions;
  /** The store, for /readyz; absent, readiness does not depend on one. */
  store?: HealthOptions['store'];
  /** A rate-limit store shared by every instance (PostgreSQL); absent, each instance counts alone. */
  rateLimitStore?: FastifyRateLimitStoreCtor;
  /** Overrides the pino logger options (tests pass false). */
  logger?: FastifyServerOptions['logger'];
}

/**
 * TRUST_PROXY as Fastify takes it. A hop count becomes a function: Fastify refuses a bare number,
 * as it lets any client that reaches the server directly name its own address (README: only
 * when nothing but the proxies can reach it).
 */
function fastifyTrustProxy(trust: TrustProxy): false | string[] | ((address: string, hop: number) => boolean) {
  if (trust === false) return false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return [...trust];
}

/** Builds the HTTP server: shared engine and knowledge first, then one encapsulated plugin per area. */
export async function buildApp({ config, engine, knowledge, modelStatus, channels, webChat, widgetDir, admin, store, rateLimitStore, logger }: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Every log line is searched for the configured secrets (an error may quote a token or an address).
    logger: logger ?? { level: config.logLevel, hooks: { streamWrite: secretRedactor(config.secrets) } },
    trustProxy: fastifyTrustProxy(config.trustProxy),
    // Per-request logs would carry client addresses; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.setValidatorCompiler(validatorCompiler);

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof RahnamaError) {
      return reply.status(error.statusCode).send({ statusCode: error.statusCode, code: error.code, error: STATUS_CODES[error.statusCode], message: error.message });
    }
    if (isStoreUnavailable(error)) {
      // Not acknowledged, so not lost: the client (or Telegram, or the load balancer) tries again.
      request.log.warn({ err: (error as Error).message }, 'store unavailable');
      const unavailable = new RahnamaError('RAHNAMA_STORE_UNAVAILABLE');
      return reply.status(503).header('retry-after', '5').send({ statusCode: 503, code: unavailable.code, error: STATUS_CODES[503], message: unavailable.message });
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status === 429) {
      // @fastify/rate-limit's refusal: coded like every other, with the wait it set in retry-after.
      const limited = new RahnamaError('RAHNAMA_RATE_LIMITED', [String(reply.getHeader('retry-after') ?? 60)]);
      return reply.status(429).send({ statusCode: 429, code: limited.code, error: STATUS_CODES[429], message: limited.message });
    }
    if (status >= 500) {
      // The cause (a database's error code, a stack) goes to the log, never to the client.
      request.log.error({ err: error }, 'request failed');
      const internal = new RahnamaError('RAHNAMA_INTERNAL');
      return reply.status(500).send({ statusCode: 500, code: internal.code, error: STATUS_CODES[500], message: internal.message });
    }
    return reply.status(status).send(error);
  });

  await app.register(enginePlugin, { engine, knowledge, modelStatus: modelStatus ?? (() => ({ status: 'disabled' as const })) });
  await app.register(health, { store });
  await app.register(askApi, { maxQuestionLength: config.maxQuestionLength, rateLimitMax: config.rateLimitMax, rateLimitStore });
  if (webChat) await app.register(webChatPlugin, webChatOptions(config, webChat, engine.locales, { rateLimitStore, widgetDir }));
  if (admin) await app.register(adminConsole, { ...admin, rateLimitStore });
  if (channels) await app.register(channels.plugin, { rateLimitStore, widgetDir });
  return app;
}
