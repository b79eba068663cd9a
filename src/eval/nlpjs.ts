import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import type { NlpManager } from 'node-nlp';
import type { KnowledgeEntry } from '../knowledge/schema.js';
import { LANGUAGES, type Lang } from '../languages.js';
import type { EvalSystem, SystemAnswer } from './evaluate.js';

/**
 * The NLP.js baseline (node-nlp 4, a devDependency): an `NlpManager` trained in the same run on
 * the same knowledge, with NLP.js's defaults. It is the system the answer engine has to beat,
 * never part of the engine.
 *
 * - Training: every question, variant and `romanised` spelling of every entry in every
 *   language, labelled with the entry id, and the knowledge base's out-of-scope examples
 *   (`out-of-scope.yaml`) labelled `None`, NLP.js's own intent for "no answer". Nothing from
 *   an eval file.
 * - Languages: the 11 codes. NLP.js 4 has a tokenizer and stemmer for en, ar, fa, ru, uk, tr
 *   and fr; for bg, ps, ur and ku it falls back by itself to its generic tokenizer (split on
 *   spaces and punctuation) without stemming (NLP.js 3's `autoStem` setting is gone in 4).
 * - Answer: the top intent unless it is `None` (NLP.js answers `None` when the top score is
 *   under its threshold, 0.5). The confidence is NLP.js's score; the suggestions are its next
 *   best intents (no floor: NLP.js has no "did you mean"), two with an answer, three without,
 *   as the engine offers.
 * - Language: the item's, or NLP.js's own guess among the 11 with `--detect` (English when it
 *   has none).
 */
export interface NlpJsTrainingData {
  /** Entries by id (a `KnowledgeBase`'s `entries`). */
  readonly entries: ReadonlyMap<string, KnowledgeEntry>;
  /** Out-of-scope examples per language, trained as intent `None`. */
  readonly outOfScope?: Readonly<Partial<Record<Lang, readonly string[]>>>;
}

export interface NlpJsSystem extends EvalSystem {
  /** node-nlp's version, from its package.json. */
  readonly version: string;
  /** Time to build and train the manager (after node-nlp is loaded), in milliseconds. */
  readonly trainMs: number;
  /** Training documents: entries' texts, and out-of-scope examples as `None`. */
  readonly documents: { readonly entries: number; readonly none: number };
}

/** NLP.js's `None`: no intent. */
const NONE = 'None';

/** Loads node-nlp (on demand: it is a devDependency) and trains a manager on the knowledge. */
export async function trainNlpJs(data: NlpJsTrainingData): Promise<NlpJsSystem> {
  const { NlpManager } = await import('node-nlp');
  const version = (createRequire(import.meta.url)('node-nlp/package.json') as { version: string }).version;
  const start = performance.now();
  const manager = new NlpManager({ languages: [...LANGUAGES], nlu: { log: false }, autoSave: false, autoLoad: false, calculateSentiment: false });
  const documents = { entries: 0, none: 0 };
  for (const entry of data.entries.values()) {
    for (const lang of LANGUAGES) {
      const t = entry.languages[lang];
      for (const text of [t.question, ...t.variants, ...(t.romanised ?? [])]) {
        manager.addDocument(lang, text, entry.id);
        documents.entries++;
      }
    }
  }
  for (const lang of LANGUAGES) {
    for (const text of data.outOfScope?.[lang] ?? []) {
      manager.addDocument(lang, text, NONE);
      documents.none++;
    }
  }
  await manager.train();
  const trainMs = performance.now() - start;
  return { name: 'nlpjs', label: `NLP.js ${version}`, version, trainMs, documents, ask: (text, lang) => askNlpJs(manager, text, lang) };
}

const languageSet: ReadonlySet<string> = new Set(LANGUAGES);

async function askNlpJs(manager: NlpManager, text: string, lang: string | undefined): Promise<SystemAnswer> {
  const guessed = lang ?? manager.guessLanguage(text);
  const locale = guessed && languageSet.has(guessed) ? guessed : 'en';
  const result = await manager.process(locale, text);
  const ranked = result.classifications.filter((c) => c.intent !== NONE && c.score > 0);
  const answered = result.intent !== NONE;
  const entryId = answered ? result.intent : null;
  return {
    kind: answered ? 'answer' : 'fallback',
    entryId,
    confidence: answered ? result.score : (ranked[0]?.score ?? 0),
    suggestions: ranked.filter((c) => c.intent !== entryId).slice(0, answered ? 2 : 3).map((c) => c.intent),
    detectedLang: locale,
  };
}
