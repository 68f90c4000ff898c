import fc from 'fast-check';
import { logNegativeBinomialUpperTail } from '../../lambdas/domain/monitoring/negative-binomial';

/** P(X = k) by the textbook formula with a gamma-function product, for small arguments. */
function directPmf(k: number, shape: number, mean: number): number {
  const p = shape / (shape + mean);
  let coefficient = 1;
  for (let i = 0; i < k; i++) coefficient *= (shape + i) / (i + 1);
  return coefficient * Math.pow(p, shape) * Math.pow(1 - p, k);
}

const poissonPmf = (k: number, mean: number): number => {
  let value = Math.exp(-mean);
  for (let i = 1; i <= k; i++) value *= mean / i;
  return value;
};

/** P(X = k) from the tail: P(X ≥ k) − P(X ≥ k + 1). */
const pmfFromTail = (k: number, shape: number, mean: number): number =>
  Math.exp(logNegativeBinomialUpperTail(k, shape, mean)) -
  Math.exp(logNegativeBinomialUpperTail(k + 1, shape, mean));

describe('logNegativeBinomialUpperTail, point by point', () => {
  it('gives the point masses of the textbook formula', () => {
    for (const [k, shape, mean] of [
      [0, 1, 1],
      [3, 2.5, 1.2],
      [10, 0.05, 0.4],
      [7, 40, 6],
    ] as const) {
      expect(pmfFromTail(k, shape, mean)).toBeCloseTo(directPmf(k, shape, mean), 14);
    }
  });

  it('tends to the Poisson distribution as the shape grows', () => {
    expect(pmfFromTail(4, 1e9, 2)).toBeCloseTo(poissonPmf(4, 2), 9);
  });

  it('puts all mass on 0 when the mean is 0', () => {
    expect(pmfFromTail(0, 2, 0)).toBe(1);
    expect(pmfFromTail(1, 2, 0)).toBe(0);
  });
});

describe('logNegativeBinomialUpperTail', () => {
  it('is P(X ≥ 1) = 1/2 for a geometric distribution with mean 1', () => {
    expect(Math.exp(logNegativeBinomialUpperTail(1, 1, 1))).toBeCloseTo(0.5, 15);
  });

  it('is 0 (log) at or below k = 0 and −Infinity above 0 when the mean is 0', () => {
    expect(logNegativeBinomialUpperTail(0, 2, 3)).toBe(0);
    expect(logNegativeBinomialUpperTail(-2, 2, 3)).toBe(0);
    expect(logNegativeBinomialUpperTail(1, 2, 0)).toBe(-Infinity);
  });

  it('stays accurate far in the tail, where 1 − P(X < k) would round to 0', () => {
    // Poisson(1) ≥ 30 = e^−1 / 30! · (1 + 1/31 + 1/(31·32) + …).
    let series = 0;
    for (let term = 1, j = 30; term > 1e-20; term /= ++j) series += term;
    const log = logNegativeBinomialUpperTail(30, 1e12, 1);
    expect(log).toBeCloseTo(Math.log(poissonPmf(30, 1) * series), 9);
    expect(log).toBeLessThan(Math.log(1e-30));
  });

  it('agrees with summing the textbook point masses, on both sides of the mean (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.double({ min: 0.05, max: 200, noNaN: true }),
        fc.double({ min: 0.01, max: 30, noNaN: true }),
        (k, shape, mean) => {
          let below = 0;
          for (let j = 0; j < k; j++) below += directPmf(j, shape, mean);
          const tail = Math.exp(logNegativeBinomialUpperTail(k, shape, mean));
          expect(tail).toBeCloseTo(Math.max(0, 1 - below), 9);
        },
      ),
    );
  });

  it('is heavier than the Poisson tail with the same mean: a learned ratio is not an exact one', () => {
    const poisson = logNegativeBinomialUpperTail(8, 1e12, 1.5);
    const uncertain = logNegativeBinomialUpperTail(8, 10, 1.5);
    expect(uncertain).toBeGreaterThan(poisson);
  });

  it('rejects arguments that are not counts, shapes or means', () => {
    expect(() => logNegativeBinomialUpperTail(1.5, 1, 1)).toThrow(RangeError);
    expect(() => logNegativeBinomialUpperTail(1, 0, 1)).toThrow(RangeError);
    expect(() => logNegativeBinomialUpperTail(1, 1, -1)).toThrow(RangeError);
    expect(() => logNegativeBinomialUpperTail(1, 1, Number.NaN)).toThrow(RangeError);
  });
});
