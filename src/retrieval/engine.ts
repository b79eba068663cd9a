import { RahnamaError } from '../errors.js';
import type { Locales } from '../i18n/locales.js';
import type { KnowledgeBase } from '../knowledge/load.js';
import type { KnowledgeEntry } from '../knowledge/schema.js';
import { isLang, type Lang } from '../languages.js';
import type { DenseRetriever } from './dense.js';
import { fuseRankings } from './fusion.js';
import { buildIntentRecognisers, type IntentRecognisers } from './intents.js';
import { KeywordIndex } from './keyword-index.js';
import { detectLanguage, type LanguageGuess } from './language-detect.js';
import type { AnswerRenderer } from './render.js';

export type RetrievalMode = 'keyword' | 'hybrid';
export type AnswerKind = 'answer' | 'fallback' | 'smalltalk' | 'emergency';

export interface AskQuery {
  readonly text: string;
  /** The language the user chose; detected from the text when absent. */
  readonly lang?: string;
}

export interface Suggestion {
  readonly entryId: string;
  readonly question: string;
}

/** A scored candidate, for the CLI and evaluation. */
export interface Candidate {
  readonly entryId: string;
  readonly confidence: number;
  readonly keyword?: { readonly lang: Lang; readonly coverage: number; readonly score: number };
  readonly dense?: { readonly similarity: number };
}

export interface AskResult {
  /** Language of the reply. */
  readonly lang: Lang;
  readonly detectedLang: Lang;
  readonly detectedConfidence: number;
  readonly kind: AnswerKind;
  /** The entry answered, or null when the bot does not know (and for small talk). */
  readonly entryId: string | null;
  /** Markdown. */
  readonly answer: string;
  /** 0–1: how sure the engine is that `entryId` answers the question. */
  readonly confidence: number;
  readonly suggestions: Suggestion[];
  readonly mode: RetrievalMode;
  /** Only with `explain`: the candidates considered, best first. */
  readonly candidates?: readonly Candidate[];
}

/** Tuning of the answer decision; defaults measured on test/eval (see DESIGN.md). */
export interface EngineOptions {
  /** Confidence from which the engine answers instead of falling back. Default 0.5. */
  answerThreshold: number;
  /** Confidence from which a runner-up is offered as a suggestion. Default 0.3. */
  suggestionThreshold: number;
  /** Most suggestions returned. Default 3. */
  maxSuggestions: number;
  /** Dense similarity mapped to confidence 0 and 1 (linear in between). Defaults suit E5 models. */
  denseSimilarityFloor: number;
  denseSimilarityCeiling: number;
}

export const defaultEngineOptions: EngineOptions = {
  answerThreshold: 0.5,
  suggestionThreshold: 0.3,
  maxSuggestions: 3,
  denseSimilarityFloor: 0.8,
  denseSimilarityCeiling: 0.9,
};

/** Languages sharing a script: a message is searched in the knowledge of its own script. */
const SCRIPT_GROUPS: readonly (readonly Lang[])[] = [
  ['ar', 'fa', 'ur', 'ps'],
  ['ru', 'uk', 'bg'],
  ['en', 'fr', 'tr', 'ku'],
];

/**
 * Where to look when the first languages found nothing convincing: the other languages of the
 * same script and, for Latin script, every language, since people type Arabic, Farsi, Urdu or
 * Bulgarian in Latin letters ("man mikham bargardam") and the knowledge has such variants.
 */
function fallbackLanguages(first: readonly Lang[]): Lang[] {
  const groups = SCRIPT_GROUPS.filter((g) => first.some((l) => g.includes(l)));
  return groups.some((g) => g.includes('en')) ? SCRIPT_GROUPS.flat() : groups.flat();
}

/** Below this detection confidence, a clear keyword match in another language decides the reply language. */
const UNSURE_DETECTION = 0.75;
/** From this detection confidence, a message is not searched in other languages. */
const CLEAR_DETECTION = 0.9;


const EMERGENCY_ENTRY = 'emergency-help';
const EMERGENCY_SUGGESTIONS = ['trafficking-help', 'contact-iom'];
/** Candidates taken from each ranked list (keyword per language, dense). */
const CANDIDATES_PER_LIST = 5;

export interface AnswerEngineDeps {
  readonly knowledge: KnowledgeBase;
  readonly keyword: KeywordIndex;
  readonly locales: Locales;
  readonly renderer: AnswerRenderer;
  readonly options?: Partial<EngineOptions>;
}

/**
 * The answer engine: language, emergencies, then retrieval (keyword, plus dense when a model is
 * loaded), then the decision to answer, suggest or fall back. Channels only ever call `ask`.
 */
export class AnswerEngine {
  readonly options: Readonly<EngineOptions>;
  private readonly intents: IntentRecognisers;
  private dense: DenseRetriever | undefined;

  constructor(private readonly deps: AnswerEngineDeps) {
    this.options = Object.freeze({ ...defaultEngineOptions, ...deps.options });
    this.intents = buildIntentRecognisers(deps.locales);
  }

  get mode(): RetrievalMode {
    return this.dense ? 'hybrid' : 'keyword';
  }

  get entries(): ReadonlyMap<string, KnowledgeEntry> {
    return this.deps.knowledge.entries;
  }

  /** The guided checks of the knowledge base (`knowledge/flows/`), for the bot. */
  get flows(): KnowledgeBase['flows'] {
    return this.deps.knowledge.flows;
  }

  /** The UI strings the answers are rendered with, for the channels' own messages. */
  get locales(): Locales {
    return this.deps.locales;
  }

  /**
   * Puts a new or edited entry into service at once, on every channel: the keyword index is
   * updated now; listeners (the model manager) update the dense index after.
   */
  upsertEntry(entry: KnowledgeEntry): void {
    (this.deps.knowledge.entries as Map<string, KnowledgeEntry>).set(entry.id, entry);
    this.deps.keyword.upsert(entry);
    for (const listener of this.changeListeners) listener(entry.id);
  }

  /**
   * A keyword-mode copy of this engine with `draft` in place of its published entry, for the
   * staff console's "ask the bot" preview: nothing live changes. Costs one index build.
   */
  withDraft(draft: KnowledgeEntry): AnswerEngine {
    const entries = new Map(this.deps.knowledge.entries);
    entries.set(draft.id, draft);
    return new AnswerEngine({ ...this.deps, knowledge: { ...this.deps.knowledge, entries }, keyword: KeywordIndex.build(entries.values()) });
  }

  /** Takes a deleted entry out of service at once. */
  removeEntry(entryId: string): void {
    (this.deps.knowledge.entries as Map<string, KnowledgeEntry>).delete(entryId);
    this.deps.keyword.remove(entryId);
    for (const listener of this.changeListeners) listener(entryId);
  }

  /** Calls `listener` with the id of every entry published after start-up. */
  onEntryChanged(listener: (entryId: string) => void): void {
    this.changeListeners.push(listener);
  }

  private readonly changeListeners: ((entryId: string) => void)[] = [];

  /** Switches to hybrid retrieval once a model is ready (or back, with undefined). */
  setDenseRetriever(dense: DenseRetriever | undefined): void {
    this.dense = dense;
  }

  async ask(query: AskQuery, opts: { explain?: boolean } = {}): Promise<AskResult> {
    const text = query.text.trim();
    if (text.length === 0) throw new RahnamaError('RAHNAMA_TEXT_EMPTY');
    if (query.lang !== undefined && !isLang(query.lang)) throw new RahnamaError('RAHNAMA_UNSUPPORTED_LANGUAGE', [query.lang]);
    const stated = query.lang as Lang | undefined;
    const detected = detectLanguage(text, this.deps.keyword, stated ?? 'en');
    const lang = stated ?? detected.lang;
    const base = { detectedLang: detected.lang, detectedConfidence: detected.confidence, mode: this.mode };
    const { renderer } = this.deps;

    const emergency = this.intents.emergency(text);
    if (emergency) {
      const replyLang = stated ?? preferred(emergency.langs, detected.lang);
      return {
        ...base, lang: replyLang, kind: 'emergency', entryId: EMERGENCY_ENTRY, confidence: 1,
        answer: renderer.emergency(replyLang, this.entries.get(EMERGENCY_ENTRY)),
        suggestions: this.suggestionsFor(EMERGENCY_SUGGESTIONS, replyLang),
      };
    }

    const candidates = await this.rank(text, detected, stated);
    const [top] = candidates;
    if (top && top.confidence >= this.options.answerThreshold) {
      // "ako se varna v Bulgaria" looks French to a detector; the Bulgarian variant it matched knows better.
      const replyLang = stated ?? (detected.confidence < UNSURE_DETECTION && top.keyword ? top.keyword.lang : detected.lang);
      const entry = this.entries.get(top.entryId);
      if (entry) {
        return {
          ...base, lang: replyLang, kind: 'answer', entryId: entry.id, confidence: round(top.confidence),
          answer: renderer.entry(entry, replyLang),
          suggestions: this.suggestionsFor(candidates.slice(1).filter((c) => c.confidence >= this.options.suggestionThreshold).map((c) => c.entryId), replyLang, 2),
          ...(opts.explain ? { candidates } : {}),
        };
      }
    }

    const smallTalk = this.intents.smallTalk(text);
    if (smallTalk) {
      const replyLang = stated ?? preferred(smallTalk.langs, detected.lang);
      return {
        ...base, lang: replyLang, kind: 'smalltalk', entryId: null, confidence: 1,
        answer: this.deps.locales.smallTalk(replyLang)[smallTalk.intent].reply,
        suggestions: [],
        ...(opts.explain ? { candidates } : {}),
      };
    }

    return {
      ...base, lang, kind: 'fallback', entryId: null, confidence: round(top?.confidence ?? 0),
      answer: renderer.fallback(lang),
      suggestions: this.suggestionsFor(candidates.filter((c) => c.confidence >= this.options.suggestionThreshold).map((c) => c.entryId), lang),
      ...(opts.explain ? { candidates } : {}),
    };
  }

  /**
   * Candidates best first. Keyword search runs in the detected (and chosen) language first and,
   * when that finds nothing convincing, in the fallback languages (`fallbackLanguages`): people
   * often write in a second language. Dense search is multilingual by itself.
   */
  private async rank(text: string, detected: LanguageGuess, stated: Lang | undefined): Promise<Candidate[]> {
    const first = unique([detected.lang, ...(stated ? [stated] : [])]);
    let keyword = this.keywordCandidates(text, first, true);
    // A message surely in one language that its knowledge cannot answer is out of scope, not
    // in another language: the fallback search is for mixed, transliterated or unclear text.
    const unclear = detected.confidence < CLEAR_DETECTION || first.length > 1;
    if (unclear && (keyword[0]?.confidence ?? 0) < this.options.answerThreshold) {
      const rest = fallbackLanguages(first).filter((l) => !first.includes(l));
      // Typo and inflection matching only in the languages the message was read as: elsewhere
      // it costs much and finds little but noise.
      keyword = mergeByEntry([...keyword, ...this.keywordCandidates(text, rest, false)]);
    }
    if (!this.dense) return keyword;

    const denseHits = await this.dense.search(text, CANDIDATES_PER_LIST);
    const { denseSimilarityFloor: lo, denseSimilarityCeiling: hi } = this.options;
    const dense: Candidate[] = denseHits.map((h) => ({
      entryId: h.entryId,
      confidence: clamp01((h.similarity - lo) / (hi - lo)),
      dense: { similarity: h.similarity },
    }));
    const byId = new Map<string, Candidate>();
    for (const c of [...keyword, ...dense]) {
      const known = byId.get(c.entryId);
      byId.set(c.entryId, known
        ? { ...known, ...c, confidence: Math.max(known.confidence, c.confidence), keyword: known.keyword ?? c.keyword, dense: known.dense ?? c.dense }
        : c);
    }
    const order = fuseRankings([keyword.map((c) => c.entryId), dense.map((c) => c.entryId)]);
    return order.flatMap((id) => byId.get(id) ?? []);
  }

  private keywordCandidates(text: string, langs: readonly Lang[], approximate: boolean): Candidate[] {
    const all: Candidate[] = [];
    for (const lang of langs) {
      const hits = this.deps.keyword.search(text, lang, { limit: CANDIDATES_PER_LIST, approximate });
      const topScore = hits[0]?.score ?? 1;
      hits.forEach((h) => {
        // Coverage says whether the question is about this entry at all; the score relative to
        // the best hit keeps a weak runner-up from looking as sure as the winner.
        all.push({
          entryId: h.entryId,
          confidence: h.coverage * (0.5 + 0.5 * (h.score / topScore)),
          keyword: { lang, coverage: round(h.coverage), score: round(h.score) },
        });
      });
    }
    return mergeByEntry(all);
  }

  private suggestionsFor(ids: readonly string[], lang: Lang, max = this.options.maxSuggestions): Suggestion[] {
    return unique(ids).slice(0, max).flatMap((entryId) => {
      const entry = this.entries.get(entryId);
      return entry ? [{ entryId, question: entry.languages[lang].question }] : [];
    });
  }
}

function mergeByEntry(candidates: readonly Candidate[]): Candidate[] {
  const best = new Map<string, Candidate>();
  for (const c of candidates) {
    const known = best.get(c.entryId);
    if (!known || c.confidence > known.confidence) best.set(c.entryId, c);
  }
  return [...best.values()].sort((a, b) => b.confidence - a.confidence);
}

function preferred(langs: readonly Lang[], detected: Lang): Lang {
  return langs.includes(detected) ? detected : (langs[0] ?? detected);
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

function clamp01(n: number): number {
  return Math.min(1, Math.max(0, n));
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
