import type { Config } from '../config.js';
import { loadLocales } from '../i18n/locales.js';
import { resolveContacts } from '../knowledge/contacts.js';
import { LiveKnowledge } from '../knowledge/live-knowledge.js';
import { KnowledgeBaseError, loadKnowledgeBase, validateKnowledge, type KnowledgeBase, type KnowledgeSource } from '../knowledge/load.js';
import { AnswerEngine } from './engine.js';
import { KeywordIndex } from './keyword-index.js';
import { ModelManager } from './model-manager.js';
import { AnswerRenderer } from './render.js';

type EngineConfig = Pick<Config, 'knowledgeDir' | 'localesDir' | 'answerThreshold' | 'contactOverrides' | 'retentionDays'>;

/** The knowledge in service and the engine that answers from it (subscribed to its changes). */
export interface LoadedEngine {
  /** What is published: readers (bot, console, health) read it, publishing changes it. */
  readonly knowledge: LiveKnowledge;
  /** What answers: follows every change of `knowledge` at once. */
  readonly engine: AnswerEngine;
}

/**
 * Loads the knowledge base and locales (both validated) and builds the live knowledge and the
 * keyword-mode engine over it. The knowledge comes from KNOWLEDGE_DIR, or from `sources` (the
 * published files in the database).
 */
export async function loadAnswerEngine(config: EngineConfig, sources?: readonly KnowledgeSource[]): Promise<LoadedEngine> {
  const [loaded, locales] = await Promise.all([
    sources ? validated(sources) : loadKnowledgeBase(config.knowledgeDir),
    loadLocales(config.localesDir),
  ]);
  const knowledge = new LiveKnowledge(loaded);
  const keyword = KeywordIndex.build(knowledge.entries.values());
  const renderer = new AnswerRenderer(locales, resolveContacts(knowledge.contacts, config));
  const engine = new AnswerEngine({ knowledge, keyword, locales, renderer, options: { answerThreshold: config.answerThreshold } });
  return { knowledge, engine };
}

function validated(sources: readonly KnowledgeSource[]): KnowledgeBase {
  const { knowledgeBase, problems } = validateKnowledge(sources);
  if (!knowledgeBase) throw new KnowledgeBaseError(problems);
  return knowledgeBase;
}

/**
 * For command-line tools: switches the engine to hybrid when the model is already on disk
 * (never downloads), so `ask` and `eval` measure what the server would do.
 */
export async function useLocalModelIfPresent({ engine, knowledge }: LoadedEngine, config: Pick<Config, 'embeddings' | 'modelsDir' | 'dataDir'>): Promise<ModelManager> {
  const quiet = { info: () => {}, warn: (obj: unknown, msg?: string) => console.error(msg ?? obj, msg ? obj : '') };
  const models = new ModelManager({ ...config, embeddings: { ...config.embeddings, download: false } }, quiet);
  await models.start(engine, knowledge);
  return models;
}
