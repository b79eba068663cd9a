import type { FastifyPluginAsync } from 'fastify';

/** Liveness and readiness for load balancers and the Docker healthcheck. */
const health: FastifyPluginAsync = async (app) => {
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));

  // Ready as soon as the knowledge base is loaded: the engine is never built without it.
  app.get('/readyz', { logLevel: 'warn' }, async () => ({
    status: 'ready',
    entries: app.engine.entries.size,
    mode: app.engine.mode,
    model: app.modelStatus(),
  }));
};

export default health;
