import type { IncidentFeatures } from './incident-features';

/** What can be embedded: free text, or an incident's text and features. */
export type EmbeddingInput = string | IncidentFeatures;

/** Port: turns text or incident features into unit-length vectors in one vector space. */
export interface Embedder {
  /**
   * Names the vector space, e.g. `amazon.titan-embed-text-v2:0/1024`: vectors of different models are not
   * comparable, so stored vectors carry it.
   */
  readonly model: string;
  readonly dimensions: number;
  /** One L2-normalised vector per input, in input order. */
  embed(inputs: readonly EmbeddingInput[]): Promise<number[][]>;
}

/** The text of an input: text embedders see incidents as their descriptive paragraph. */
export function embeddingText(input: EmbeddingInput): string {
  return typeof input === 'string' ? input : input.text;
}
