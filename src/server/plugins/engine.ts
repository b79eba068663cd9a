import fp from 'fastify-plugin';
import type { LiveKnowledge } from '../../knowledge/live-knowledge.js';
import type { AnswerEngine } from '../../retrieval/engine.js';
import type { ModelStatus } from '../../retrieval/model-manager.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The answer engine every channel asks. */
    engine: AnswerEngine;
    /** The knowledge in service, which the engine answers from (read it here, not through the engine). */
    knowledge: LiveKnowledge;
    /** Where the embedding model stands (absent, downloading, ready, failed, disabled). */
    modelStatus: () => ModelStatus;
  }
}

export interface EnginePluginOptions {
  engine: AnswerEngine;
  knowledge: LiveKnowledge;
  modelStatus: () => ModelStatus;
}

/** Shares the answer engine and the knowledge in service with every route (skips encapsulation on purpose). */
export default fp<EnginePluginOptions>(
  async (app, opts) => {
    app.decorate('engine', opts.engine);
    app.decorate('knowledge', opts.knowledge);
    app.decorate('modelStatus', opts.modelStatus);
  },
  { name: 'rahnama-engine' },
);
