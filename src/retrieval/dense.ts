/** An entry found by meaning rather than words. */
export interface DenseHit {
  readonly entryId: string;
  /** Cosine similarity of the query to the entry's closest passage. */
  readonly similarity: number;
}

/** Semantic search over the knowledge base, available once an embedding model is loaded. */
export interface DenseRetriever {
  search(text: string, limit: number): Promise<DenseHit[]>;
}
