import { RahnamaError } from '../errors.js';
import { SMALL_TALK_INTENTS, type Locales, type SmallTalkIntent } from '../i18n/locales.js';
import { LiveKnowledge, type KnowledgeChange } from '../knowledge/live-knowledge.js';
import type { KnowledgeEntry } from '../knowledge/schema.js';
import { isLang, LANGUAGES, type Lang } from '../languages.js';
import type { DenseRetriever } from './dense.js';
import { buildIntentRecognisers, type IntentRecognisers } from './intents.js';
import { KeywordIndex } from './keyword-index.js';
import { detectLanguage, type LanguageGuess } from './language-detect.js';
import type { QueryProfile } from './question-index.js';
import { isEntryLabel, OUT_OF_SCOPE, QuestionModel, SMALL_TALK_PREFIX, type DenseSimilarities, type ScoredEntry, type TrainingSet } from './question-model.js';
import type { AnswerRenderer } from './render.js';
import { sentencesOf } from './sentences.js';
import { isMostlyLatin, latinToCyrillic, TRANSLITERATED_LANGUAGES } from './transliterate.js';

export type RetrievalMode = 'keyword' | 'hybrid';
export type AnswerKind = 'answer' | 'fallback' | 'smalltalk' | 'emergency' | 'clarify';

export interface AskQuery {
  readonly text: string;
  /** The language the user chose: the reply is in it. Detected from the text when absent. */
  readonly lang?: string;
  /**
   * The conversation's language so far (Telegram's `language_code`, or the first clear
   * detection): the reply stays in it unless the message is long enough and clearly in another.
   */
  readonly conversationLang?: string;
}

export interface Suggestion {
  readonly entryId: string;
  readonly question: string;
}

/** A scored candidate, for the CLI and evaluation. */
export interface Candidate {
  readonly entryId: string;
  /** Calibrated probability that this entry answers the message. */
  readonly confidence: number;
  /** Similarity of the closest way of asking the entry, and where it was written ("fa", "bg-Latn"). */
  readonly similarity: number;
  readonly group: string;
  /** Which reading of the message matched: the whole text, a transliteration, or one sentence. */
  readonly reading: string;
  /** Similarity by meaning (embedding model), in hybrid mode. */
  readonly dense?: number;
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
  /** 0–1: the probability that `entryId` answers the question (calibrated on the knowledge base). */
  readonly confidence: number;
  readonly suggestions: Suggestion[];
  /** With an answer to a long message: the entries its other sentences ask about. */
  readonly alsoAsked?: Suggestion[];
  readonly mode: RetrievalMode;
  /** Only with `explain`: the candidates considered, best first. */
  readonly candidates?: readonly Candidate[];
  /** Small talk's intent; `person` asks to talk to a person. */
  readonly intent?: SmallTalkIntent;
}

/** Tuning of the answer decision (see DESIGN.md). */
export interface EngineOptions {
  /** Probability from which the engine answers instead of falling back: `ANSWER_THRESHOLD`, whose default config.ts holds. */
  answerThreshold: number;
  /** Probability from which a runner-up is offered as a suggestion. Default 0.2. */
  suggestionThreshold: number;
  /** Most suggestions returned. Default 3. */
  maxSuggestions: number;
}

/** Defaults of the options configuration does not set. */
export const defaultEngineOptions: Omit<EngineOptions, 'answerThreshold'> = {
  suggestionThreshold: 0.2,
  maxSuggestions: 3,
};

const EMERGENCY_ENTRY = 'emergency-help';
const EMERGENCY_SUGGESTIONS = ['trafficking-help', 'contact-iom'];
/** Entries for a kind of danger, shown after 112 when the message is about that kind. */
const DANGER_ENTRIES = ['trafficking-help'];
/** Where a vague message ("what about my case") is pointed: going home, help after return, IOM's other services. */
const CLARIFY_TOPICS = ['avrr-overview', 'reintegration-support', 'iom-bulgaria-services'];
/**
 * A message of at most SHORT_MESSAGE_WORDS words with fewer informative words than this ("ok",
 * "no", "thank you", "visa?") never gets a confident answer: it is capped below the answer
 * threshold, and its candidates are offered as suggestions. ("What is IOM?" is short but asks
 * one whole question; so is Turkish "IOM nedir?", two words that are an entry's own question:
 * a message of two words or more that is one of an entry's ways of asking is not capped.)
 */
const MIN_INFORMATIVE_WORDS = 2;
const SHORT_MESSAGE_WORDS = 2;
/** Probability a short message is capped at (below any sensible answer threshold). */
const SHORT_MESSAGE_CAP = 0.45;
/** A message this long or longer, clearly in another language, switches the conversation's language. */
const SWITCH_MIN_WORDS = 4;
const SWITCH_MIN_CONFIDENCE = 0.9;
/** Below this detection confidence, the language of the matched way of asking decides the reply's. */
const UNSURE_DETECTION = 0.75;
/** Similarity to a small-talk phrase from which a message that answers nothing is small talk. */
const SMALL_TALK_SIMILARITY = 0.55;
/** Probability of the text itself from which other readings are not tried. */
const SURE_WITHOUT_READINGS = 0.8;
/** Below this probability a short in-domain message is vague rather than a near miss: it gets a clarifying question. */
const VAGUE_CEILING = 0.3;
/** A vague message has at most this many words, all known to the knowledge base. */
const VAGUE_MAX_WORDS = 8;

export interface AnswerEngineDeps {
  /** The knowledge in service: learned at construction, and again on every change it announces. */
  readonly knowledge: LiveKnowledge;
  /** The keyword index of `knowledge`'s entries; the engine keeps it up to date on changes. */
  readonly keyword: KeywordIndex;
  readonly locales: Locales;
  readonly renderer: AnswerRenderer;
  readonly options: Pick<EngineOptions, 'answerThreshold'> & Partial<EngineOptions>;
  /**
   * How the question model is had for a training set: `QuestionModel.train` by default;
   * `loadAnswerEngine` passes one that first looks in the engine cache.
   */
  readonly train?: (set: TrainingSet) => QuestionModel;
}

/**
 * The answer engine: language, emergencies, then the question model (every way of asking each
 * entry, compared with the message and each of its readings: transliterated, sentence by
 * sentence), whose calibrated probability decides whether to answer, suggest, clarify or fall
 * back. Channels only ever call `ask` and `answerEntry`. The engine holds no knowledge of its
 * own: it subscribes to the live knowledge and re-indexes and retrains on each change.
 */
export class AnswerEngine {
  readonly options: Readonly<EngineOptions>;
  private readonly intents: IntentRecognisers;
  private dense: DenseRetriever | undefined;
  private model: QuestionModel;

  constructor(private readonly deps: AnswerEngineDeps) {
    this.options = Object.freeze({ ...defaultEngineOptions, ...deps.options });
    this.intents = buildIntentRecognisers(deps.locales);
    this.model = this.train(this.trainingSet());
    deps.knowledge.onChange((change) => this.follow(change));
  }

  get mode(): RetrievalMode {
    return this.dense ? 'hybrid' : 'keyword';
  }

  private get entries(): ReadonlyMap<string, KnowledgeEntry> {
    return this.deps.knowledge.entries;
  }

  /** The UI strings the answers are rendered with, for the channels' own messages. */
  get locales(): Locales {
    return this.deps.locales;
  }

  /** Whether the calibration has been refitted with an embedding model's similarity. */
  get denseCalibrated(): boolean {
    return this.model.denseCalibrated;
  }

  /** How long the question model took to learn the knowledge base, in milliseconds. */
  get trainingMs(): number {
    return this.model.trainingMs;
  }

  private trainingSet(): TrainingSet {
    const smallTalk = LANGUAGES.flatMap((lang) => {
      const table = this.deps.locales.smallTalk(lang);
      // A request for a person is recognised by its phrases alone (before any answer): as examples
      // it would pull the model towards small talk wherever "person", "talk" or "someone" occur
      // in a question (measured: 0.80 → 0.79 on challenge.yaml).
      return SMALL_TALK_INTENTS.filter((intent) => intent !== 'person').flatMap((intent) => (table[intent]?.patterns ?? []).map((text) => ({ text, intent, lang })));
    });
    const names = LANGUAGES.flatMap((lang) => (this.deps.knowledge.glossary.concepts.iom?.[lang]?.use ?? []).map((term) => ({ lang, term })));
    return { entries: this.deps.knowledge.entries.values(), outOfScope: this.deps.knowledge.outOfScope, smallTalk, names };
  }

  private train(set: TrainingSet): QuestionModel {
    return (this.deps.train ?? QuestionModel.train)(set);
  }

  /** Learns the knowledge base again (after an edit), and refits the dense calibration if a model is loaded. */
  private retrain(): void {
    this.model = this.train(this.trainingSet());
    if (this.dense) void this.calibrateDense(this.dense);
  }

  /**
   * A change to the knowledge, in service at once on every channel: the keyword index follows
   * an entry's change and the question model learns everything again. (Listeners subscribed
   * after the engine, such as the model manager's dense index, run after this.)
   */
  private follow(change: KnowledgeChange): void {
    if (change.kind === 'entry-upserted') {
      const entry = this.entries.get(change.id);
      if (entry) this.deps.keyword.upsert(entry);
    } else if (change.kind === 'entry-removed') {
      this.deps.keyword.remove(change.id);
    }
    this.retrain();
  }

  /**
   * A keyword-mode copy of this engine with `draft` in place of its published entry, for the
   * staff console's "ask the bot" preview: nothing live changes. Costs one training.
   */
  withDraft(draft: KnowledgeEntry): AnswerEngine {
    // A copy of the knowledge in service, the draft put in before anything subscribes to it.
    const knowledge = new LiveKnowledge(this.deps.knowledge);
    knowledge.upsertEntry(draft);
    // Trained without the cache: a draft is seen once, its model is not worth a file.
    const { train: _cached, ...deps } = this.deps;
    return new AnswerEngine({ ...deps, knowledge, keyword: KeywordIndex.build(knowledge.entries.values()) });
  }

  /**
   * Switches to hybrid retrieval once a model is ready (or back, with undefined). The
   * calibration is refitted with the model's similarity as a feature first.
   */
  async setDenseRetriever(dense: DenseRetriever | undefined): Promise<void> {
    if (dense) await this.calibrateDense(dense);
    this.dense = dense;
  }

  private async calibrateDense(dense: DenseRetriever): Promise<void> {
    const model = this.model;
    const table = await dense.leaveOneOut(model.index.examples.map((e) => e.text), model.index.examples.map((e) => e.label));
    if (this.model === model) model.fitDense((i) => table[i]);
  }

  /** An entry's answer in a language, as a reply (links included): what a button for that entry shows. */
  answerEntry(entryId: string, lang: Lang): AskResult | undefined {
    const entry = this.entries.get(entryId);
    if (!entry) return undefined;
    return {
      lang, detectedLang: lang, detectedConfidence: 1, mode: this.mode,
      kind: 'answer', entryId, confidence: 1,
      answer: this.deps.renderer.entry(entry, lang),
      suggestions: [],
    };
  }

  async ask(query: AskQuery, opts: { explain?: boolean } = {}): Promise<AskResult> {
    const text = query.text.trim();
    if (text.length === 0) throw new RahnamaError('RAHNAMA_TEXT_EMPTY');
    for (const lang of [query.lang, query.conversationLang]) {
      if (lang !== undefined && !isLang(lang)) throw new RahnamaError('RAHNAMA_UNSUPPORTED_LANGUAGE', [lang]);
    }
    const stated = query.lang as Lang | undefined;
    const conversation = query.conversationLang as Lang | undefined;
    const detected = detectLanguage(text, this.deps.keyword, stated ?? conversation ?? 'en');
    const profile = this.model.profile(text);
    const base = { detectedLang: detected.lang, detectedConfidence: detected.confidence, mode: this.mode };
    const { renderer } = this.deps;
    // The language of the reply, given what matched: the user's choice first, then the
    // conversation's unless this message clearly switches, then detection.
    const replyLang = (matched?: Candidate): Lang => {
      if (stated) return stated;
      const switches = detected.confidence >= SWITCH_MIN_CONFIDENCE && profile.words >= SWITCH_MIN_WORDS && detected.lang !== conversation;
      if (conversation && !switches) return conversation;
      return matchedLang(matched, detected, this.options.suggestionThreshold) ?? detected.lang;
    };

    const emergency = this.intents.emergency(text);
    const pastDanger = emergency !== undefined && this.intents.pastEvent(text);
    const short = profile.words <= SHORT_MESSAGE_WORDS && profile.informative < MIN_INFORMATIVE_WORDS;
    const { candidates, others, smallTalk, likeliest } = await this.rank(text, short, profile, detected);
    const explain = opts.explain ? { candidates } : {};
    const [top] = candidates;
    // 112 first; then the entry for this kind of danger when the message clearly asks for one
    // (someone is forced to work: the trafficking entry), else the emergency entry.
    const emergencyReply = (lang: Lang, confidence: number): AskResult => {
      const specific = top && DANGER_ENTRIES.includes(top.entryId) && top.confidence >= this.options.answerThreshold ? top.entryId : EMERGENCY_ENTRY;
      const entry = this.entries.get(specific);
      // An entry that itself opens with 112 (trafficking) needs no second 112 line above it.
      const opensWith112 = entry?.languages[lang].answer.split('\n\n')[0]?.includes('112') ?? false;
      return {
        ...base, lang, kind: 'emergency', entryId: specific, confidence,
        answer: entry && opensWith112 ? renderer.entry(entry, lang) : renderer.emergency(lang, entry),
        suggestions: this.suggestionsFor([EMERGENCY_ENTRY, ...EMERGENCY_SUGGESTIONS].filter((id) => id !== specific), lang),
        ...explain,
      };
    };
    // A danger told in the past: whatever the reply, one line on 112 and trafficking help.
    const pastNote = (lang: Lang) => (pastDanger ? `\n\n${this.deps.locales.t(lang, 'answer.emergencyPast')}` : '');
    if (emergency && !pastDanger) return emergencyReply(stated ?? conversation ?? preferred(emergency.langs, detected.lang), 1);
    // Asking for a person in so many words ("I want to talk to someone") is that, not a question
    // about how to reach IOM, nor a danger the model guessed from "speak to someone": the bot
    // offers the person. (Danger phrases came first.)
    const phrase = this.intents.smallTalk(text);
    if (phrase?.intent === 'person') return this.smallTalkReply('person', stated ?? conversation ?? smallTalkLang(phrase.langs, detected), top, base, explain);
    // Danger in words no phrase list has ("a man next door is beating a child"): an answer with
    // the emergency entry is an emergency reply, 112 first.
    if (!pastDanger && top?.entryId === EMERGENCY_ENTRY && top.confidence >= this.options.answerThreshold) {
      return emergencyReply(replyLang(top), round(top.confidence));
    }
    if (top && top.confidence >= this.options.answerThreshold) {
      const entry = this.entries.get(top.entryId);
      if (entry) {
        const lang = replyLang(top);
        const note = pastNote(lang);
        const runnersUp = candidates.slice(1).filter((c) => c.confidence >= this.options.suggestionThreshold).map((c) => c.entryId);
        const alsoAsked = this.suggestionsFor(others.filter((id) => id !== entry.id), lang);
        return {
          ...base, lang, kind: 'answer', entryId: entry.id, confidence: round(top.confidence),
          answer: renderer.entry(entry, lang) + note,
          suggestions: this.suggestionsFor(runnersUp, lang, 2),
          ...(alsoAsked.length > 0 ? { alsoAsked } : {}),
          ...explain,
        };
      }
    }

    const intent: SmallTalkIntent | undefined = phrase?.intent
      ?? (!/\p{L}/u.test(text) ? 'acknowledgement' : undefined)
      ?? smallTalkIntent(likeliest)
      // Close to a small-talk phrase, but only when no entry is likelier: "IOM څه دی" is near
      // Pashto's "what is this" (the bot's capabilities), yet it asks what IOM is.
      ?? (smallTalk && smallTalk.similarity >= SMALL_TALK_SIMILARITY && profile.unknown === 0 && !isEntryLabel(likeliest) ? smallTalk.intent : undefined);
    if (intent) return this.smallTalkReply(intent, stated ?? conversation ?? (phrase ? smallTalkLang(phrase.langs, detected) : detected.lang), top, base, explain);

    const lang = replyLang(top);
    const suggested = candidates.filter((c) => c.confidence >= this.options.suggestionThreshold).map((c) => c.entryId);
    const inDomain = profile.unknown === 0 || !(likeliest === OUT_OF_SCOPE || likeliest.startsWith(SMALL_TALK_PREFIX));
    if ((top?.confidence ?? 0) < VAGUE_CEILING && inDomain && profile.words <= VAGUE_MAX_WORDS) {
      // Nothing fits, yet the words are the knowledge base's own, or the message is likelier an
      // entry's than out of scope: a vague message ("what about my case"), not an off-topic
      // one. Ask which topic it is about; an entry above noise that the message's words favour
      // over everything else ("IOM څه دی": what is IOM) comes first.
      const favoured = top && top.entryId === likeliest && top.confidence >= this.options.suggestionThreshold ? [top.entryId] : [];
      return {
        ...base, lang, kind: 'clarify', entryId: null, confidence: round(top?.confidence ?? 0),
        answer: this.deps.locales.t(lang, 'answer.clarify') + pastNote(lang),
        suggestions: this.suggestionsFor([...favoured, ...CLARIFY_TOPICS], lang),
        ...explain,
      };
    }
    return {
      ...base, lang, kind: 'fallback', entryId: null, confidence: round(top?.confidence ?? 0),
      answer: renderer.fallback(lang) + pastNote(lang),
      suggestions: this.suggestionsFor([...suggested, ...others], lang),
      ...explain,
    };
  }

  /** Small talk's reply in `lang` (the intent says what the bot does with it). */
  private smallTalkReply(intent: SmallTalkIntent, lang: Lang, top: Candidate | undefined, base: Pick<AskResult, 'detectedLang' | 'detectedConfidence' | 'mode'>, explain: Pick<AskResult, 'candidates'>): AskResult {
    return {
      ...base, lang, kind: 'smalltalk', entryId: null, confidence: round(top?.confidence ?? 0),
      answer: this.deps.locales.smallTalk(lang)[intent].reply,
      suggestions: [],
      intent,
      ...explain,
    };
  }

  /**
   * Candidates best first, from every reading of the message: the text itself; read as
   * Bulgarian, Russian or Ukrainian typed in Latin letters; and, in a long message, each
   * sentence. An entry keeps its best reading. `others` are the best entries of the other
   * sentences: a long message may ask more than one thing.
   */
  private async rank(text: string, short: boolean, profile: QueryProfile, detected: LanguageGuess): Promise<{ candidates: Candidate[]; others: string[]; likeliest: string; smallTalk?: { intent: SmallTalkIntent; similarity: number } }> {
    const dense = this.dense ? await this.denseSimilarities(text) : undefined;
    const whole = this.model.score(text, dense, profile);
    const readings: { name: string; scores: ScoredEntry[] }[] = [{ name: 'text', scores: [...whole.entries] }];
    // Read as Cyrillic only when the text itself found no sure answer and detection is unsure
    // of its language: a clear English, French or Turkish message need not pay for three more
    // readings (romanised Bulgarian, Russian and Ukrainian are detected at 0.5–0.7).
    const wholeAnswers = (whole.entries[0]?.probability ?? 0) >= SURE_WITHOUT_READINGS;
    const surelyLatinLanguage = detected.confidence >= UNSURE_DETECTION && !TRANSLITERATED_LANGUAGES.includes(detected.lang);
    if (!wholeAnswers && !surelyLatinLanguage && isMostlyLatin(text)) {
      for (const lang of TRANSLITERATED_LANGUAGES) {
        // The closest way of asking says which of the three it is (its group: "ru", "bg" or "uk").
        // A reading in which the knowledge base knows no word (English, French, Turkish read as
        // Cyrillic) cannot match: it is not scored.
        const cyrillic = latinToCyrillic(text, lang);
        const read = this.model.profile(cyrillic);
        if (read.informative === 0) continue;
        readings.push({ name: `${lang}-Cyrl`, scores: [...this.model.score(cyrillic, undefined, read).entries] });
      }
    }
    const sentences = sentencesOf(text);
    const sentenceTops: ScoredEntry[] = [];
    // A sentence that tells (context: "I'm a social worker at a shelter.") rather than asks
    // brings no entry of its own into the answer: it may only strengthen the whole message's
    // first entry, and then only halfway (the mean of the two), since a story told alone can
    // read as a sure question ("I rented a flat in Sofia" as one about housing). Its best entry
    // is still offered, below. Without any question mark, the last sentence is taken for the
    // question: people tell first, then ask.
    const wholeTop = whole.entries[0]?.entryId;
    const wholeProbability = whole.entries[0]?.probability ?? 0;
    const anyAsks = sentences.some(asksSomething);
    sentences.forEach((sentence, i) => {
      const scores = this.model.score(sentence).entries;
      const asks = anyAsks ? asksSomething(sentence) : i === sentences.length - 1;
      const lifted = wholeTop === undefined ? [] : scores.filter((s) => s.entryId === wholeTop).map((s) => ({ ...s, probability: (s.probability + wholeProbability) / 2 }));
      readings.push({ name: `sentence ${i + 1}`, scores: asks ? [...scores] : lifted });
      if (scores[0]) sentenceTops.push(scores[0]);
    });

    const best = new Map<string, Candidate>();
    for (const { name, scores } of readings) {
      for (const s of scores) {
        // A short message with few informative words: never confident, whatever matched.
        const confidence = short && !(s.exact && profile.words > 1) ? Math.min(s.probability, SHORT_MESSAGE_CAP) : s.probability;
        const known = best.get(s.entryId);
        if (!known || confidence > known.confidence) {
          const similarity = dense?.get(s.entryId);
          best.set(s.entryId, { entryId: s.entryId, confidence, similarity: round(s.similarity), group: s.group, reading: name, ...(similarity !== undefined ? { dense: round(similarity) } : {}) });
        }
      }
    }
    const candidates = [...best.values()].sort((a, b) => b.confidence - a.confidence);
    const answered = candidates[0]?.entryId;
    const others = sentenceTops
      .filter((s) => s.probability >= this.options.answerThreshold && s.entryId !== answered)
      .sort((a, b) => b.probability - a.probability)
      .map((s) => s.entryId);
    const smallTalk = whole.smallTalk && (SMALL_TALK_INTENTS as readonly string[]).includes(whole.smallTalk.intent)
      ? { intent: whole.smallTalk.intent as SmallTalkIntent, similarity: whole.smallTalk.similarity }
      : undefined;
    return { candidates: candidates.map((c) => ({ ...c, confidence: round(c.confidence) })), others: unique(others), likeliest: whole.likeliest, ...(smallTalk ? { smallTalk } : {}) };
  }

  private async denseSimilarities(text: string): Promise<DenseSimilarities | undefined> {
    const hits = await this.dense?.search(text, this.entries.size);
    return hits && new Map(hits.map((h) => [h.entryId, h.similarity]));
  }

  private suggestionsFor(ids: readonly string[], lang: Lang, max = this.options.maxSuggestions): Suggestion[] {
    return unique(ids).slice(0, max).flatMap((entryId) => {
      const entry = this.entries.get(entryId);
      return entry ? [{ entryId, question: entry.languages[lang].question }] : [];
    });
  }
}

/**
 * The language a match says the message is in, when it should decide the reply's: a romanised
 * way of asking ("fa-Latn": Finglish) or a transliterated reading ("bg-Cyrl") matched, or
 * detection was unsure. A weak match decides nothing.
 */
function matchedLang(matched: Candidate | undefined, detected: LanguageGuess, floor: number): Lang | undefined {
  if (!matched || matched.confidence < floor) return undefined;
  const romanised = /-(Latn|Cyrl)$/.test(matched.group) || /-Cyrl$/.test(matched.reading);
  return romanised || detected.confidence < UNSURE_DETECTION ? groupLang(matched.group) : undefined;
}

/** The small-talk intent of a label (`smalltalk:thanks`), if it is one. */
function smallTalkIntent(label: string): SmallTalkIntent | undefined {
  const intent = label.startsWith(SMALL_TALK_PREFIX) ? label.slice(SMALL_TALK_PREFIX.length) : undefined;
  return (SMALL_TALK_INTENTS as readonly (string | undefined)[]).includes(intent) ? (intent as SmallTalkIntent) : undefined;
}

/** The language of a group of ways of asking: "fa-Latn" (Finglish) is Farsi. */
function groupLang(group: string): Lang | undefined {
  const lang = group.split('-')[0];
  return isLang(lang) ? lang : undefined;
}

function preferred(langs: readonly Lang[], detected: Lang): Lang {
  return langs.includes(detected) ? detected : (langs[0] ?? detected);
}

/** A greeting listed in several languages ("hello", "salam"): English unless detection is sure of another. */
function smallTalkLang(langs: readonly Lang[], detected: LanguageGuess): Lang {
  if (langs.includes(detected.lang) && (langs.length === 1 || detected.confidence >= SWITCH_MIN_CONFIDENCE)) return detected.lang;
  return langs.includes('en') ? 'en' : (langs[0] ?? detected.lang);
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** Whether a sentence asks (ends with a question mark, Latin or Arabic). */
const asksSomething = (sentence: string): boolean => /[?؟][^\p{L}\p{N}]*$/u.test(sentence);
