/**
 * Negative binomial (gamma–Poisson) tail probabilities in log space: the posterior predictive distribution of a
 * Poisson count whose rate is only known up to a gamma distribution — here, cancellations in a block of windows
 * when the cancellation ratio has been learned from a finite baseline. Counts are integers, so the gamma-function
 * ratio Γ(k + shape) / (Γ(shape) k!) is a finite product and needs no lgamma.
 */

/** Relative size below which further terms no longer change a double sum. */
const NEGLIGIBLE = 1e-17;
/** Enough terms for any tail a counter reaches; a guard against an endless loop on absurd arguments. */
const MAX_TERMS = 10_000_000;

function checkArguments(k: number, shape: number, mean: number): void {
  if (!Number.isInteger(k)) throw new RangeError(`negative binomial k must be an integer, got ${k}`);
  if (!(shape > 0 && Number.isFinite(shape)))
    throw new RangeError(`negative binomial shape must be a positive finite number, got ${shape}`);
  if (!(mean >= 0 && Number.isFinite(mean)))
    throw new RangeError(`negative binomial mean must be a non-negative finite number, got ${mean}`);
}

/**
 * ln P(X = k) for X ~ NegativeBinomial(shape, mean): variance mean + mean² / shape; the Poisson limit as
 * shape → ∞. −Infinity where the probability is 0.
 */
function logNegativeBinomialPmf(k: number, shape: number, mean: number): number {
  checkArguments(k, shape, mean);
  if (k < 0) return -Infinity;
  if (mean === 0) return k === 0 ? 0 : -Infinity;
  // P(X = k) = Π_{i<k} (shape + i) / (i + 1) · (shape / (shape + mean))^shape · (mean / (shape + mean))^k
  let logCoefficient = 0;
  for (let i = 0; i < k; i++) logCoefficient += Math.log((shape + i) / (i + 1));
  return logCoefficient - shape * Math.log1p(mean / shape) + k * Math.log(mean / (shape + mean));
}

/**
 * ln P(X ≥ k) for X ~ NegativeBinomial(shape, mean): 0 when k ≤ 0.
 *
 * Above the mean (which is above the mode) the tail is summed upward from P(X = k), where every term is smaller
 * than the one before; at or below the mean the tail is at least about one half, so it is 1 − P(X ≤ k − 1) with
 * that lower tail summed downward. Neither branch cancels catastrophically.
 *
 * @example Math.exp(logNegativeBinomialUpperTail(1, 1, 1)) === 0.5 // geometric with mean 1
 */
export function logNegativeBinomialUpperTail(k: number, shape: number, mean: number): number {
  checkArguments(k, shape, mean);
  if (k <= 0) return 0;
  if (mean === 0) return -Infinity;
  const q = mean / (shape + mean);
  if (k > mean) {
    let sum = 1;
    let term = 1;
    for (let j = k; j < k + MAX_TERMS; j++) {
      term *= ((shape + j) / (j + 1)) * q;
      sum += term;
      if (term < sum * NEGLIGIBLE) break;
    }
    return logNegativeBinomialPmf(k, shape, mean) + Math.log(sum);
  }
  let sum = 1;
  let term = 1;
  for (let j = k - 1; j > 0; j--) {
    term *= j / ((shape + j - 1) * q);
    sum += term;
    if (term < sum * NEGLIGIBLE) break;
  }
  const logLower = logNegativeBinomialPmf(k - 1, shape, mean) + Math.log(sum);
  return Math.log1p(-Math.exp(logLower));
}
