import { HashIds, type HashIdsState } from './hash-ids.js';
import { defaultFeatureOptions, eachFeature, foldedWords, wordHash, type FeatureOptions } from './features.js';

/**
 * One way of asking for something: a question, a variant or a romanised variant of an entry, an
 * out-of-scope example, or a small-talk phrase. `label` is what it asks for; `group` is where
 * it was written (an entry's language, or its romanised form), so an entry's support in one
 * language is not diluted by its others.
 */
export interface Example {
  readonly text: string;
  readonly label: string;
  readonly group: string;
  /** Held out in turn to fit the calibration (see `QuestionModel`). */
  readonly heldOut?: boolean;
}

/** What a message has in common with one label's examples. */
export interface LabelMatch {
  readonly label: string;
  /** Cosine similarity to the closest example. */
  readonly best: number;
  /** To the second closest example of the same label (0 if none): support from more than one way of asking. */
  readonly second: number;
  /** Group of the closest example (e.g. "fa", "bg-Latn"). */
  readonly group: string;
  /** Index of the closest example. */
  readonly example: number;
}

/** A message's vector and the labels it matches. */
export interface QueryMatches {
  readonly vector: Vector;
  readonly matches: readonly LabelMatch[];
}

/** The words of a message that the examples know, and how much they say. */
export interface QueryProfile {
  /** Words in the message. */
  readonly words: number;
  /** Words the examples contain that are not among the commonest of any group (not "what", "is", "من"). */
  readonly informative: number;
  /** Words no example contains. */
  readonly unknown: number;
}

/** A word in more than this share of a group's examples is a function word there ("what", "how", "در"). */
const COMMON_WORD_SHARE = 0.06;
/**
 * A feature in more than this share of all examples is skipped by the similarity walk: its
 * weight is tiny and its postings would cost most of a query. (Naive Bayes keeps every feature.)
 * From 20 % to 5 %: 29 % fewer postings per message on the shipped base, both evaluation sets'
 * answers unchanged; at 2 % two exact matches were lost.
 */
const MAX_FEATURE_SHARE = 0.05;
/** …and in more examples than this, whatever the share: a large knowledge base stays fast to ask. */
const MAX_FEATURE_POSTINGS = 20_000;
/** Similarity above which two ways of asking of one entry in one language are the same question reworded. */
const NEAR_DUPLICATE = 0.9;
/** Labels a query reports (the closest). */
const MAX_LABEL_MATCHES = 64;
/** Additive smoothing of the naive Bayes sums (in units of TF-IDF weight). */
const NB_SMOOTHING = 0.03;

export interface Vector {
  readonly ids: Uint32Array;
  readonly weights: Float32Array;
}

/**
 * Everything a question index computes from its examples, in arrays and maps that survive
 * `v8.serialize` unchanged: what the engine cache stores (see `engine-cache.ts`), so an index
 * restored from it answers exactly as the one it was taken from.
 */
export interface QuestionIndexState {
  readonly featureIds: HashIdsState;
  readonly idf: Float32Array;
  readonly postStart: Int32Array;
  readonly postExample: Int32Array;
  readonly postWeight: Float32Array;
  readonly labels: readonly string[];
  readonly exampleLabel: Int32Array;
  readonly exampleBucket: Int32Array;
  readonly bucketLabel: Int32Array;
  readonly bucketGroup: readonly string[];
  readonly commonWords: ReadonlySet<string>;
  readonly wordExamples: ReadonlyMap<string, number>;
  readonly nbStart: Int32Array;
  readonly nbLabel: Int32Array;
  readonly nbWeight: Float32Array;
  readonly nbLogWeight: Float32Array;
  readonly labelTotal: Float64Array;
}

/**
 * Question-to-question matching: every way of asking in the knowledge base is a TF-IDF vector of
 * words, five-letter stems, word pairs and character n-grams, in one inverted index; a message is
 * compared with each of them by cosine similarity. A label's score comes from its best-matching
 * examples, not from one bag of all its words, so a one-word message can only match a one-word
 * question fully.
 */
export class QuestionIndex {
  readonly examples: readonly Example[];
  private readonly featureIds: HashIds;
  private readonly idf: Float32Array;
  /** Inverted index in one block (CSR): the postings of feature f are [postStart[f], postStart[f + 1]). */
  private readonly postStart: Int32Array;
  private readonly postExample: Int32Array;
  private readonly postWeight: Float32Array;
  /** Each example's vector, made on first use (training, coverage): a restored index answers without them. */
  private exampleVectors: readonly Vector[] | undefined;
  private readonly labels: readonly string[];
  private readonly exampleLabel: Int32Array;
  /** Example's (label, group) bucket: where it was written, and its near-duplicates' company. */
  private readonly exampleBucket: Int32Array;
  private readonly bucketLabel: Int32Array;
  private readonly bucketGroup: readonly string[];
  private readonly bucketMembers: number[][];
  /** Folded words that are function words in some group: not informative. */
  private readonly commonWords: ReadonlySet<string>;
  /** By word, how many examples contain it. */
  private readonly wordExamples: ReadonlyMap<string, number>;
  private readonly maxPostings: number;
  /**
   * Naive Bayes over the same vectors (see `labelScores`): by feature, the labels whose examples
   * have it, with the summed weight (CSR like the postings), and each label's total weight.
   */
  private readonly nbStart: Int32Array;
  private readonly nbLabel: Int32Array;
  private readonly nbWeight: Float32Array;
  /** log(1 + weight / smoothing) of each pair: what a message's score adds, computed once. */
  private readonly nbLogWeight: Float32Array;
  private readonly labelTotal: Float64Array;
  // Scratch space reused by each query, by example, bucket and label.
  private readonly sims: Float64Array;
  /** By feature, the stamp of the last query that has it (see `coverage`). */
  private readonly queryMarks: Uint32Array;
  private markStamp = 0;
  private markedQuery: QueryMatches | undefined;
  private readonly touchedExamples: Int32Array;
  private readonly labelBest: Float64Array;
  private readonly labelSecond: Float64Array;
  private readonly labelExample: Int32Array;

  /**
   * Indexes `examples`; or, with `state` (what `state` gave for these very examples and options),
   * takes that instead of computing it. The state's arrays are only read, never written: several
   * indexes may share one.
   */
  constructor(examples: readonly Example[], readonly features: FeatureOptions = defaultFeatureOptions, state: QuestionIndexState = buildState(examples, features)) {
    this.examples = examples;
    const n = examples.length;
    if (state.exampleLabel.length !== n) throw new Error(`question index state for ${state.exampleLabel.length} examples, given ${n}`);
    this.featureIds = HashIds.fromState(state.featureIds);
    this.idf = state.idf;
    this.postStart = state.postStart;
    this.postExample = state.postExample;
    this.postWeight = state.postWeight;
    this.labels = state.labels;
    this.exampleLabel = state.exampleLabel;
    this.exampleBucket = state.exampleBucket;
    this.bucketLabel = state.bucketLabel;
    this.bucketGroup = state.bucketGroup;
    this.commonWords = state.commonWords;
    this.wordExamples = state.wordExamples;
    this.nbStart = state.nbStart;
    this.nbLabel = state.nbLabel;
    this.nbWeight = state.nbWeight;
    this.nbLogWeight = state.nbLogWeight;
    this.labelTotal = state.labelTotal;
    this.bucketMembers = membersOf(this.exampleBucket, this.bucketLabel.length);
    this.maxPostings = Math.max(50, Math.min(n * MAX_FEATURE_SHARE, MAX_FEATURE_POSTINGS));
    this.sims = new Float64Array(n);
    this.touchedExamples = new Int32Array(n);
    this.queryMarks = new Uint32Array(this.idf.length);
    this.labelBest = new Float64Array(this.labels.length).fill(-1);
    this.labelSecond = new Float64Array(this.labels.length);
    this.labelExample = new Int32Array(this.labels.length);
  }

  /** What this index computed from its examples: give it back to the constructor to skip the work. */
  get state(): QuestionIndexState {
    const { idf, postStart, postExample, postWeight, labels, exampleLabel, exampleBucket, bucketLabel, bucketGroup, commonWords, wordExamples, nbStart, nbLabel, nbWeight, nbLogWeight, labelTotal } = this;
    return { featureIds: this.featureIds.state, idf, postStart, postExample, postWeight, labels, exampleLabel, exampleBucket, bucketLabel, bucketGroup, commonWords, wordExamples, nbStart, nbLabel, nbWeight, nbLogWeight, labelTotal };
  }

  /** Each example's vector: its column of the postings (in feature order, as it was made). */
  private get vectors(): readonly Vector[] {
    this.exampleVectors ??= vectorsOf(this.postStart, this.postExample, this.postWeight, this.examples.length);
    return this.exampleVectors;
  }

  get size(): number {
    return this.examples.length;
  }

  /** Kind weights by feature id while a vector is made (scratch, zero between uses). */
  private kindWeights = new Float32Array(0);
  /** Ids of the features a message has, while its vector is made (scratch). */
  private messageIds = new Uint32Array(256);

  /**
   * The TF-IDF unit vector of a message's folded words (features the index does not know are
   * dropped), sorted by feature id. Features are looked up as they come, without a map.
   */
  private vectorOf(words: readonly string[]): Vector {
    if (this.kindWeights.length < this.idf.length) this.kindWeights = new Float32Array(this.idf.length);
    const kindWeights = this.kindWeights;
    let n = 0;
    eachFeature(words, this.features, (key, kind) => {
      const id = this.featureIds.get(key);
      if (id < 0) return;
      const known = kindWeights[id] as number;
      if (known === 0) {
        if (n === this.messageIds.length) {
          const grown = new Uint32Array(n * 2);
          grown.set(this.messageIds);
          this.messageIds = grown;
        }
        this.messageIds[n++] = id;
      }
      if (known < kind) kindWeights[id] = kind;
    });
    const ids = this.messageIds.slice(0, n).sort();
    const weights = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const id = ids[k] as number;
      weights[k] = kindWeights[id] as number;
      kindWeights[id] = 0;
    }
    toUnitTfIdf(ids, weights, this.idf);
    return { ids, weights };
  }

  /**
   * How informative a message's words are, as the examples see them. `leftOut`: the message is
   * an example of the index, left out, so a word only it contains is unknown.
   */
  profile(text: string, leftOut = false): QueryProfile {
    const words = foldedWords(text);
    const floor = leftOut ? 1 : 0;
    let informative = 0;
    let unknown = 0;
    for (const word of new Set(words)) {
      if ((this.wordExamples.get(word) ?? 0) <= floor) unknown++;
      else if (!this.commonWords.has(word) && /\p{L}{2}/u.test(word)) informative++;
    }
    return { words: words.length, informative, unknown };
  }

  /**
   * Every label the message has something in common with, best first by closest example, and
   * the message's vector (for `coverage`).
   */
  query(text: string): QueryMatches {
    const vector = this.vectorOf(foldedWords(text));
    return { vector, matches: this.matchVector(vector, -1) };
  }

  /**
   * `query` for an example of the index itself, left out: how the index does on a way of asking
   * it has not seen (leave-one-out).
   */
  queryExample(example: number): QueryMatches {
    const vector = this.vectors[example] as Vector;
    return { vector, matches: this.matchVector(vector, example) };
  }

  /**
   * The ways of asking that a left-out example must not be compared with: itself, and those of
   * its own entry and language so close to it (similarity above `NEAR_DUPLICATE`) that they are
   * the same question reworded by one author. People who did not write the knowledge base do
   * not come that close; leaving these in would teach the calibration to expect them to.
   */
  private leftOut(example: number): Set<number> {
    const out = new Set([example]);
    const v = this.vectors[example] as Vector;
    for (const e of this.bucketMembers[this.exampleBucket[example] as number] ?? []) {
      if (e !== example && dotProduct(v, this.vectors[e] as Vector) > NEAR_DUPLICATE) out.add(e);
    }
    return out;
  }

  /** Share of an example's weight that the message has: how much of the matched question it covers. */
  coverage(query: QueryMatches, example: number): number {
    // The query's features are marked once (a message's candidates ask in turn), then each of
    // the example's features is one look-up.
    if (this.markedQuery !== query) {
      this.markedQuery = query;
      this.markStamp = this.markStamp === 0xffffffff ? 1 : this.markStamp + 1;
      if (this.markStamp === 1) this.queryMarks.fill(0);
      for (const id of query.vector.ids) this.queryMarks[id] = this.markStamp;
    }
    const { ids, weights } = this.vectors[example] as Vector;
    let total = 0;
    let found = 0;
    for (let k = 0; k < ids.length; k++) {
      const w = weights[k] as number;
      total += w * w;
      if (this.queryMarks[ids[k] as number] === this.markStamp) found += w * w;
    }
    return total === 0 ? 0 : found / total;
  }

  private matchVector(query: Vector, example: number): LabelMatch[] {
    const excluded = example >= 0 ? this.leftOut(example) : undefined;
    const { sims, touchedExamples, postStart, postExample, postWeight } = this;
    let touched = 0;
    for (let k = 0; k < query.ids.length; k++) {
      const id = query.ids[k] as number;
      const from = postStart[id] as number;
      const to = postStart[id + 1] as number;
      if (to - from > this.maxPostings) continue;
      const qw = query.weights[k] as number;
      for (let i = from; i < to; i++) {
        const e = postExample[i] as number;
        const before = sims[e] as number;
        if (before === 0) touchedExamples[touched++] = e;
        // A tiny offset keeps a touched example distinguishable from an untouched one.
        sims[e] = before + qw * (postWeight[i] as number) + 1e-12;
      }
    }

    const { labelBest, labelSecond, labelExample, exampleBucket, exampleLabel } = this;
    const touchedLabels: number[] = [];
    for (let t = 0; t < touched; t++) {
      const e = touchedExamples[t] as number;
      const s = sims[e] as number;
      sims[e] = 0;
      if (excluded?.has(e)) continue;
      const label = exampleLabel[e] as number;
      const best = labelBest[label] as number;
      if (best < 0) {
        touchedLabels.push(label);
        labelBest[label] = s;
        labelSecond[label] = 0;
        labelExample[label] = e;
      } else if (s > best) {
        labelSecond[label] = best;
        labelBest[label] = s;
        labelExample[label] = e;
      } else if (s > (labelSecond[label] as number)) labelSecond[label] = s;
    }
    // Only the closest labels become objects: on a large knowledge base nearly every label
    // shares some n-gram with a message, and the rest are no candidates.
    const kept = touchedLabels.length <= MAX_LABEL_MATCHES
      ? touchedLabels
      : touchedLabels.sort((a, b) => (labelBest[b] as number) - (labelBest[a] as number)).slice(0, MAX_LABEL_MATCHES);
    const matches = kept.map((label) => {
      const example = labelExample[label] as number;
      return {
        label: this.labels[label] as string,
        best: labelBest[label] as number,
        second: labelSecond[label] as number,
        group: this.bucketGroup[exampleBucket[example] as number] as string,
        example,
      };
    });
    for (const label of touchedLabels) labelBest[label] = -1;
    return matches.sort((a, b) => b.best - a.best);
  }

  /**
   * Multinomial naive Bayes log-likelihood of the message under each label, with the message's
   * TF-IDF weights as counts and additive smoothing NB_SMOOTHING. Only the labels whose
   * examples share a feature with the message get the sparse term; the rest differ by their
   * total weight alone, so the sum is over postings, not labels × features. With `example`, that
   * example is taken out of its label's sums (leave-one-out).
   */
  labelScores(query: QueryMatches, example = -1): Float64Array {
    const labels = this.labels.length;
    const features = this.nbStart.length - 1;
    const a = NB_SMOOTHING;
    const scores = new Float64Array(labels);
    const v = query.vector;
    let mass = 0;
    for (let k = 0; k < v.ids.length; k++) mass += v.weights[k] as number;
    const own = example >= 0 ? (this.exampleLabel[example] as number) : -1;
    const ownVector = example >= 0 ? (this.vectors[example] as Vector) : undefined;
    let ownMass = 0;
    if (ownVector) for (let k = 0; k < ownVector.weights.length; k++) ownMass += ownVector.weights[k] as number;
    const { nbStart, nbLabel, nbLogWeight, nbWeight } = this;
    for (let k = 0; k < v.ids.length; k++) {
      const f = v.ids[k] as number;
      const qw = v.weights[k] as number;
      // In leave-one-out the query is the example itself: its weight of f is qw.
      const taken = ownVector ? qw : 0;
      const to = nbStart[f + 1] as number;
      for (let i = nbStart[f] as number; i < to; i++) {
        const label = nbLabel[i] as number;
        if (label !== own) {
          scores[label] = (scores[label] as number) + qw * (nbLogWeight[i] as number);
          continue;
        }
        const w = (nbWeight[i] as number) - taken;
        if (w > 1e-9) scores[label] = (scores[label] as number) + qw * Math.log(1 + w / a);
      }
    }
    for (let label = 0; label < labels; label++) {
      const total = (this.labelTotal[label] as number) - (label === own ? ownMass : 0);
      scores[label] = (scores[label] as number) - mass * Math.log(total + a * features);
    }
    return scores;
  }

  /** The label names, by the index `labelScores` uses. */
  get labelNames(): readonly string[] {
    return this.labels;
  }

}

function dotProduct(a: Vector, b: Vector): number {
  let dot = 0;
  let i = 0;
  let j = 0;
  while (i < a.ids.length && j < b.ids.length) {
    const x = a.ids[i] as number;
    const y = b.ids[j] as number;
    if (x === y) dot += (a.weights[i++] ?? 0) * (b.weights[j++] ?? 0);
    else if (x < y) i++;
    else j++;
  }
  return dot;
}


/** Computes an index's state from its examples: the costly part of training (see `QuestionIndex`). */
function buildState(examples: readonly Example[], options: FeatureOptions): QuestionIndexState {
  const n = examples.length;
  const featureIds = new HashIds(1 << 16);
  // One pass over each example's features: ids are assigned and kept with their kind
  // weights, so the vectors need no second look-up once IDF is known. Everything per example
  // goes into a few flat growing arrays (`Flat`): at 10,000 entries a typed array, a Set and
  // a Map per example were a third of training in allocation and garbage collection.
  const df: number[] = [];
  const start = new Int32Array(n + 1);
  const features = new Flat();
  // Words by id (their 32-bit hash, as features are): how many examples have each, and per
  // group how many of its examples do. The first spelling seen names the word.
  const wordIds = new HashIds(1 << 14);
  const words: string[] = [];
  const wordCount: number[] = [];
  const wordSeen: number[] = [];
  const groups = new Map<string, { size: number; counts: Map<number, number> }>();
  // Where each feature of the current example was put, and in which example it was last seen.
  const featureSeen: number[] = [];
  const featureAt: number[] = [];
  let example = 0;
  const addFeature = (key: number, kind: number) => {
    const id = featureIds.intern(key);
    if (featureSeen[id] === example) {
      const at = featureAt[id] as number;
      if (features.weightAt(at) < kind) features.setWeight(at, kind);
      return;
    }
    featureSeen[id] = example;
    featureAt[id] = features.length;
    df[id] = (df[id] ?? 0) + 1;
    features.push(id, kind);
  };
  examples.forEach((e, i) => {
    example = i;
    const folded = foldedWords(e.text);
    let group = groups.get(e.group);
    if (!group) groups.set(e.group, (group = { size: 0, counts: new Map() }));
    group.size++;
    for (const word of folded) {
      const id = wordIds.intern(wordHash(word));
      if (id === words.length) {
        words.push(word);
        wordCount.push(0);
        wordSeen.push(-1);
      }
      // Once per example, however often the word is repeated.
      if (wordSeen[id] === i) continue;
      wordSeen[id] = i;
      wordCount[id] = (wordCount[id] as number) + 1;
      group.counts.set(id, (group.counts.get(id) ?? 0) + 1);
    }
    eachFeature(folded, options, addFeature);
    start[i + 1] = features.length;
  });
  const wordExamples = new Map<string, number>();
  words.forEach((word, id) => wordExamples.set(word, wordCount[id] as number));
  const idf = Float32Array.from(df, (d) => Math.log(1 + n / d));
  // Each example's TF-IDF unit vector, in place: ids sorted, kind weights become weights.
  const kindWeights = new Float32Array(idf.length);
  const vectorIds = features.ids;
  const vectorWeights = features.weights;
  for (let e = 0; e < n; e++) unitVectorInPlace(vectorIds.subarray(start[e], start[e + 1]), vectorWeights.subarray(start[e], start[e + 1]), idf, kindWeights);

  const postStart = new Int32Array(df.length + 1);
  for (let f = 0; f < df.length; f++) postStart[f + 1] = (postStart[f] ?? 0) + (df[f] ?? 0);
  const total = postStart[df.length] ?? 0;
  const postExample = new Int32Array(total);
  const postWeight = new Float32Array(total);
  const filled = postStart.slice(0, df.length);
  for (let e = 0; e < n; e++) {
    for (let k = start[e] as number; k < (start[e + 1] as number); k++) {
      const id = vectorIds[k] as number;
      const at = filled[id] as number;
      filled[id] = at + 1;
      postExample[at] = e;
      postWeight[at] = vectorWeights[k] as number;
    }
  }

  const labels: string[] = [];
  const labelIds = new Map<string, number>();
  const exampleLabel = Int32Array.from(examples, (e) => {
    let id = labelIds.get(e.label);
    if (id === undefined) {
      labelIds.set(e.label, (id = labels.length));
      labels.push(e.label);
    }
    return id;
  });
  const buckets = new Map<string, number>();
  const bucketLabels: number[] = [];
  const bucketGroup: string[] = [];
  const exampleBucket = Int32Array.from(examples, (e, i) => {
    const key = `${e.label}\u0000${e.group}`;
    let id = buckets.get(key);
    if (id === undefined) {
      buckets.set(key, (id = buckets.size));
      bucketGroup.push(e.group);
      bucketLabels.push(exampleLabel[i] as number);
    }
    return id;
  });
  const bucketLabel = Int32Array.from(bucketLabels);

  const commonWords = new Set<string>();
  for (const { size, counts } of groups.values()) {
    for (const [word, count] of counts) if (count >= 3 && count > COMMON_WORD_SHARE * size) commonWords.add(words[word] as string);
  }
  // Naive Bayes sums: each feature's weight per label.
  const acc = new Float64Array(labels.length);
  const seenLabels: number[] = [];
  const nbStart = new Int32Array(df.length + 1);
  // At most one (feature, label) pair per posting.
  const nbLabel = new Int32Array(postExample.length);
  const nbWeight = new Float32Array(postExample.length);
  let pairs = 0;
  const labelTotal = new Float64Array(labels.length);
  for (let f = 0; f < df.length; f++) {
    const from = postStart[f] as number;
    const to = postStart[f + 1] as number;
    for (let i = from; i < to; i++) {
      const label = exampleLabel[postExample[i] as number] as number;
      if (acc[label] === 0) seenLabels.push(label);
      acc[label] = (acc[label] as number) + (postWeight[i] as number);
    }
    for (const label of seenLabels) {
      const w = acc[label] as number;
      nbLabel[pairs] = label;
      nbWeight[pairs++] = w;
      labelTotal[label] = (labelTotal[label] as number) + w;
      acc[label] = 0;
    }
    seenLabels.length = 0;
    nbStart[f + 1] = pairs;
  }
  const nbWeights = nbWeight.slice(0, pairs);
  return {
    featureIds: featureIds.state,
    idf, postStart, postExample, postWeight,
    labels, exampleLabel, exampleBucket, bucketLabel, bucketGroup,
    commonWords, wordExamples,
    nbStart, nbLabel: nbLabel.slice(0, pairs), nbWeight: nbWeights,
    nbLogWeight: nbWeights.map((w) => Math.log(1 + w / NB_SMOOTHING)),
    labelTotal,
  };
}

/**
 * The examples' vectors from the postings (feature → examples, CSR): the transpose, each
 * example's features in ascending order, as `unitVector` sorted them. Two blocks, one view each.
 */
function vectorsOf(postStart: Int32Array, postExample: Int32Array, postWeight: Float32Array, examples: number): Vector[] {
  const start = new Int32Array(examples + 1);
  for (let i = 0; i < postExample.length; i++) {
    const next = (postExample[i] as number) + 1;
    start[next] = (start[next] as number) + 1;
  }
  for (let e = 0; e < examples; e++) start[e + 1] = (start[e + 1] as number) + (start[e] as number);
  const ids = new Uint32Array(postExample.length);
  const weights = new Float32Array(postExample.length);
  const filled = start.slice(0, examples);
  for (let f = 0; f + 1 < postStart.length; f++) {
    for (let i = postStart[f] as number; i < (postStart[f + 1] as number); i++) {
      const e = postExample[i] as number;
      const at = filled[e] as number;
      filled[e] = at + 1;
      ids[at] = f;
      weights[at] = postWeight[i] as number;
    }
  }
  return Array.from({ length: examples }, (_, e) => ({ ids: ids.subarray(start[e], start[e + 1]), weights: weights.subarray(start[e], start[e + 1]) }));
}

/** The examples of each bucket, in example order. */
function membersOf(exampleBucket: Int32Array, buckets: number): number[][] {
  const members = Array.from({ length: buckets }, (): number[] => []);
  exampleBucket.forEach((bucket, e) => members[bucket]?.push(e));
  return members;
}

/**
 * An example's TF-IDF unit vector, in place: `ids` are sorted, and `weights`, given as the kind
 * weights of `ids` in their order, become the unit vector's weights (`kindWeights`: scratch).
 */
function unitVectorInPlace(ids: Uint32Array, weights: Float32Array, idf: Float32Array, kindWeights: Float32Array): void {
  const n = ids.length;
  for (let k = 0; k < n; k++) kindWeights[ids[k] as number] = weights[k] as number;
  ids.sort();
  for (let k = 0; k < n; k++) weights[k] = kindWeights[ids[k] as number] as number;
  toUnitTfIdf(ids, weights, idf);
}

/** Kind weights (in the order of `ids`) become the TF-IDF unit vector's weights, in place. */
function toUnitTfIdf(ids: Uint32Array, weights: Float32Array, idf: Float32Array): void {
  const n = ids.length;
  let norm = 0;
  for (let k = 0; k < n; k++) {
    const w = (weights[k] as number) * (idf[ids[k] as number] as number);
    weights[k] = w;
    norm += w * w;
  }
  norm = Math.sqrt(norm) || 1;
  for (let k = 0; k < n; k++) weights[k] = (weights[k] as number) / norm;
}

/** (feature id, weight) pairs of all examples, end to end, in two typed arrays that grow. */
class Flat {
  length = 0;
  private idBuffer = new Uint32Array(1 << 16);
  private weightBuffer = new Float32Array(1 << 16);

  push(id: number, weight: number): void {
    if (this.length === this.idBuffer.length) {
      const ids = new Uint32Array(this.length * 2);
      ids.set(this.idBuffer);
      this.idBuffer = ids;
      const weights = new Float32Array(this.length * 2);
      weights.set(this.weightBuffer);
      this.weightBuffer = weights;
    }
    this.idBuffer[this.length] = id;
    this.weightBuffer[this.length++] = weight;
  }

  weightAt(at: number): number {
    return this.weightBuffer[at] as number;
  }

  setWeight(at: number, weight: number): void {
    this.weightBuffer[at] = weight;
  }

  get ids(): Uint32Array {
    return this.idBuffer.subarray(0, this.length);
  }

  get weights(): Float32Array {
    return this.weightBuffer.subarray(0, this.length);
  }
}

