import type { Config } from '../config.js';
import { loadLocales } from '../i18n/locales.js';
import { resolveContacts } from '../knowledge/contacts.js';
import { LiveKnowledge } from '../knowledge/live-knowledge.js';
import type { KnowledgeEntry } from '../knowledge/schema.js';
import { KnowledgeBaseError, readKnowledgeSources, validateKnowledge, type KnowledgeBase, type KnowledgeSource } from '../knowledge/load.js';
import { EngineCache, type EngineCacheLog } from './engine-cache.js';
import { AnswerEngine } from './engine.js';
import { KeywordIndex, type KeywordIndexState } from './keyword-index.js';
import { ModelManager } from './model-manager.js';
import { QuestionModel, readingOf, trainingExamples, type QuestionModelState, type TrainingSet } from './question-model.js';
import { AnswerRenderer } from './render.js';

type EngineConfig = Pick<Config, 'knowledgeDir' | 'localesDir' | 'answerThreshold' | 'contactOverrides' | 'retentionDays' | 'cacheDir' | 'logLevel'>;

/** The knowledge in service and the engine that answers from it (subscribed to its changes). */
export interface LoadedEngine {
  /** What is published: readers (bot, console, health) read it, publishing changes it. */
  readonly knowledge: LiveKnowledge;
  /** What answers: follows every change of `knowledge` at once. */
  readonly engine: AnswerEngine;
  /** Where the validated knowledge, the keyword index and the trained model are cached (CACHE_DIR). */
  readonly cache: EngineCache;
}

/**
 * Loads the knowledge base and locales (both validated) and builds the live knowledge and the
 * keyword-mode engine over it. The knowledge comes from KNOWLEDGE_DIR, or from `sources` (the
 * published files in the database). Knowledge validated before, and the keyword index and the
 * model built before on the same entries and ways of asking, come from the engine cache
 * (CACHE_DIR); what is built is written there.
 * `log`: where the cache's warnings go (default: standard error, unless LOG_LEVEL is quieter).
 */
export async function loadAnswerEngine(config: EngineConfig, sources?: readonly KnowledgeSource[], log: EngineCacheLog = consoleLog(config.logLevel)): Promise<LoadedEngine> {
  const cache = new EngineCache(config.cacheDir, log);
  const [loaded, locales] = await Promise.all([
    (async () => validated(sources ?? (await readKnowledgeSources(config.knowledgeDir)), cache))(),
    loadLocales(config.localesDir),
  ]);
  const knowledge = new LiveKnowledge(loaded);
  const keyword = keywordIndexCached([...knowledge.entries.values()], cache);
  const renderer = new AnswerRenderer(locales, resolveContacts(knowledge.contacts, config));
  const train = (set: TrainingSet) => trainCached(set, cache);
  const engine = new AnswerEngine({ knowledge, keyword, locales, renderer, options: { answerThreshold: config.answerThreshold }, train });
  return { knowledge, engine, cache };
}

/** The validated knowledge base of `sources`, from the cache when these very bytes were validated before. */
function validated(sources: readonly KnowledgeSource[], cache: EngineCache): KnowledgeBase {
  const key = EngineCache.key('knowledge', sources.flatMap(({ file, text }) => [file, text]));
  const cached = cache.read<KnowledgeBase>('knowledge', key);
  if (cached) return cached;
  // Only a valid knowledge base is cached: problems are found and reported again on every start.
  const { knowledgeBase, problems } = validateKnowledge(sources);
  if (!knowledgeBase) throw new KnowledgeBaseError(problems);
  void cache.write('knowledge', key, knowledgeBase);
  return knowledgeBase;
}

/** The keyword index of `entries`, restored from the cache when it was built on the same entries before. */
export function keywordIndexCached(entries: readonly KnowledgeEntry[], cache: EngineCache): KeywordIndex {
  const key = EngineCache.key('keyword', [JSON.stringify(entries)]);
  const state = cache.read<KeywordIndexState>('keyword', key);
  if (state) {
    try {
      return KeywordIndex.restore(state);
    } catch (error) {
      cache.warnUnusable('keyword', key, error);
    }
  }
  const index = KeywordIndex.build(entries);
  // The index changes in place on every publish: serialised before anything can publish.
  void cache.write('keyword', key, index.state, { changes: true });
  return index;
}

/**
 * The question model of a training set: restored from the cache when a model was trained on the
 * same examples (the same texts, labels, groups and held-out marks, in the same order), else
 * trained and written there. Publishing changes the examples, so it misses and trains.
 */
export function trainCached(set: TrainingSet, cache: EngineCache): QuestionModel {
  const examples = trainingExamples(set);
  const key = EngineCache.key('model', [JSON.stringify(examples)]);
  const state = cache.read<QuestionModelState>('model', key);
  if (state) {
    try {
      return QuestionModel.restore(examples, state, readingOf(set));
    } catch (error) {
      cache.warnUnusable('model', key, error);
    }
  }
  const model = QuestionModel.trainOn(examples, readingOf(set));
  void cache.write('model', key, model.state);
  return model;
}

/** The cache's warnings on standard error, as start-up's other messages before the logger exists. */
function consoleLog(level: Config['logLevel']): EngineCacheLog {
  const quiet = level === 'silent' || level === 'fatal' || level === 'error';
  return {
    warn: (message) => {
      if (!quiet) console.warn(`rahnama: ${message}`);
    },
    debug: (message) => {
      if (level === 'debug' || level === 'trace') console.warn(`rahnama: ${message}`);
    },
  };
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
