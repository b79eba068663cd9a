import type { FastifyPluginAsync } from 'fastify';
import type { StoreHealth } from '../../storage/store.js';

export interface HealthOptions {
  /** The store's health; absent (tests of parts), readiness does not depend on one. */
  store?: { readonly kind: string; health(): Promise<StoreHealth> };
}

/** Liveness and readiness for load balancers and the Docker healthcheck. */
const health: FastifyPluginAsync<HealthOptions> = async (app, opts) => {
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));

  // Ready once the knowledge base is loaded (the engine is never built without it) and while
  // the store answers: an instance that lost its database gets 503, so the load balancer sends
  // traffic elsewhere until the database is back (the driver reconnects by itself).
  app.get('/readyz', { logLevel: 'warn' }, async (_request, reply) => {
    const store = opts.store && { kind: opts.store.kind, ...(await opts.store.health()) };
    return reply.status(store && !store.ok ? 503 : 200).send({
      status: store && !store.ok ? 'unavailable' : 'ready',
      entries: app.knowledge.entries.size,
      mode: app.engine.mode,
      model: app.modelStatus(),
      ...(store ? { store } : {}),
    });
  });
};

export default health;
