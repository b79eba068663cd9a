/** Constant of reciprocal rank fusion; 60 is the value of the original paper and works broadly. */
const RRF_K = 60;

/** Reciprocal rank fusion: ids ordered by the sum of 1/(k + rank) over the rankings they appear in. */
export function fuseRankings(rankings: readonly (readonly string[])[], k = RRF_K): string[] {
  const scores = new Map<string, number>();
  for (const ranking of rankings) {
    ranking.forEach((id, rank) => scores.set(id, (scores.get(id) ?? 0) + 1 / (k + rank + 1)));
  }
  return [...scores].sort((a, b) => b[1] - a[1]).map(([id]) => id);
}
