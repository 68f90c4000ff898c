/** Seeded randomness for the scenario generators and benches: never Math.random, so outputs are reproducible. */

/** mulberry32: a tiny, fast, well-mixed 32-bit PRNG; uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A Poisson count with mean `mean`: Knuth's product of uniforms up to `normalAbove`, a rounded normal approximation
 * above it (where the product would take about `mean` draws). Generators with their own sources share it.
 */
export function poissonCount(
  mean: number,
  uniform: () => number,
  normal: () => number,
  normalAbove: number,
): number {
  if (mean <= 0) return 0;
  if (mean > normalAbove) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal()));
  const limit = Math.exp(-mean);
  let count = 0;
  let product = uniform();
  while (product > limit) {
    count++;
    product *= uniform();
  }
  return count;
}

/** Draws from a seeded source: uniform, integer, pick, normal, Poisson, exponential, hex and UUIDs. */
export class Draw {
  private spareNormal: number | undefined;

  constructor(private readonly next: () => number) {}

  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.next();
  }

  integer(minInclusive: number, maxInclusive: number): number {
    return minInclusive + Math.floor(this.next() * (maxInclusive - minInclusive + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError('cannot pick from an empty list');
    return item;
  }

  normal(): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return spare;
    }
    const u = Math.max(this.next(), 1e-12);
    const v = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  /** Knuth's method for small means, a rounded normal approximation above 30. */
  poisson(mean: number): number {
    return poissonCount(mean, this.next, () => this.normal(), 30);
  }

  exponential(mean: number): number {
    return -mean * Math.log(Math.max(this.next(), 1e-12));
  }

  hex(digits: number): string {
    let out = '';
    while (out.length < digits)
      out += Math.floor(this.next() * 0x10000)
        .toString(16)
        .padStart(4, '0');
    return out.slice(0, digits);
  }

  uuid(): string {
    const h = this.hex(32);
    const variant = ((parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}
