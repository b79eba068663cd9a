/**
 * One row of two aligned lists: an item of both (`same`), an item of the first replaced by one
 * of the second (both indexes, not `same`), or an item only one of them has.
 */
export interface AlignedRow {
  /** Index in the first list, absent when the row only has an item of the second. */
  readonly a?: number;
  /** Index in the second list, absent when the row only has an item of the first. */
  readonly b?: number;
  readonly same: boolean;
}

/** Past this many cells the middle is not searched for common items: all of it is replaced. */
const MAX_CELLS = 4_000_000;

/**
 * Aligns two lists on their longest common subsequence, as a side-by-side diff shows them: the
 * items between two common ones are paired in order (a line or list item edited in place), the
 * rest stand alone. Common prefix and suffix come first, so a small edit of a long list costs
 * little.
 */
export function alignSequences(a: readonly string[], b: readonly string[]): AlignedRow[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const rows: AlignedRow[] = [];
  for (let i = 0; i < start; i++) rows.push({ a: i, b: i, same: true });
  const pending = { a: [] as number[], b: [] as number[] };
  const flush = () => {
    const pairs = Math.max(pending.a.length, pending.b.length);
    for (let k = 0; k < pairs; k++) {
      const row: { a?: number; b?: number; same: boolean } = { same: false };
      if (k < pending.a.length) row.a = pending.a[k];
      if (k < pending.b.length) row.b = pending.b[k];
      rows.push(row);
    }
    pending.a = [];
    pending.b = [];
  };
  for (const step of middle(a, b, start, endA, endB)) {
    if (step.a !== undefined && step.b !== undefined) {
      flush();
      rows.push({ a: step.a, b: step.b, same: true });
    } else if (step.a !== undefined) pending.a.push(step.a);
    else if (step.b !== undefined) pending.b.push(step.b);
  }
  flush();
  for (let i = endA, j = endB; i < a.length; i++, j++) rows.push({ a: i, b: j, same: true });
  return rows;
}

/** The steps through a[start, endA) and b[start, endB): common items, removals, additions. */
function* middle(a: readonly string[], b: readonly string[], start: number, endA: number, endB: number): Generator<{ a?: number; b?: number }> {
  const n = endA - start;
  const m = endB - start;
  if (n === 0 || m === 0 || n * m > MAX_CELLS) {
    for (let i = start; i < endA; i++) yield { a: i };
    for (let j = start; j < endB; j++) yield { b: j };
    return;
  }
  // lengths[i * (m + 1) + j]: the longest common subsequence of a[start + i …] and b[start + j …].
  const width = m + 1;
  const lengths = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * width + j] = a[start + i] === b[start + j] ? lengths[(i + 1) * width + j + 1]! + 1 : Math.max(lengths[(i + 1) * width + j]!, lengths[i * width + j + 1]!);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[start + i] === b[start + j]) {
      yield { a: start + i++, b: start + j++ };
    } else if (lengths[(i + 1) * width + j]! >= lengths[i * width + j + 1]!) {
      yield { a: start + i++ };
    } else {
      yield { b: start + j++ };
    }
  }
  while (i < n) yield { a: start + i++ };
  while (j < m) yield { b: start + j++ };
}
