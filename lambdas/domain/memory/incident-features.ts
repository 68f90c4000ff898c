import type { OrderCancellationSpike } from '../contracts/platform';

/** What the platform knows about an incident besides the spike itself. */
export interface IncidentContext {
  /** The region the affected warehouse serves, when known (a warehouse-scoped spike does not carry it). */
  readonly region?: string;
}

/** An incident in the two forms embedders take: a sentence, and categorical features. */
export interface IncidentFeatures {
  /** The kind of incident and its scope type, e.g. `order_cancellation_spike/warehouse`: templates are per family. */
  readonly family: string;
  /** One descriptive paragraph (what a text-embedding model sees). */
  readonly text: string;
  /**
   * Categorical features, name → value. Numeric facts arrive bucketed, so incidents with near values share a
   * feature (what a feature-hashing embedder sees).
   */
  readonly features: Readonly<Record<string, string>>;
}

const percent = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`;

/** `order_cancellation_spike/warehouse`, `order_cancellation_spike/region`. */
function incidentFamily(spike: OrderCancellationSpike): string {
  return `order_cancellation_spike/${spike.scope.type}`;
}

/** The episodic-memory entity of the spike's scope, e.g. `warehouse#WH-NYC`. */
export function incidentEntity(spike: OrderCancellationSpike): string {
  return `${spike.scope.type}#${spike.scope.id}`;
}

/** How many times the baseline the observed ratio is; a zero baseline counts as a tenth of a percent. */
export function cancellationLift(spike: OrderCancellationSpike): number {
  return spike.observedRatio / Math.max(spike.baselineRatio, 0.001);
}

/** `[lo-hi)` power-of-two bucket of a positive value: 9.4 → `8-16`. */
function powerOfTwoBucket(value: number): string {
  if (value < 1) return '0-1';
  const low = 2 ** Math.floor(Math.log2(value));
  return `${low}-${low * 2}`;
}

/** Tenth bucket of a ratio in [0, 1]: 0.45 → `0.4-0.5`. */
function ratioBucket(ratio: number): string {
  const low = Math.min(Math.floor(ratio * 10), 9) / 10;
  return `${low.toFixed(1)}-${(low + 0.1).toFixed(1)}`;
}

/**
 * Turns a spike into embeddable text and features. Pure and deterministic: the same spike always embeds the
 * same way, so a retried planning step finds the same memories.
 */
export function incidentFeatures(
  spike: OrderCancellationSpike,
  context: IncidentContext = {},
): IncidentFeatures {
  const lift = cancellationLift(spike);
  const minutes = Math.round((Date.parse(spike.window.end) - Date.parse(spike.window.start)) / 60_000);
  const where =
    context.region === undefined
      ? `${spike.scope.type} ${spike.scope.id}`
      : `${spike.scope.type} ${spike.scope.id} in region ${context.region}`;
  const text =
    `Order cancellation spike at ${where}: ${percent(spike.observedRatio)} of ${spike.placed} orders cancelled ` +
    `in ${minutes} minutes against a baseline of ${percent(spike.baselineRatio)} (${lift.toFixed(1)}x lift).`;
  const features: Record<string, string> = {
    kind: 'order_cancellation_spike',
    scopeType: spike.scope.type,
    scope: `${spike.scope.type}:${spike.scope.id}`,
    ratio: ratioBucket(spike.observedRatio),
    lift: powerOfTwoBucket(lift),
    volume: powerOfTwoBucket(spike.placed),
    windowMinutes: String(minutes),
  };
  if (context.region !== undefined) features.region = context.region;
  return { family: incidentFamily(spike), text, features };
}
