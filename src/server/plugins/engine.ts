import fp from 'fastify-plugin';
import type { AnswerEngine } from '../../retrieval/engine.js';
import type { ModelStatus } from '../../retrieval/model-manager.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The answer engine every channel asks. */
    engine: AnswerEngine;
    /** Where the embedding model stands (absent, downloading, ready, failed, disabled). */
    modelStatus: () => ModelStatus;
  }
}

export interface EnginePluginOptions {
  engine: AnswerEngine;
  modelStatus: () => ModelStatus;
}

/** Shares the answer engine with every route (skips encapsulation on purpose). */
export default fp<EnginePluginOptions>(
  async (app, opts) => {
    app.decorate('engine', opts.engine);
    app.decorate('modelStatus', opts.modelStatus);
  },
  { name: 'rahnama-engine' },
);
