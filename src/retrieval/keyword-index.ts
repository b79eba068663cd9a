import MiniSearch, { type SearchOptions } from 'minisearch';
import type { KnowledgeEntry } from '../knowledge/schema.js';
import { LANGUAGES, type Lang } from '../languages.js';
import { processTerm, termsOf, tokenize } from './text.js';

/** One candidate entry found by keyword search in one language. */
export interface KeywordHit {
  readonly entryId: string;
  readonly lang: Lang;
  /** BM25+ score from MiniSearch: orders hits, not comparable across queries. */
  readonly score: number;
  /**
   * Share of the query's information (IDF-weighted terms) that the entry's questions and
   * variants contain, 0–1: comparable across queries, so it can decide whether to answer.
   */
  readonly coverage: number;
}

interface IndexedDoc {
  id: string;
  question: string;
  variants: string;
  answer: string;
  tags: string;
}

/** Terms of one entry in one language, kept to weigh matches and to update document frequencies. */
interface DocTerms {
  /** Terms of the question, variants and tags: what people ask. */
  readonly asked: ReadonlySet<string>;
  /** Terms of the answer only. */
  readonly answered: ReadonlySet<string>;
}

const SEARCH_OPTIONS: SearchOptions = {
  boost: { question: 2, variants: 1.5, tags: 1, answer: 0.3 },
  // Typos and inflections: one edit in words of five letters or more, prefixes from four.
  fuzzy: (term) => (term.length >= 5 ? 0.2 : false),
  prefix: (term) => term.length >= 4,
  weights: { fuzzy: 0.5, prefix: 0.6 },
  combineWith: 'OR',
};

/** Weight of a query term found only in an entry's answer, relative to one found in its questions. */
const ANSWER_ONLY_WEIGHT = 0.4;
/** Weight of a query term matched by prefix or typo tolerance rather than exactly. */
const APPROXIMATE_WEIGHT = 0.7;

/** One language's index: MiniSearch over the entries' text in that language. */
class LanguageIndex {
  private readonly search: MiniSearch<IndexedDoc>;
  private readonly docs = new Map<string, DocTerms>();
  /** In how many entries each term occurs (questions, variants, tags and answer). */
  private readonly documentFrequency = new Map<string, number>();

  constructor(readonly lang: Lang) {
    this.search = new MiniSearch<IndexedDoc>({
      fields: ['question', 'variants', 'answer', 'tags'],
      tokenize: (text) => tokenize(text, lang),
      processTerm: (term) => processTerm(term, lang),
      searchOptions: SEARCH_OPTIONS,
    });
  }

  get size(): number {
    return this.docs.size;
  }

  add(entry: KnowledgeEntry): void {
    const t = entry.languages[this.lang];
    const doc: IndexedDoc = {
      id: entry.id,
      question: t.question,
      variants: t.variants.join('\n'),
      answer: t.answer,
      tags: entry.tags.join(' ').replace(/-/g, ' '),
    };
    const asked = new Set(termsOf(`${doc.question}\n${doc.variants}\n${doc.tags}`, this.lang));
    const answered = new Set(termsOf(doc.answer, this.lang));
    this.docs.set(entry.id, { asked, answered });
    for (const term of new Set([...asked, ...answered])) {
      this.documentFrequency.set(term, (this.documentFrequency.get(term) ?? 0) + 1);
    }
    this.search.add(doc);
  }

  remove(entryId: string): void {
    const terms = this.docs.get(entryId);
    if (!terms) return;
    for (const term of new Set([...terms.asked, ...terms.answered])) {
      const df = (this.documentFrequency.get(term) ?? 1) - 1;
      if (df > 0) this.documentFrequency.set(term, df);
      else this.documentFrequency.delete(term);
    }
    this.docs.delete(entryId);
    this.search.discard(entryId);
  }

  /** Inverse document frequency; a term the language has never seen weighs most. */
  idf(term: string): number {
    return Math.log(1 + this.docs.size / ((this.documentFrequency.get(term) ?? 0) + 0.5));
  }

  /** IDF-weighted share of the query's terms this language's knowledge contains at all. */
  vocabularyCoverage(queryTerms: readonly string[]): number {
    let total = 0;
    let known = 0;
    for (const term of queryTerms) {
      const w = this.idf(term);
      total += w;
      if (this.documentFrequency.has(term)) known += w;
    }
    return total === 0 ? 0 : known / total;
  }

  query(text: string, limit: number): KeywordHit[] {
    const queryTerms = [...new Set(termsOf(text, this.lang))];
    if (queryTerms.length === 0) return [];
    const results = this.search.search(text);
    const hits: KeywordHit[] = [];
    for (const r of results.slice(0, limit)) {
      const id = String(r.id);
      hits.push({ entryId: id, lang: this.lang, score: r.score, coverage: this.coverage(queryTerms, r.queryTerms, id) });
    }
    return hits;
  }

  private coverage(queryTerms: readonly string[], matched: readonly string[], entryId: string): number {
    const doc = this.docs.get(entryId);
    if (!doc) return 0;
    const matchedSet = new Set(matched);
    let total = 0;
    let found = 0;
    for (const term of queryTerms) {
      const w = this.idf(term);
      total += w;
      if (doc.asked.has(term)) found += w;
      else if (doc.answered.has(term)) found += w * ANSWER_ONLY_WEIGHT;
      else if (matchedSet.has(term)) found += w * APPROXIMATE_WEIGHT;
    }
    return total === 0 ? 0 : found / total;
  }
}

/**
 * Multilingual keyword search over the knowledge base: one MiniSearch index per language, so
 * each language gets its own stemming and a search in one language does not pay for the others.
 */
export class KeywordIndex {
  private readonly byLang: ReadonlyMap<Lang, LanguageIndex>;

  private constructor() {
    this.byLang = new Map(LANGUAGES.map((lang) => [lang, new LanguageIndex(lang)]));
  }

  static build(entries: Iterable<KnowledgeEntry>): KeywordIndex {
    const index = new KeywordIndex();
    for (const entry of entries) index.upsert(entry);
    return index;
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

  /** Best hits for `text` read as language `lang`, most relevant first. */
  search(text: string, lang: Lang, limit = 10): KeywordHit[] {
    return this.language(lang).query(text, limit);
  }

  /** How much of `text`, read as `lang`, is vocabulary the knowledge base has in that language. */
  vocabularyCoverage(text: string, lang: Lang): number {
    return this.language(lang).vocabularyCoverage([...new Set(termsOf(text, lang))]);
  }

  private language(lang: Lang): LanguageIndex {
    const index = this.byLang.get(lang);
    if (!index) throw new Error(`no index for ${lang}`);
    return index;
  }
}
