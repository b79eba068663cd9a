import type { Config } from '../config.js';
import { loadLocales } from '../i18n/locales.js';
import { resolveContacts } from '../knowledge/contacts.js';
import { loadKnowledgeBase } from '../knowledge/load.js';
import { AnswerEngine } from './engine.js';
import { KeywordIndex } from './keyword-index.js';
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
