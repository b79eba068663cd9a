import type { KnowledgeEntry } from '../knowledge/schema.js';
import { LANGUAGES, type Lang } from '../languages.js';
import { fitLogistic, predict, type LogisticModel } from './logistic.js';
import { defaultFeatureOptions, type FeatureOptions } from './features.js';
import { QuestionIndex, type Example, type LabelMatch, type QueryMatches, type QueryProfile, type QuestionIndexState } from './question-index.js';
import { asWritten, nameReading, type Name, type TextReading } from './names.js';

/** Label of the out-of-scope examples: messages no entry answers. */
export const OUT_OF_SCOPE = 'none';
/** Labels of small-talk phrases start with this, then the intent: `smalltalk:greeting`. */
export const SMALL_TALK_PREFIX = 'smalltalk:';

/** What the model learns from: the knowledge base's ways of asking, and what it must not answer. */
export interface TrainingSet {
  readonly entries: Iterable<KnowledgeEntry>;
  /** Messages no entry answers, by language (`knowledge/out-of-scope.yaml`). */
  readonly outOfScope?: Partial<Record<Lang, readonly string[]>>;
  /** Small-talk phrases (from the locales), so that "hello" is known not to be a question. */
  readonly smallTalk?: readonly { readonly text: string; readonly intent: string; readonly lang: Lang }[];
  /** The organisation's names in every language (the glossary's concept `iom`): each read as "IOM" (see `nameReading`). */
  readonly names?: readonly Name[];
}

/** How the model reads the texts of a training set and the messages it scores. */
export const readingOf = (set: TrainingSet): TextReading => nameReading(set.names ?? [], 'iom');

/** What a trained model holds (see `QuestionModel.state`): its index and its calibration's weights. */
export interface QuestionModelState {
  readonly features: FeatureOptions;
  readonly index: QuestionIndexState;
  /** The calibration's weights, the intercept last (in a Float64Array: every bit kept). */
  readonly calibration: Float64Array;
}

/** An entry the message may be asking for, with the probability that it is. */
export interface ScoredEntry {
  readonly entryId: string;
  /** Calibrated: of messages scored p, about p are answered right by this entry. */
  readonly probability: number;
  /** Where the closest way of asking was written: a language ("fa") or its romanised form ("fa-Latn"). */
  readonly group: string;
  readonly similarity: number;
  /** The message is one of this entry's own ways of asking, up to a few letters (see `score`). */
  readonly exact: boolean;
}

/** What a message matched, whatever its reading: entries, and how close it came to out-of-scope and small talk. */
export interface ModelScores {
  /** Entries, most probable first. */
  readonly entries: readonly ScoredEntry[];
  /**
   * The likeliest label of all under naive Bayes: an entry id, `none` (out of scope) or
   * `smalltalk:<intent>`.
   */
  readonly likeliest: string;
  /** The closest small-talk intent, if any, and its similarity. */
  readonly smallTalk?: { readonly intent: string; readonly similarity: number };
}

/** Similarities of a message to entries by meaning (an embedding model), when one is loaded. */
export type DenseSimilarities = ReadonlyMap<string, number>;

/** Similarity from which a message is one of an entry's ways of asking (if no other label's comes within EXACT_MATCH_LEAD). */
const EXACT_MATCH = 0.85;
const EXACT_MATCH_PROBABILITY = 0.9;
/** How much closer than any other label's an exact match must be. */
const EXACT_MATCH_LEAD = 0.1;
/** Ways of asking from which a knowledge base counts as very large (about 2,500 entries in eleven languages). */
const LARGE_BASE_EXAMPLES = 200_000;
/** Candidates per message whose features are scored. */
const CANDIDATES = 6;
/**
 * Share of messages that no entry answers (out of scope, small talk), as the calibration
 * assumes: a prior, not a figure fitted to any evaluation set. Independent question sets written
 * for this project have 20–30 %.
 */
const OUT_OF_SCOPE_SHARE = 0.25;
/**
 * Left-out examples the calibration is fitted on, spread evenly over the examples. More cost
 * time (each is a query): from 1,000 to 4,000 both evaluation sets' figures moved by at most
 * two borderline items, either way.
 */
const MAX_CALIBRATION_EXAMPLES = 1000;

/**
 * A model learned from the knowledge base: the question index (every way of asking an entry)
 * and a calibration fitted on it by leave-one-out, which turns what a message has in common with
 * each entry into the probability that the entry answers it. Rebuilt whenever knowledge changes.
 */
export class QuestionModel {
  private constructor(
    readonly index: QuestionIndex,
    private readonly calibration: LogisticModel,
    /** Fitted with the dense similarity as two more features, once a model gives it. */
    private denseCalibration: LogisticModel | undefined,
    /** Milliseconds the training (or restoring it, see `restore`) took. */
    readonly trainingMs: number,
    /** How a message is read before it is matched: as the training set's texts were. */
    private readonly read: TextReading,
  ) {}

  static train(set: TrainingSet): QuestionModel {
    return QuestionModel.trainOn(trainingExamples(set), readingOf(set));
  }

  /** `train`, on examples already drawn from a training set (`trainingExamples`), read as they were (`readingOf`). */
  static trainOn(examples: readonly Example[], read: TextReading = asWritten): QuestionModel {
    const start = performance.now();
    // A very large knowledge base keeps one n-gram length: training stays near a minute at
    // 10,000 entries in eleven languages (three lengths took twice as long).
    const index = new QuestionIndex(examples, examples.length > LARGE_BASE_EXAMPLES ? { ngrams: [4] } : defaultFeatureOptions);
    const { rows, labels, weights } = leaveOneOutRows(index, () => undefined);
    const calibration = fitLogistic(rows, labels, { weights, signs: SIGNS });
    return new QuestionModel(index, calibration, undefined, performance.now() - start, read);
  }

  /**
   * The model `state` was taken from (`model.state`), on the same examples, without training:
   * it scores exactly as that model did. The dense calibration is not part of it (it follows
   * the embedding model, fitted when one is loaded).
   */
  static restore(examples: readonly Example[], state: QuestionModelState, read: TextReading = asWritten): QuestionModel {
    const start = performance.now();
    const index = new QuestionIndex(examples, state.features, state.index);
    if (state.calibration.length !== BASE_FEATURES + 1) throw new Error(`question model state: ${state.calibration.length} calibration weights, expected ${BASE_FEATURES + 1}`);
    return new QuestionModel(index, { weights: [...state.calibration] }, undefined, performance.now() - start, read);
  }

  /** What training computed, to be given back to `restore` (the engine cache stores it). */
  get state(): QuestionModelState {
    return { features: this.index.features, index: this.index.state, calibration: Float64Array.from(this.calibration.weights) };
  }

  /**
   * Refits the calibration with an embedding model's similarity as two more features: `dense`
   * gives, for an example of the index, its similarity to each entry with the example itself
   * left out.
   */
  fitDense(dense: (example: number) => DenseSimilarities | undefined): void {
    const { rows, labels, weights } = leaveOneOutRows(this.index, dense);
    this.denseCalibration = rows.length > 0 && (rows[0]?.length ?? 0) > BASE_FEATURES ? fitLogistic(rows, labels, { weights, signs: SIGNS }) : undefined;
  }

  get denseCalibrated(): boolean {
    return this.denseCalibration !== undefined;
  }

  /**
   * Scores a message: each entry it may be asking for, with a calibrated probability.
   * `profile`: its words as the index sees them, when the caller has already counted them.
   */
  score(text: string, dense?: DenseSimilarities, profile = this.profile(text)): ModelScores {
    return this.scoreQuery(this.index.query(this.read(text)), profile, dense);
  }

  /** A message's words as the index sees them (how many are informative, how many unknown). */
  profile(text: string): QueryProfile {
    return this.index.profile(this.read(text));
  }

  private scoreQuery(query: QueryMatches, profile: QueryProfile, dense: DenseSimilarities | undefined): ModelScores {
    const useDense = dense !== undefined && this.denseCalibration !== undefined;
    const model = useDense ? (this.denseCalibration as LogisticModel) : this.calibration;
    const scores = this.index.labelScores(query);
    // Coverage is the one feature that costs a look-up per word of each candidate's question:
    // not computed when the calibration gave it no weight (it multiplies zero).
    const rows = candidateRows(this.index, query, profile, useDense ? dense : undefined, -1, scores, model.weights[COVERAGE_FEATURE] !== 0);
    // Left out of its own match, no example ever matches exactly, so the calibration cannot
    // know what an exact match means: a message that is one of the entry's own ways of asking,
    // up to a few letters, and clearly closer to it than to any other label's, is answered.
    // (Closeness, not the naive Bayes lead: that one also moves with how many ways of asking
    // each entry has in other languages.)
    const [closest, runnerUp] = query.matches;
    const exactLabel = closest && closest.best >= EXACT_MATCH && closest.best - (runnerUp?.best ?? 0) >= EXACT_MATCH_LEAD ? closest.label : undefined;
    const entries = rows.map(({ match, row }) => {
      const exact = match.label === exactLabel;
      return { entryId: match.label, probability: Math.max(predict(model, row), exact ? EXACT_MATCH_PROBABILITY : 0), group: match.group, similarity: match.best, exact };
    });
    entries.sort((a, b) => b.probability - a.probability);
    let smallTalk: ModelScores['smallTalk'];
    for (const m of query.matches) {
      if (m.label.startsWith(SMALL_TALK_PREFIX) && m.best > (smallTalk?.similarity ?? 0)) {
        smallTalk = { intent: m.label.slice(SMALL_TALK_PREFIX.length), similarity: m.best };
      }
    }
    let likeliest = 0;
    scores.forEach((score, label) => {
      if (score > (scores[likeliest] as number)) likeliest = label;
    });
    return { entries, likeliest: this.index.labelNames[likeliest] ?? OUT_OF_SCOPE, ...(smallTalk ? { smallTalk } : {}) };
  }
}

/** The examples: every question, variant and romanised variant, out-of-scope messages and small talk. */
export function trainingExamples(set: TrainingSet): Example[] {
  const read = readingOf(set);
  const examples: Example[] = [];
  for (const entry of set.entries) {
    for (const lang of LANGUAGES) {
      const t = entry.languages[lang];
      // Every way of asking is held out in turn (cross-validation on the knowledge base's own
      // variants): people write short, misspelled, romanised and long messages, as the variants
      // do. Holding out the canonical questions alone, which are the cleanest, taught the
      // calibration to expect closer matches than people's messages make.
      examples.push({ text: read(t.question), label: entry.id, group: lang, heldOut: true });
      for (const text of t.variants) examples.push({ text: read(text), label: entry.id, group: lang, heldOut: true });
      for (const text of t.romanised ?? []) examples.push({ text: read(text), label: entry.id, group: `${lang}-Latn`, heldOut: true });
    }
  }
  for (const lang of LANGUAGES) {
    for (const text of set.outOfScope?.[lang] ?? []) examples.push({ text: read(text), label: OUT_OF_SCOPE, group: lang, heldOut: true });
  }
  (set.smallTalk ?? []).forEach(({ text, intent, lang }, i) => {
    // One small-talk phrase in three is held out: there are many, and they are easy negatives.
    examples.push({ text, label: `${SMALL_TALK_PREFIX}${intent}`, group: lang, heldOut: i % 3 === 0 });
  });
  return examples;
}

/** Whether a label is an entry's (not out of scope or small talk). */
export const isEntryLabel = (label: string): boolean => label !== OUT_OF_SCOPE && !label.startsWith(SMALL_TALK_PREFIX);

/** Whether each label of an index is an entry (not out of scope or small talk), computed once. */
const entryFlagsOf = new WeakMap<QuestionIndex, Uint8Array>();
function entryFlags(index: QuestionIndex): Uint8Array {
  let flags = entryFlagsOf.get(index);
  if (!flags) entryFlagsOf.set(index, (flags = Uint8Array.from(index.labelNames, (name) => (isEntryLabel(name) ? 1 : 0))));
  return flags;
}

/** Features the calibration sees without an embedding model. */
const BASE_FEATURES = 8;
/** Position of the coverage feature in a row (see `candidateRows`). */
const COVERAGE_FEATURE = 4;
/**
 * The direction each feature may push the probability (see `fitLogistic`): a lead in likelihood
 * and closeness to the entry only up; the number of informative words either way; words no
 * way of asking has only down.
 */
const SIGNS = [1, 1, 1, 1, 1, 0, -1, 1, 1, 1];

/**
 * Features of the best candidate entries of one message (`example`: the left-out example, in
 * calibration). Candidates are the entries most likely under naive Bayes; each is described by
 * its lead in likelihood over the next entry and over out-of-scope and small talk, and by how
 * close its two closest ways of asking are and how much of the closest the message covers.
 * (The similarity to the centroid of an entry's ways of asking in one language was a feature
 * too: fitted to zero on the shipped base, and a fifth of the similarity walk; dropped.)
 */
function candidateRows(index: QuestionIndex, query: QueryMatches, profile: QueryProfile, dense: DenseSimilarities | undefined, example = -1, scores = index.labelScores(query, example), withCoverage = true): { match: LabelMatch; row: number[] }[] {
  const names = index.labelNames;
  const isEntry = entryFlags(index);
  // The best CANDIDATES + 1 entries by naive Bayes, without sorting every label.
  const entries: number[] = [];
  let outside = -Infinity;
  for (let label = 0; label < names.length; label++) {
    const score = scores[label] as number;
    if (!isEntry[label]) {
      outside = Math.max(outside, score);
      continue;
    }
    if (entries.length > CANDIDATES && score <= (scores[entries[entries.length - 1] as number] as number)) continue;
    let at = entries.length;
    while (at > 0 && (scores[entries[at - 1] as number] as number) < score) at--;
    entries.splice(at, 0, label);
    if (entries.length > CANDIDATES + 1) entries.pop();
  }
  const matchOf = new Map(query.matches.map((m) => [m.label, m]));
  const bestDense = dense ? Math.max(0, ...dense.values()) : 0;
  return entries.slice(0, CANDIDATES).map((label, rank) => {
    const name = names[label] as string;
    const score = scores[label] as number;
    const next = scores[entries[rank === 0 ? 1 : 0] as number] ?? score;
    const m = matchOf.get(name) ?? { label: name, best: 0, second: 0, group: '', example: -1 };
    const row = [
      Math.max(-10, Math.min(10, score - next)),
      Math.max(-10, Math.min(10, score - outside)),
      m.best,
      m.second,
      withCoverage && m.example >= 0 ? index.coverage(query, m.example) : 0,
      Math.log1p(profile.informative),
      // Words the knowledge base never uses: "Galatasaray" makes a message less likely any entry's.
      profile.unknown / Math.max(1, profile.informative + profile.unknown),
      rank === 0 ? 1 : 0,
    ];
    if (dense) {
      const similarity = dense.get(name) ?? 0;
      row.push(similarity, similarity - bestDense);
    }
    return { match: m, row };
  });
}

/**
 * Calibration data by leave-one-out: each example (up to MAX_CALIBRATION_EXAMPLES, spread
 * evenly) is matched against all the others, and each candidate entry's features are labelled
 * with whether it is the example's own entry. Out-of-scope and small-talk examples give only
 * negatives: there, every entry is a wrong answer.
 */
function leaveOneOutRows(index: QuestionIndex, dense: (example: number) => DenseSimilarities | undefined): { rows: number[][]; labels: number[]; weights: number[] } {
  const rows: number[][] = [];
  const labels: number[] = [];
  const inScope: boolean[] = [];
  const n = index.size;
  const stride = Math.max(1, n / MAX_CALIBRATION_EXAMPLES);
  for (let at = 0; at < n; at += stride) {
    const i = Math.floor(at);
    const example = index.examples[i] as Example;
    if (!example.heldOut) continue;
    const query = index.queryExample(i);
    const profile = index.profile(example.text, true);
    for (const { match, row } of candidateRows(index, query, profile, dense(i), i)) {
      rows.push(row);
      labels.push(match.label === example.label ? 1 : 0);
      inScope.push(isEntryLabel(example.label));
    }
  }
  // The knowledge base holds more out-of-scope and small-talk examples than people send such
  // messages: they are weighed so that they make up OUT_OF_SCOPE_SHARE of the messages.
  const inCount = inScope.filter(Boolean).length;
  const outCount = inScope.length - inCount;
  const outWeight = outCount === 0 || inCount === 0 ? 1 : (OUT_OF_SCOPE_SHARE / (1 - OUT_OF_SCOPE_SHARE)) * (inCount / outCount);
  return { rows, labels, weights: inScope.map((x) => (x ? 1 : outWeight)) };
}
