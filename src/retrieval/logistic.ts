/**
 * Binary logistic regression on a few dense features, fitted by Newton's method (IRLS) with an
 * L2 penalty: exact in a dozen iterations for the handful of features the calibration uses, and
 * no learning rate to tune. The output is a probability, so it can be checked against outcomes.
 */
export interface LogisticModel {
  /** Weights, one per feature, then the intercept last. */
  readonly weights: readonly number[];
}

export function predict(model: LogisticModel, x: readonly number[]): number {
  const w = model.weights;
  let z = w[w.length - 1] ?? 0;
  for (let i = 0; i < x.length; i++) z += (w[i] ?? 0) * (x[i] ?? 0);
  return 1 / (1 + Math.exp(-z));
}

/**
 * Fits P(y = 1 | x). `rows` are feature vectors of equal length, `labels` 0 or 1, `weights` how
 * much each row counts (default 1). `l2` keeps weights finite when a feature separates the
 * classes perfectly.
 */
export interface FitOptions {
  l2?: number;
  iterations?: number;
  /** How much each row counts (default 1). */
  weights?: readonly number[];
  /**
   * Per feature: +1 if its weight must not be negative, −1 if it must not be positive, 0 free.
   * A feature whose fitted weight breaks its sign is left out and the rest refitted: a
   * similarity that grows must never make an answer less likely, even where the training data
   * never went (an exact match is never seen when each example is left out of its own match).
   */
  signs?: readonly number[];
}

export function fitLogistic(rows: readonly (readonly number[])[], labels: readonly number[], options: FitOptions = {}): LogisticModel {
  const d = (rows[0]?.length ?? 0) + 1;
  // Rows flattened with the intercept's 1 last: the loops below run over one typed array.
  const x = new Float64Array(rows.length * d);
  rows.forEach((row, r) => {
    x.set(row, r * d);
    x[r * d + d - 1] = 1;
  });
  const used = Array.from({ length: d }, () => true);
  let start = new Float64Array(d);
  for (;;) {
    const w = fitUnconstrained(x, d, labels, used, start, options);
    // Signs are the features'; the intercept (last) is always free.
    const broken = (options.signs ?? []).findIndex((sign, j) => j < d - 1 && used[j] && sign * (w[j] ?? 0) < 0);
    if (broken < 0) return { weights: [...w] };
    used[broken] = false;
    w[broken] = 0;
    start = w;
  }
}

/** Newton's method from `start`, with the features not `used` held at 0. */
function fitUnconstrained(x: Float64Array, d: number, labels: readonly number[], used: readonly boolean[], start: Float64Array, options: FitOptions): Float64Array<ArrayBuffer> {
  const l2 = options.l2 ?? 1e-4;
  const n = labels.length;
  const w = Float64Array.from(start);
  const gradient = new Float64Array(d);
  const hessian = Array.from({ length: d }, () => new Float64Array(d));
  for (let iter = 0; iter < (options.iterations ?? 25); iter++) {
    gradient.fill(0);
    for (const row of hessian) row.fill(0);
    for (let r = 0; r < n; r++) {
      const o = r * d;
      let z = 0;
      for (let j = 0; j < d; j++) z += (w[j] as number) * (x[o + j] as number);
      const p = 1 / (1 + Math.exp(-z));
      const weight = options.weights?.[r] ?? 1;
      const err = weight * (p - (labels[r] ?? 0));
      const s = weight * Math.max(p * (1 - p), 1e-9);
      for (let j = 0; j < d; j++) {
        const xj = x[o + j] as number;
        if (xj === 0) continue;
        gradient[j] = (gradient[j] as number) + err * xj;
        const hj = hessian[j] as Float64Array;
        const sxj = s * xj;
        for (let k = 0; k <= j; k++) hj[k] = (hj[k] as number) + sxj * (x[o + k] as number);
      }
    }
    for (let j = 0; j < d; j++) {
      const row = hessian[j] as Float64Array;
      for (let k = 0; k < j; k++) (hessian[k] as Float64Array)[j] = row[k] ?? 0;
      if (!used[j]) {
        // A feature left out: its row and column are the identity, its step 0.
        for (let k = 0; k < d; k++) {
          row[k] = 0;
          (hessian[k] as Float64Array)[j] = 0;
        }
        row[j] = 1;
        gradient[j] = 0;
      } else if (j < d - 1) {
        // The intercept is not penalised.
        row[j] = (row[j] as number) + l2 * n;
        gradient[j] = (gradient[j] as number) + l2 * n * (w[j] as number);
      }
    }
    const step = solve(hessian, gradient);
    let change = 0;
    for (let j = 0; j < d; j++) {
      w[j] = (w[j] as number) - (step[j] ?? 0);
      change = Math.max(change, Math.abs(step[j] ?? 0));
    }
    if (change < 1e-6) break;
  }
  return w;
}

/** Solves A x = b for a small symmetric positive definite A (Gaussian elimination with pivoting). */
function solve(a: Float64Array[], b: Float64Array): Float64Array {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] ?? 0]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]?.[col] ?? 0) > Math.abs(m[pivot]?.[col] ?? 0)) pivot = r;
    [m[col], m[pivot]] = [m[pivot] as number[], m[col] as number[]];
    const p = m[col]?.[col] ?? 0;
    if (Math.abs(p) < 1e-12) continue;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = (m[r]?.[col] ?? 0) / p;
      if (f === 0) continue;
      for (let k = col; k <= n; k++) (m[r] as number[])[k] = (m[r]?.[k] ?? 0) - f * (m[col]?.[k] ?? 0);
    }
  }
  return Float64Array.from({ length: n }, (_, i) => {
    const p = m[i]?.[i] ?? 0;
    return Math.abs(p) < 1e-12 ? 0 : (m[i]?.[n] ?? 0) / p;
  });
}
