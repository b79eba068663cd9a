import { loadConfig, type Config } from '../../src/config.js';
import type { AnswerEngine } from '../../src/retrieval/engine.js';
import { loadAnswerEngine } from '../../src/retrieval/load-engine.js';
import { KNOWLEDGE_DIR, LOCALES_DIR, ROOT } from './paths.js';

/** The configuration of a test: defaults, the shipped knowledge and locales, and `env`. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ KNOWLEDGE_DIR, LOCALES_DIR, LOG_LEVEL: 'silent', ...env }, ROOT);
}

let shipped: Promise<AnswerEngine> | undefined;

/** The engine over the shipped knowledge base (keyword mode), built once per test file. */
export function shippedEngine(): Promise<AnswerEngine> {
  shipped ??= loadAnswerEngine(testConfig());
  return shipped;
}
