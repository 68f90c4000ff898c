/** One remembered fact about an entity: an event, a decision or an outcome. */
export interface EpisodicRecord {
  /** The entity it is about, e.g. `warehouse#WH-NYC`. */
  readonly entity: string;
  /** Business time (ISO 8601). */
  readonly time: string;
  readonly kind: string;
  readonly correlationId: string;
  /** Redacted before it is written. */
  readonly data: Record<string, unknown>;
  /**
   * Tells apart records of one entity with the same time, kind and incident (a model call's attempt, a policy
   * decision's id); without it, a second such record replaces the first. @default - none
   */
  readonly discriminator?: string;
}

/** Port: episodic memory, queryable by entity and time range. */
export interface EpisodicStore {
  record(record: EpisodicRecord): Promise<void>;
  /** Records of `entity` with `from <= time <= to`, oldest first. */
  history(entity: string, from: string, to: string): Promise<EpisodicRecord[]>;
}
