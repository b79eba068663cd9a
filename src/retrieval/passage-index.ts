import type { KnowledgeEntry } from '../knowledge/schema.js';
import { LANGUAGES } from '../languages.js';
import type { DenseHit, DenseRetriever } from './dense.js';
import type { Embedder } from './embedder.js';
import { embedPassagesCached, type EmbeddingCache } from './embedding-cache.js';

/**
 * Dense retrieval over the knowledge base: every question and variant, in every language, is a
 * passage; an entry's similarity to a query is that of its closest passage. Multilingual models
 * put a Pashto question near the English variant that means the same.
 */
export class PassageIndex implements DenseRetriever {
  private constructor(
    private readonly embedder: Embedder,
    private readonly entryIds: readonly string[],
    private readonly texts: readonly string[],
    /** Row-major matrix, one unit vector per passage. */
    private readonly vectors: Float32Array,
    private readonly dimensions: number,
  ) {}

  /** Embeds the passages (only those the cache lacks) and builds the index. */
  static async build(embedder: Embedder, cache: EmbeddingCache, entries: Iterable<KnowledgeEntry>): Promise<PassageIndex> {
    const texts: string[] = [];
    const entryIds: string[] = [];
    for (const entry of entries) {
      for (const lang of LANGUAGES) {
        const t = entry.languages[lang];
        for (const text of [t.question, ...t.variants]) {
          texts.push(text);
          entryIds.push(entry.id);
        }
      }
    }
    const embedded = await embedPassagesCached(embedder, cache, texts);
    const dimensions = embedder.dimensions;
    const vectors = new Float32Array(embedded.length * dimensions);
    embedded.forEach((v, i) => vectors.set(v, i * dimensions));
    return new PassageIndex(embedder, entryIds, texts, vectors, dimensions);
  }

  get size(): number {
    return this.entryIds.length;
  }

  /** Passages of each text, so a way of asking the index holds can be left out of its own comparison. */
  private passagesByText: Map<string, number[]> | undefined;

  async leaveOneOut(texts: readonly string[], labels: readonly string[]): Promise<ReadonlyMap<string, number>[]> {
    if (!this.passagesByText) {
      this.passagesByText = new Map();
      this.texts.forEach((text, p) => this.passagesByText?.set(text, [...(this.passagesByText.get(text) ?? []), p]));
    }
    const d = this.dimensions;
    // Texts the index holds use their passage vector; others (romanised, out of scope, small talk) are embedded.
    const missing = [...new Set(texts.filter((t) => !this.passagesByText?.has(t)))];
    const embedded = new Map<string, Float32Array>();
    const vectors = missing.length > 0 ? await this.embedder.embed(missing, 'query') : [];
    missing.forEach((text, i) => embedded.set(text, Float32Array.from(vectors[i] ?? [])));
    return texts.map((text, i) => {
      const own = this.passagesByText?.get(text);
      const query = own?.[0] !== undefined ? this.vectors.subarray(own[0] * d, own[0] * d + d) : (embedded.get(text) as Float32Array);
      const left = new Set(own ?? []);
      const best = new Map<string, number>();
      for (let p = 0; p < this.entryIds.length; p++) {
        if (left.has(p)) continue;
        let dot = 0;
        const offset = p * d;
        for (let k = 0; k < d; k++) dot += (query[k] ?? 0) * (this.vectors[offset + k] ?? 0);
        const id = this.entryIds[p] as string;
        if (dot > (best.get(id) ?? -Infinity)) best.set(id, dot);
      }
      void labels[i];
      return best;
    });
  }

  async search(text: string, limit: number): Promise<DenseHit[]> {
    const [query] = await this.embedder.embed([text], 'query');
    if (!query) return [];
    const best = new Map<string, number>();
    const d = this.dimensions;
    for (let p = 0; p < this.entryIds.length; p++) {
      let dot = 0;
      const offset = p * d;
      for (let i = 0; i < d; i++) dot += (query[i] ?? 0) * (this.vectors[offset + i] ?? 0);
      const id = this.entryIds[p] as string;
      if (dot > (best.get(id) ?? -Infinity)) best.set(id, dot);
    }
    return [...best]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([entryId, similarity]) => ({ entryId, similarity }));
  }
}
