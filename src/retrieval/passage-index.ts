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
    return new PassageIndex(embedder, entryIds, vectors, dimensions);
  }

  get size(): number {
    return this.entryIds.length;
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
