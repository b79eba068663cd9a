/** An entry found by meaning rather than words. */
export interface DenseHit {
  readonly entryId: string;
  /** Cosine similarity of the query to the entry's closest passage. */
  readonly similarity: number;
}

/** Semantic search over the knowledge base, available once an embedding model is loaded. */
export interface DenseRetriever {
  search(text: string, limit: number): Promise<DenseHit[]>;
  /**
   * For each text (a way of asking an entry, labelled with the entry's id, or anything else),
   * its similarity to each entry with that very text left out: what the calibration is fitted on.
   */
  leaveOneOut(texts: readonly string[], labels: readonly string[]): Promise<ReadonlyMap<string, number>[]>;
}
