import type { Config } from '../config.js';
import { loadLocales } from '../i18n/locales.js';
import { resolveContacts } from '../knowledge/contacts.js';
import { loadKnowledgeBase } from '../knowledge/load.js';
import { AnswerEngine } from './engine.js';
import { KeywordIndex } from './keyword-index.js';
import { ModelManager } from './model-manager.js';
import { AnswerRenderer } from './render.js';

type EngineConfig = Pick<Config, 'knowledgeDir' | 'localesDir' | 'answerThreshold' | 'contactOverrides' | 'retentionDays'>;

/** Loads the knowledge base and locales (both validated) and builds the keyword-mode engine. */
export async function loadAnswerEngine(config: EngineConfig): Promise<AnswerEngine> {
  const [knowledge, locales] = await Promise.all([
    loadKnowledgeBase(config.knowledgeDir),
    loadLocales(config.localesDir),
  ]);
  const keyword = KeywordIndex.build(knowledge.entries.values());
  const renderer = new AnswerRenderer(locales, resolveContacts(knowledge.contacts, config));
  return new AnswerEngine({ knowledge, keyword, locales, renderer, options: { answerThreshold: config.answerThreshold } });
}

/**
 * For command-line tools: switches the engine to hybrid when the model is already on disk
 * (never downloads), so `ask` and `eval` measure what the server would do.
 */
export async function useLocalModelIfPresent(engine: AnswerEngine, config: Pick<Config, 'embeddings' | 'modelsDir' | 'dataDir'>): Promise<ModelManager> {
  const quiet = { info: () => {}, warn: (obj: unknown, msg?: string) => console.error(msg ?? obj, msg ? obj : '') };
  const models = new ModelManager({ ...config, embeddings: { ...config.embeddings, download: false } }, quiet);
  await models.start(engine);
  return models;
}
