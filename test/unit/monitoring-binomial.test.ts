import fc from 'fast-check';
import { logBinomialPmf, logBinomialUpperTail } from '../../lambdas/domain/monitoring/binomial';

/** C(n, k) as an exact integer. */
function choose(n: number, k: number): bigint {
  let result = 1n;
  for (let i = 1; i <= k; i++) result = (result * BigInt(n - k + i)) / BigInt(i);
  return result;
}

/** num / den as the nearest double, without overflow however large both are. */
function ratioToNumber(num: bigint, den: bigint): number {
  if (num === 0n) return 0;
  const shift = den.toString(2).length - num.toString(2).length + 64;
  const quotient = shift >= 0 ? (num << BigInt(shift)) / den : num / (den << BigInt(-shift));
  return Number(quotient) * 2 ** -shift;
}

/** P(X ≥ k) for X ~ Binomial(n, a/b), exactly, as rationals. */
function exactUpperTail(k: number, n: number, a: number, b: number): number {
  let num = 0n;
  for (let i = Math.max(k, 0); i <= n; i++) {
    num += choose(n, i) * BigInt(a) ** BigInt(i) * BigInt(b - a) ** BigInt(n - i);
  }
  return ratioToNumber(num, BigInt(b) ** BigInt(n));
}

const relativeError = (actual: number, expected: number): number =>
  expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / expected;

describe('logBinomialUpperTail', () => {
  it('matches hand-computed small tails', () => {
    expect(Math.exp(logBinomialUpperTail(9, 10, 0.5))).toBeCloseTo(11 / 1024, 15);
    expect(Math.exp(logBinomialUpperTail(10, 10, 0.5))).toBeCloseTo(1 / 1024, 15);
    expect(Math.exp(logBinomialUpperTail(1, 3, 0.1))).toBeCloseTo(1 - 0.9 ** 3, 15);
    expect(Math.exp(logBinomialUpperTail(2, 4, 0.25))).toBeCloseTo(1 - (81 + 108) / 256, 15);
  });

  it('agrees with exact rational arithmetic for every k, n ≤ 40 and several p, to 1e-12', () => {
    const probabilities: [number, number][] = [
      [1, 2],
      [1, 10],
      [1, 26],
      [3, 100],
      [9, 10],
      [1, 1000],
    ];
    for (const [a, b] of probabilities) {
      for (const n of [1, 2, 5, 13, 24, 40]) {
        for (let k = 0; k <= n; k++) {
          const expected = exactUpperTail(k, n, a, b);

          const actual = Math.exp(logBinomialUpperTail(k, n, a / b));

          expect(relativeError(actual, expected)).toBeLessThan(1e-12);
        }
      }
    }
  });

  it('is 1 at or below zero and 0 (log −Infinity) above n', () => {
    expect(logBinomialUpperTail(0, 10, 0.3)).toBe(0);
    expect(logBinomialUpperTail(-2, 10, 0.3)).toBe(0);
    expect(logBinomialUpperTail(11, 10, 0.3)).toBe(-Infinity);
    expect(logBinomialUpperTail(0, 0, 0.3)).toBe(0);
  });

  it('handles the degenerate probabilities 0 and 1', () => {
    expect(logBinomialUpperTail(1, 10, 0)).toBe(-Infinity);
    expect(logBinomialUpperTail(10, 10, 1)).toBe(0);
  });

  it('stays finite and accurate for n = 1e6 without overflow', () => {
    const n = 1_000_000;
    const m = n / 2;
    // C(2m, m) / 4^m = (1 − 1/8m + 1/128m² + …) / √(πm), and by symmetry P(X ≥ m) = (1 + P(X = m)) / 2.
    const centralMass = (1 - 1 / (8 * m) + 1 / (128 * m * m)) / Math.sqrt(Math.PI * m);

    expect(relativeError(Math.exp(logBinomialPmf(m, n, 0.5)), centralMass)).toBeLessThan(1e-12);
    expect(relativeError(Math.exp(logBinomialUpperTail(m, n, 0.5)), (1 + centralMass) / 2)).toBeLessThan(
      1e-12,
    );

    // 20 standard deviations out: about 1e-89, far below what naive powers could represent accurately.
    const far = logBinomialUpperTail(510_000, n, 0.5);
    expect(Number.isFinite(far)).toBe(true);
    expect(far / Math.LN10).toBeGreaterThan(-92);
    expect(far / Math.LN10).toBeLessThan(-86);
  });

  it('sums the point masses of a large binomial to one', () => {
    const n = 100_000;
    let total = 0;
    for (let k = 0; k <= n; k++) total += Math.exp(logBinomialPmf(k, n, 0.037));
    expect(total).toBeCloseTo(1, 12);
  });

  it('satisfies P(X ≥ k) = P(X = k) + P(X ≥ k + 1) and decreases in k (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n, p, at) => {
          const k = Math.min(n - 1, Math.floor(at * n));
          const tail = Math.exp(logBinomialUpperTail(k, n, p));
          const next = Math.exp(logBinomialUpperTail(k + 1, n, p));
          const mass = Math.exp(logBinomialPmf(k, n, p));

          expect(tail).toBeLessThanOrEqual(1);
          expect(next).toBeLessThanOrEqual(tail);
          if (tail > 1e-300) expect(relativeError(mass + next, tail)).toBeLessThan(1e-9);
        },
      ),
    );
  });

  it('rejects arguments outside the distribution', () => {
    expect(() => logBinomialUpperTail(1.5, 10, 0.5)).toThrow(RangeError);
    expect(() => logBinomialUpperTail(1, -1, 0.5)).toThrow(RangeError);
    expect(() => logBinomialUpperTail(1, 10, 1.5)).toThrow(RangeError);
    expect(() => logBinomialUpperTail(1, 10, Number.NaN)).toThrow(RangeError);
  });
});
