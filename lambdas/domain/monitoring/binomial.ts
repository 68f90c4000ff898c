/**
 * Binomial probabilities in log space, accurate for any n a counter can reach (tested to 1e6): no factorials,
 * no powers that overflow or underflow. The point mass uses Loader's saddle-point expansion ("Fast and accurate
 * computation of binomial probabilities", 2000; the algorithm behind R's dbinom), whose relative error stays near
 * machine precision where lgamma differences would cancel catastrophically for large n.
 */

const LN_2PI = Math.log(2 * Math.PI);

/** ln(k!) for k ≤ 15 from exact double factorials (15! < 2^53), used where the Stirling series is too coarse. */
const LN_FACTORIAL_SMALL: readonly number[] = (() => {
  const values = [0];
  let factorial = 1;
  for (let k = 1; k <= 15; k++) {
    factorial *= k;
    values.push(Math.log(factorial));
  }
  return values;
})();

/** Stirling's error: ln(n!) − ln(√(2πn) (n/e)^n), for integer n ≥ 1. */
function stirlingError(n: number): number {
  const lnFactorial = LN_FACTORIAL_SMALL[n];
  if (lnFactorial !== undefined) return lnFactorial - (n + 0.5) * Math.log(n) + n - 0.5 * LN_2PI;
  const nn = n * n;
  // 1/12n − 1/360n³ + 1/1260n⁵ − 1/1680n⁷ + 1/1188n⁹: error below 1e-17 for n > 15.
  return (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / 1188 / nn) / nn) / nn) / nn) / n;
}

/** The deviance term x·ln(x/m) + m − x, without cancellation when x ≈ m. */
function deviance(x: number, m: number): number {
  if (Math.abs(x - m) < 0.1 * (x + m)) {
    const v = (x - m) / (x + m);
    let sum = (x - m) * v;
    let term = 2 * x * v;
    const v2 = v * v;
    for (let j = 1; j < 1000; j++) {
      term *= v2;
      const next = sum + term / (2 * j + 1);
      if (next === sum) return sum;
      sum = next;
    }
    return sum;
  }
  return x * Math.log(x / m) + m - x;
}

function checkArguments(k: number, n: number, p: number): void {
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`binomial n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(k)) throw new RangeError(`binomial k must be an integer, got ${k}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`binomial p must be in [0, 1], got ${p}`);
}

/** ln P(X = k) for X ~ Binomial(n, p); −Infinity where the probability is 0. */
export function logBinomialPmf(k: number, n: number, p: number): number {
  checkArguments(k, n, p);
  if (k < 0 || k > n) return -Infinity;
  const q = 1 - p;
  if (p === 0) return k === 0 ? 0 : -Infinity;
  if (q === 0) return k === n ? 0 : -Infinity;
  if (k === 0) return n === 0 ? 0 : p < 0.1 ? -deviance(n, n * q) - n * p : n * Math.log1p(-p);
  if (k === n) return q < 0.1 ? -deviance(n, n * p) - n * q : n * Math.log(p);
  const lc =
    stirlingError(n) - stirlingError(k) - stirlingError(n - k) - deviance(k, n * p) - deviance(n - k, n * q);
  return lc - 0.5 * (LN_2PI + Math.log(k) + Math.log1p(-k / n));
}

/** Relative size below which further terms no longer change a double sum. */
const NEGLIGIBLE = 1e-17;

/**
 * Sums the terms of a tail starting at `start` and walking away from the mode, relative to the first term:
 * 1 + r₁ + r₁r₂ + …, where `ratio(i)` is pmf(next)/pmf(i). Terms shrink geometrically past the mode, so this
 * stops after O(√(np)) terms even for n = 1e6.
 */
function relativeTailSum(start: number, end: number, ratio: (i: number) => number): number {
  const step = end >= start ? 1 : -1;
  let sum = 1;
  let term = 1;
  for (let i = start; i !== end; i += step) {
    term *= ratio(i);
    sum += term;
    if (term < sum * NEGLIGIBLE) break;
  }
  return sum;
}

/**
 * ln P(X ≥ k) for X ~ Binomial(n, p): 0 when k ≤ 0, −Infinity when k > n.
 *
 * Above the mean the upper tail is summed directly from pmf(k); at or below it, the upper tail is at least about
 * one half, so it is 1 − P(X ≤ k − 1) with that lower tail summed downward, without cancellation either way.
 *
 * @example Math.exp(logBinomialUpperTail(9, 10, 0.5)) === 11 / 1024
 */
export function logBinomialUpperTail(k: number, n: number, p: number): number {
  checkArguments(k, n, p);
  if (k <= 0) return 0;
  if (k > n) return -Infinity;
  const q = 1 - p;
  if (p === 0) return -Infinity;
  if (q === 0) return 0;
  const odds = p / q;
  if (k > n * p) {
    const upper = relativeTailSum(k, n, (i) => ((n - i) / (i + 1)) * odds);
    return logBinomialPmf(k, n, p) + Math.log(upper);
  }
  const lower = relativeTailSum(k - 1, 0, (i) => i / (n - i + 1) / odds);
  const logLower = logBinomialPmf(k - 1, n, p) + Math.log(lower);
  return Math.log1p(-Math.exp(logLower));
}
