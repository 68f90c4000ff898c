import { DimensionMismatch } from './errors';

/** What a semantic document remembers: past incidents, fulfillment history, policies. */
type SemanticKind = 'incident' | 'fulfillment' | 'policy';

type MetadataValue = string | number | boolean | null;

export interface SemanticDocument {
  /** Stable id, e.g. `incident#<correlationId>`: writing the same id again replaces the document. */
  readonly id: string;
  readonly kind: SemanticKind;
  readonly vector: readonly number[];
  /** Human-readable content; redacted before it is written. */
  readonly text: string;
  /** Flat facts for evidence lines, e.g. `{ outcome: 'succeeded', taskTypes: 'reroute_orders' }`; redacted too. */
  readonly metadata: Readonly<Record<string, MetadataValue>>;
}

export interface SemanticQuery {
  /** At most this many hits. */
  readonly k: number;
  /** Only documents of this kind. @default every kind */
  readonly kind?: SemanticKind;
  /** Only hits with at least this cosine similarity. @default no floor */
  readonly minScore?: number;
}

export interface SemanticHit {
  readonly id: string;
  readonly kind: SemanticKind;
  readonly text: string;
  readonly metadata: Readonly<Record<string, MetadataValue>>;
  /** Cosine similarity to the query vector, in [-1, 1]. */
  readonly score: number;
}

/** Port: semantic memory, a vector index searched by cosine similarity. */
export interface SemanticIndex {
  upsert(documents: readonly SemanticDocument[]): Promise<void>;
  /** The nearest documents, most similar first. */
  search(vector: readonly number[], query: SemanticQuery): Promise<SemanticHit[]>;
}

/** Cosine similarity of two vectors of the same length; 0 when either is the zero vector. */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new DimensionMismatch(a.length, b.length, 'cosine similarity');
  let dot = 0;
  let normA = 0;
  let normB = 0;
  let i = 0;
  for (const x of a) {
    // Same length (checked above): `b` has an element at every index of `a`.
    const y = b[i] ?? 0;
    i += 1;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

/** The vector scaled to unit length (the zero vector stays zero). */
export function normalizeVector(vector: readonly number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return norm === 0 ? [...vector] : vector.map((x) => x / norm);
}
