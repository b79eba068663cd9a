import SearchableMap from 'minisearch/SearchableMap';
import { includes } from './sorted-ids.js';
import type { KnowledgeEntry } from '../knowledge/schema.js';
import { LANGUAGES, type Lang } from '../languages.js';
import { foldText, processTerm, tokenize, type TermProcessor } from './text.js';

/** One candidate entry found by keyword search in one language. */
export interface KeywordHit {
  readonly entryId: string;
  readonly lang: Lang;
  /** BM25 score: orders hits, not comparable across queries. */
  readonly score: number;
  /**
   * Share of the query's information (IDF-weighted terms) that the entry's questions and
   * variants contain, 0–1: comparable across queries, so it can decide whether to answer.
   */
  readonly coverage: number;
}

/** One entry in one language: its distinct terms (as sorted term ids), split by where they occur. */
interface IndexedDoc {
  readonly entryId: string;
  /** Terms of the question, variants and tags: what people ask. Searched. */
  readonly asked: Uint32Array;
  /** Terms of the canonical question: they weigh more (`QUESTION_BOOST`). */
  readonly question: Uint32Array;
  /** Terms only in the answer: not searched, but they count toward coverage. */
  readonly answerOnly: Uint32Array;
}

// BM25 with binary term frequency (each distinct term once per document: in texts this short,
// repetition says little), so a posting is just a document slot.
const K1 = 1.2;
const B = 0.75;
/** Weight of a term of the canonical question against one only in variants or tags. */
const QUESTION_BOOST = 1.5;
/** Score factor of a vocabulary term reached by one typo or as the longer form of a query word. */
const TYPO_FACTOR = 0.5;
const INFLECTION_FACTOR = 0.6;
/** Longer forms considered for one unknown query word. */
const MAX_INFLECTIONS = 24;
/** Weight, in coverage, of a query term found only in an entry's answer. */
const ANSWER_ONLY_WEIGHT = 0.4;
/** Weight, in coverage, of a query term matched by a typo or an inflection rather than exactly. */
const APPROXIMATE_WEIGHT = 0.7;
/**
 * A term in more documents than this (and than 2% of them) adds to the scores of documents
 * rarer terms found but does not bring in new ones: on a large knowledge base, walking its long
 * postings would cost most of the query and change little (its IDF is low).
 */
const COMMON_TERM_MIN_DOCS = 50;
const COMMON_TERM_SHARE = 0.02;
/** Distinct query terms considered (a bit mask tracks which ones a document matched). */
const MAX_QUERY_TERMS = 31;
/** Processed words remembered per language; bounded so odd user input cannot grow it forever. */
const TERM_CACHE_LIMIT = 200_000;

interface Expansion {
  /** Index of the query term this vocabulary term stands for. */
  readonly queryTerm: number;
  readonly termId: number;
  readonly factor: number;
}

/** A language index's contents (see `LanguageIndex.state`). */
interface LanguageIndexState {
  readonly termIds: Map<string, number>;
  readonly termById: string[];
  readonly vocabulary: SearchableMap<number>['_tree'];
  readonly postings: number[][];
  readonly documentFrequency: number[];
  readonly docs: (IndexedDoc | undefined)[];
  readonly slotOf: Map<string, number>;
  readonly freeSlots: number[];
  readonly spellings: SearchableMap<number>['_tree'];
  readonly totalAskedLength: number;
}

/** What a keyword index holds, by language, as the engine cache stores it (see `KeywordIndex.state`). */
export interface KeywordIndexState {
  readonly languages: readonly (readonly [Lang, LanguageIndexState])[];
}

/**
 * One language's index: an inverted index over the entries' `asked` terms, with MiniSearch's
 * radix tree (SearchableMap) as the vocabulary for typo and prefix lookups. Written for this
 * job rather than using MiniSearch's full search: see DESIGN.md for the measurements.
 */
class LanguageIndex {
  /** Every term seen (asked or answered) and its id, both ways. */
  private readonly termIds: Map<string, number>;
  private readonly termById: string[];
  /** Searchable terms (those in some entry's `asked`), for typo and prefix lookups. */
  private readonly vocabulary: SearchableMap<number>;
  /**
   * By term id: the documents whose `asked` terms include it, each as `slot << 1 | inQuestion`
   * so scoring needs no second look-up for the question boost.
   */
  private readonly postings: number[][];
  /** By term id: in how many documents the term occurs (asked or answered), for IDF. */
  private readonly documentFrequency: number[];
  private readonly docs: (IndexedDoc | undefined)[];
  private readonly slotOf: Map<string, number>;
  private readonly freeSlots: number[];
  private readonly termCache = new Map<string, { term: string | null; spelling: string }>();
  /**
   * Folded but unstemmed spellings of asked words and their term ids: typos are looked up here,
   * since a stemmer maps a misspelled word to a stem far from the right one.
   */
  private readonly spellings: SearchableMap<number>;
  private totalAskedLength: number;
  // Per-query scratch space, reused: scores and matched-term masks by slot.
  private scores = new Float64Array(64);
  private matched = new Uint32Array(64);
  /** BM25 length normalisation by slot; recomputed on the first query after a change. */
  private lengthNorms = new Float64Array(0);
  private lengthNormsStale = true;

  /** An empty index; or, with `state` (what `state` gave), that index again: it is taken over, not copied. */
  constructor(
    readonly lang: Lang,
    private readonly processTerm: TermProcessor,
    state?: LanguageIndexState,
  ) {
    this.termIds = state?.termIds ?? new Map();
    this.termById = state?.termById ?? [];
    this.vocabulary = new SearchableMap(state?.vocabulary);
    this.postings = state?.postings ?? [];
    this.documentFrequency = state?.documentFrequency ?? [];
    this.docs = state?.docs ?? [];
    this.slotOf = state?.slotOf ?? new Map();
    this.freeSlots = state?.freeSlots ?? [];
    this.spellings = new SearchableMap(state?.spellings);
    this.totalAskedLength = state?.totalAskedLength ?? 0;
  }

  /**
   * What the index holds, for the engine cache: its own maps and arrays, not copies, so it must
   * be serialised before the index changes again. The radix trees keep their insertion order, so
   * typo and prefix look-ups find the same terms in the same order.
   */
  get state(): LanguageIndexState {
    const { termIds, termById, postings, documentFrequency, docs, slotOf, freeSlots, totalAskedLength } = this;
    return { termIds, termById, vocabulary: this.vocabulary._tree, postings, documentFrequency, docs, slotOf, freeSlots, spellings: this.spellings._tree, totalAskedLength };
  }

  get size(): number {
    return this.slotOf.size;
  }

  /** A word's search term (stemmed, folded) and spelling (folded only); the stemmer is the costly part: cached. */
  private analyse(word: string): { term: string | null; spelling: string } {
    let analysed = this.termCache.get(word);
    if (analysed === undefined) {
      analysed = { term: this.processTerm(word, this.lang), spelling: foldText(word) };
      if (this.termCache.size >= TERM_CACHE_LIMIT) this.termCache.clear();
      this.termCache.set(word, analysed);
    }
    return analysed;
  }

  /** Search terms of a text in this language, in order. */
  terms(text: string): string[] {
    const terms: string[] = [];
    for (const word of tokenize(text)) {
      const { term } = this.analyse(word);
      if (term) terms.push(term);
    }
    return terms;
  }

  /** Remembers how the words of an asked text are spelled, for typo look-ups. */
  private addSpellings(text: string): void {
    for (const word of tokenize(text)) {
      const { term, spelling } = this.analyse(word);
      if (term) this.spellings.set(spelling, this.idOf(term));
    }
  }

  private idOf(term: string): number {
    let id = this.termIds.get(term);
    if (id === undefined) {
      id = this.postings.length;
      this.termIds.set(term, id);
      this.termById.push(term);
      this.postings.push([]);
      this.documentFrequency.push(0);
    }
    return id;
  }

  add(entry: KnowledgeEntry): void {
    const t = entry.languages[this.lang];
    const questionTerms = new Set(this.terms(t.question));
    const askedTerms = new Set([
      ...questionTerms,
      ...t.variants.flatMap((v) => this.terms(v)),
      // Tags are English keywords: in other languages they would pass English for that language.
      ...(this.lang === 'en' ? this.terms(entry.tags.join(' ').replace(/-/g, ' ')) : []),
    ]);
    const answerOnlyTerms = new Set(this.terms(t.answer).filter((term) => !askedTerms.has(term)));
    for (const text of [t.question, ...t.variants]) this.addSpellings(text);
    const slot = this.freeSlots.pop() ?? this.docs.length;
    const asked = Uint32Array.from(askedTerms, (term) => this.idOf(term)).sort();
    const answerOnly = Uint32Array.from(answerOnlyTerms, (term) => this.idOf(term)).sort();
    const question = Uint32Array.from(questionTerms, (term) => this.idOf(term)).sort();
    this.docs[slot] = { entryId: entry.id, asked, question, answerOnly };
    this.slotOf.set(entry.id, slot);
    this.totalAskedLength += asked.length;
    this.lengthNormsStale = true;
    for (const term of askedTerms) {
      const id = this.idOf(term);
      if ((this.postings[id] as number[]).push((slot << 1) | (questionTerms.has(term) ? 1 : 0)) === 1) this.vocabulary.set(term, id);
    }
    for (const id of asked) this.documentFrequency[id] = (this.documentFrequency[id] ?? 0) + 1;
    for (const id of answerOnly) this.documentFrequency[id] = (this.documentFrequency[id] ?? 0) + 1;
  }

  remove(entryId: string): void {
    const slot = this.slotOf.get(entryId);
    const doc = slot === undefined ? undefined : this.docs[slot];
    if (slot === undefined || !doc) return;
    for (const id of doc.asked) {
      const remaining = (this.postings[id] ?? []).filter((posting) => posting >> 1 !== slot);
      this.postings[id] = remaining;
      if (remaining.length === 0) this.vocabulary.delete(this.termById[id] ?? '');
    }
    for (const id of doc.asked) this.documentFrequency[id] = (this.documentFrequency[id] ?? 1) - 1;
    for (const id of doc.answerOnly) this.documentFrequency[id] = (this.documentFrequency[id] ?? 1) - 1;
    this.totalAskedLength -= doc.asked.length;
    this.lengthNormsStale = true;
    this.docs[slot] = undefined;
    this.slotOf.delete(entryId);
    this.freeSlots.push(slot);
  }

  private df(term: string): number {
    const id = this.termIds.get(term);
    return id === undefined ? 0 : (this.documentFrequency[id] ?? 0);
  }

  /** Inverse document frequency; a term the language has never seen weighs most. */
  private idf(df: number): number {
    return Math.log(1 + this.size / (df + 0.5));
  }

  /** IDF-weighted share of the query's terms this language's knowledge contains at all. */
  vocabularyCoverage(text: string): number {
    let total = 0;
    let known = 0;
    for (const term of new Set(this.terms(text))) {
      const df = this.df(term);
      const w = this.idf(df);
      total += w;
      if (df > 0) known += w;
    }
    return total === 0 ? 0 : known / total;
  }

  query(text: string, limit: number, approximate: boolean): KeywordHit[] {
    const spellingOf = new Map<string, string>();
    for (const word of tokenize(text)) {
      const { term, spelling } = this.analyse(word);
      if (term && !spellingOf.has(term)) spellingOf.set(term, spelling);
    }
    const queryTerms = [...spellingOf.keys()].slice(0, MAX_QUERY_TERMS);
    if (queryTerms.length === 0 || this.size === 0) return [];
    const expansions = queryTerms.flatMap((term, i) => this.expand(term, spellingOf.get(term) ?? term, i, approximate));
    const postingsOf = (e: Expansion): readonly number[] => this.postings[e.termId] ?? [];
    // Rarest first: they pick the candidates; common terms then only add to those.
    expansions.sort((a, b) => postingsOf(a).length - postingsOf(b).length);

    if (this.scores.length < this.docs.length) {
      this.scores = new Float64Array(this.docs.length * 2);
      this.matched = new Uint32Array(this.docs.length * 2);
    }
    const { scores, matched } = this;
    const norms = this.currentLengthNorms();
    const touched: number[] = [];
    const common = Math.max(COMMON_TERM_MIN_DOCS, this.size * COMMON_TERM_SHARE);

    for (const e of expansions) {
      const postings = postingsOf(e);
      const weight = this.idf(this.documentFrequency[e.termId] ?? 0) * (K1 + 1) * e.factor;
      const bit = 1 << e.queryTerm;
      const onlyFound = postings.length > common && touched.length > 0;
      if (onlyFound && postings.length > touched.length) {
        // Fewer documents found than the term has: look the term up in each of them.
        for (const slot of touched) {
          const doc = this.docs[slot];
          if (!includes(doc?.asked, e.termId)) continue;
          const boost = includes(doc?.question, e.termId) ? QUESTION_BOOST : 1;
          scores[slot] = (scores[slot] ?? 0) + (weight * boost) / (norms[slot] ?? 1);
          matched[slot] = (matched[slot] ?? 0) | bit;
        }
        continue;
      }
      for (const posting of postings) {
        const slot = posting >> 1;
        if (matched[slot] === 0) {
          if (onlyFound) continue;
          touched.push(slot);
        }
        const boost = posting & 1 ? QUESTION_BOOST : 1;
        scores[slot] = (scores[slot] ?? 0) + (weight * boost) / (norms[slot] ?? 1);
        matched[slot] = (matched[slot] ?? 0) | bit;
      }
    }

    const best = topSlots(touched, scores, limit);
    const ids = queryTerms.map((term) => this.termIds.get(term));
    const weights = ids.map((id) => this.idf(id === undefined ? 0 : (this.documentFrequency[id] ?? 0)));
    const hits = best.map((slot) => {
      const doc = this.docs[slot] as IndexedDoc;
      return { entryId: doc.entryId, lang: this.lang, score: scores[slot] ?? 0, coverage: coverage(ids, weights, matched[slot] ?? 0, doc) };
    });
    for (const slot of touched) {
      scores[slot] = 0;
      matched[slot] = 0;
    }
    return hits;
  }

  private currentLengthNorms(): Float64Array {
    if (this.lengthNormsStale) {
      const avgLength = this.totalAskedLength / Math.max(1, this.size);
      this.lengthNorms = new Float64Array(this.docs.length);
      this.docs.forEach((doc, slot) => {
        if (doc) this.lengthNorms[slot] = 1 + K1 * (1 - B + (B * doc.asked.length) / avgLength);
      });
      this.lengthNormsStale = false;
    }
    return this.lengthNorms;
  }

  /**
   * The vocabulary terms a query term stands for: itself when known; otherwise the terms of
   * asked words spelled one typo away (five letters or more) and the longer terms it begins
   * (four or more: fa, ps, ur and ku have no stemmer, so "کشور" must find "کشورم").
   */
  private expand(term: string, spelling: string, queryTerm: number, approximate: boolean): Expansion[] {
    const searchable = (id: number | undefined): id is number => id !== undefined && (this.postings[id]?.length ?? 0) > 0;
    const exact = this.termIds.get(term);
    if (searchable(exact)) return [{ queryTerm, termId: exact, factor: 1 }];
    if (!approximate) return [];
    const found = new Map<number, Expansion>();
    if (spelling.length >= 5) {
      for (const [termId] of this.spellings.fuzzyGet(spelling, 1).values()) {
        if (searchable(termId)) found.set(termId, { queryTerm, termId, factor: TYPO_FACTOR });
      }
    }
    if (term.length >= 4) {
      let n = 0;
      for (const termId of this.vocabulary.atPrefix(term).values()) {
        if (n++ >= MAX_INFLECTIONS) break;
        if (!found.has(termId)) found.set(termId, { queryTerm, termId, factor: INFLECTION_FACTOR });
      }
    }
    return [...found.values()];
  }
}

/**
 * IDF-weighted share of the query terms (`ids`, with their `weights`) the entry contains: fully
 * in what it is asked by, partly in its answer or through a typo or inflection (`matchedMask`).
 */
function coverage(ids: readonly (number | undefined)[], weights: readonly number[], matchedMask: number, doc: IndexedDoc): number {
  let total = 0;
  let found = 0;
  ids.forEach((id, i) => {
    const w = weights[i] ?? 0;
    total += w;
    if (id !== undefined && includes(doc.asked, id)) found += w;
    else if (id !== undefined && includes(doc.answerOnly, id)) found += w * ANSWER_ONLY_WEIGHT;
    else if (matchedMask & (1 << i)) found += w * APPROXIMATE_WEIGHT;
  });
  return total === 0 ? 0 : found / total;
}


/** The `limit` best-scoring slots, best first, without sorting every candidate. */
function topSlots(candidates: readonly number[], scores: Float64Array, limit: number): number[] {
  const top: number[] = [];
  for (const slot of candidates) {
    const score = scores[slot] ?? 0;
    if (top.length === limit && score <= (scores[top[top.length - 1] as number] ?? 0)) continue;
    let i = top.length;
    while (i > 0 && (scores[top[i - 1] as number] ?? 0) < score) i--;
    top.splice(i, 0, slot);
    if (top.length > limit) top.pop();
  }
  return top;
}

/** How the keyword index reads text: it knows no language itself. */
export interface KeywordIndexOptions {
  /** A word's search term in a language, or null to drop it. Default: `processTerm`, made from the table of language facts. */
  processTerm: TermProcessor;
}

export const defaultKeywordIndexOptions: KeywordIndexOptions = {
  processTerm,
};

/**
 * Multilingual keyword search over the knowledge base: one index per language, so each
 * language gets its own stemming and a search in one language does not pay for the others.
 */
export class KeywordIndex {
  private readonly byLang: ReadonlyMap<Lang, LanguageIndex>;

  private constructor(options: KeywordIndexOptions, state?: KeywordIndexState) {
    const saved = new Map(state?.languages);
    this.byLang = new Map(LANGUAGES.map((lang) => [lang, new LanguageIndex(lang, options.processTerm, saved.get(lang))]));
  }

  static build(entries: Iterable<KnowledgeEntry>, options: Partial<KeywordIndexOptions> = {}): KeywordIndex {
    const index = new KeywordIndex({ ...defaultKeywordIndexOptions, ...options });
    for (const entry of entries) index.upsert(entry);
    return index;
  }

  /**
   * The index `state` was taken from, without reading an entry again: it searches exactly as
   * that one did, and takes changes as it would have. `state` is taken over (it must not be
   * shared with another index); `options` must be those it was built with.
   */
  static restore(state: KeywordIndexState, options: Partial<KeywordIndexOptions> = {}): KeywordIndex {
    const missing = LANGUAGES.filter((lang) => !state.languages.some(([l]) => l === lang));
    if (missing.length > 0) throw new Error(`keyword index state without ${missing.join(', ')}`);
    return new KeywordIndex({ ...defaultKeywordIndexOptions, ...options }, state);
  }

  /** What the index holds now (its own structures, not copies: serialise before it changes). */
  get state(): KeywordIndexState {
    return { languages: [...this.byLang].map(([lang, index]) => [lang, index.state] as const) };
  }

  /** Adds an entry, or replaces the indexed version of it. */
  upsert(entry: KnowledgeEntry): void {
    for (const index of this.byLang.values()) {
      index.remove(entry.id);
      index.add(entry);
    }
  }

  remove(entryId: string): void {
    for (const index of this.byLang.values()) index.remove(entryId);
  }

  get size(): number {
    return this.language('en').size;
  }

  /**
   * Best hits for `text` read as language `lang`, most relevant first. `approximate: false`
   * matches known words exactly (no typo or inflection look-ups, the costly part), for a search
   * that is only a fallback.
   */
  search(text: string, lang: Lang, options: { limit?: number; approximate?: boolean } = {}): KeywordHit[] {
    return this.language(lang).query(text, options.limit ?? 10, options.approximate ?? true);
  }

  /** How much of `text`, read as `lang`, is vocabulary the knowledge base has in that language. */
  vocabularyCoverage(text: string, lang: Lang): number {
    return this.language(lang).vocabularyCoverage(text);
  }

  private language(lang: Lang): LanguageIndex {
    const index = this.byLang.get(lang);
    if (!index) throw new Error(`no index for ${lang}`);
    return index;
  }
}
