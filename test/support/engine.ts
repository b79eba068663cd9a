import { loadConfig, type Config } from '../../src/config.js';
import type { LiveKnowledge } from '../../src/knowledge/live-knowledge.js';
import type { AnswerEngine } from '../../src/retrieval/engine.js';
import { loadAnswerEngine, type LoadedEngine } from '../../src/retrieval/load-engine.js';
import { KNOWLEDGE_DIR, LOCALES_DIR, ROOT, TEST_CACHE_DIR } from './paths.js';

/** The configuration of a test: defaults, the shipped knowledge and locales, the shared engine cache, and `env`. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ KNOWLEDGE_DIR, LOCALES_DIR, LOG_LEVEL: 'silent', CACHE_DIR: TEST_CACHE_DIR, ...env }, ROOT);
}

let loaded: Promise<LoadedEngine> | undefined;

/** The live knowledge of the shipped knowledge base and the engine over it (keyword mode), loaded once per worker (shared by its test files: restore what you change). */
export function shipped(): Promise<LoadedEngine> {
  loaded ??= loadAnswerEngine(testConfig());
  return loaded;
}

/** The engine over the shipped knowledge base (keyword mode), built once per worker. */
export async function shippedEngine(): Promise<AnswerEngine> {
  return (await shipped()).engine;
}

/** The shipped knowledge base as in service (the knowledge `shippedEngine` answers from). */
export async function shippedKnowledge(): Promise<LiveKnowledge> {
  return (await shipped()).knowledge;
}
