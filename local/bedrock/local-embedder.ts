import type { Embedder, EmbeddingInput } from '../../lambdas/domain/memory/embedder';

export interface LocalEmbedderOptions {
  /** Vector length; collisions fall as it grows. @default 512 */
  readonly dimensions?: number;
  /**
   * Weight of each incident feature by name (others weigh 0.5). The scope and kind dominate, so incidents at the
   * same warehouse are near even when their ratios differ, and the same kind elsewhere is further.
   * @default DEFAULT_FEATURE_WEIGHTS
   */
  readonly featureWeights?: Readonly<Record<string, number>>;
  /** Total weight of the free-text tokens of an incident (free text alone always weighs 1). @default 0.5 */
  readonly textWeight?: number;
}

const DEFAULT_FEATURE_WEIGHTS: Readonly<Record<string, number>> = {
  kind: 1,
  scopeType: 1,
  scope: 1.2,
  region: 0.6,
  ratio: 0.5,
  lift: 0.5,
  volume: 0.3,
  windowMinutes: 0.2,
};

/** 32-bit FNV-1a, seeded: the bucket and the sign of a feature come from two seeds. */
function fnv1a(text: string, seed: number): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

const BUCKET_SEED = 0;
const SIGN_SEED = 0x5bd1e995;

/** Words that start with a letter: numbers vary from incident to incident and are bucketed as features instead. */
const tokensOf = (text: string): string[] => text.toLowerCase().match(/[a-z][a-z0-9_-]*/g) ?? [];

/**
 * The sandbox's stand-in for Titan Text Embeddings (and the embedder of tests): signed feature hashing (the "hashing trick") of an
 * incident's categorical features and its words, L2-normalised. Deterministic, offline, no model weights; good
 * at "same kind of incident at the same place", which is what template reuse asks.
 */
export class LocalEmbedder implements Embedder {
  readonly dimensions: number;
  readonly model: string;
  private readonly featureWeights: Readonly<Record<string, number>>;
  private readonly textWeight: number;

  constructor(options: LocalEmbedderOptions = {}) {
    const dimensions = options.dimensions ?? 512;
    if (!Number.isInteger(dimensions) || dimensions < 16) {
      throw new RangeError(`dimensions must be an integer of at least 16, got ${dimensions}`);
    }
    this.dimensions = dimensions;
    this.model = `local-feature-hashing-v1/${dimensions}`;
    this.featureWeights = options.featureWeights ?? DEFAULT_FEATURE_WEIGHTS;
    this.textWeight = options.textWeight ?? 0.5;
  }

  embed(inputs: readonly EmbeddingInput[]): Promise<number[][]> {
    return Promise.resolve(inputs.map((input) => this.vectorOf(input)));
  }

  private vectorOf(input: EmbeddingInput): number[] {
    const vector = new Array<number>(this.dimensions).fill(0);
    const add = (feature: string, weight: number): void => {
      const bucket = fnv1a(feature, BUCKET_SEED) % this.dimensions;
      vector[bucket] = (vector[bucket] ?? 0) + ((fnv1a(feature, SIGN_SEED) & 1) === 1 ? weight : -weight);
    };
    const addText = (text: string, totalWeight: number): void => {
      const tokens = tokensOf(text);
      // Each token weighs totalWeight/√n, so the text's share of the norm does not grow with its length.
      for (const token of tokens) add(`token=${token}`, totalWeight / Math.sqrt(tokens.length));
    };
    if (typeof input === 'string') {
      addText(input, 1);
    } else {
      for (const [name, value] of Object.entries(input.features)) {
        add(`${name}=${value}`, this.featureWeights[name] ?? 0.5);
      }
      addText(input.text, this.textWeight);
    }
    const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
    // An input with no features and no words still gets a unit vector (vector indexes reject zero vectors).
    if (norm === 0) {
      add('empty-input', 1);
      return vector;
    }
    return vector.map((x) => x / norm);
  }
}
