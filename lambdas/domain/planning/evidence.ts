import type { OrderCancellationSpike } from '../contracts/platform';
import { cancellationLift } from '../memory/incident-features';
import type { EpisodicRecord } from '../memory/episodic';
import type { SemanticHit } from '../memory/semantic-index';

const percent = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`;
const cosine = (score: number): string => score.toFixed(2);
const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** The spike's own facts: observed against baseline ratio, and the counts behind them. */
export function spikeEvidence(spike: OrderCancellationSpike): string[] {
  return [
    `cancellation ratio at ${spike.scope.id} is ${percent(spike.observedRatio)} against a baseline of ${percent(spike.baselineRatio)}`,
    `${spike.cancelled} cancellations for ${spike.placed} orders in ${spike.window.start} – ${spike.window.end} (p = ${spike.pValue.toExponential(2)})`,
  ];
}

/** Where cancellations concentrate, and whether similar past incidents concentrated there too. */
export function concentrationEvidence(
  spike: OrderCancellationSpike,
  incidents: readonly SemanticHit[],
): string {
  const where = `${spike.scope.type} ${spike.scope.id}`;
  const line = `cancellations concentrate at ${where} (${cancellationLift(spike).toFixed(1)}× its baseline)`;
  if (incidents.length === 0) return line;
  const same = incidents.filter((hit) => hit.metadata.scopeId === spike.scope.id).length;
  return `${line}; ${same} of ${plural(incidents.length, 'similar past incident')} were at ${spike.scope.id} too (semantic memory)`;
}

/** Similar past incidents and how they were resolved, nearest named. */
export function similarIncidentEvidence(incidents: readonly SemanticHit[], minScore: number): string {
  if (incidents.length === 0)
    return `no similar past incident at cosine ≥ ${cosine(minScore)} (semantic memory)`;
  const groups = new Map<string, number>();
  for (const hit of incidents) {
    const tasks = text(hit.metadata.taskTypes) ?? 'an unrecorded plan';
    const key =
      hit.metadata.outcome === 'succeeded'
        ? `resolved by ${tasks}`
        : hit.metadata.outcome === 'compensated'
          ? `compensated after ${tasks}`
          : 'without a recorded outcome';
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  const outcomes = [...groups].map(([key, count]) => `${count} ${key}`).join(', ');
  const nearest = incidents
    .slice(0, 3)
    .map((hit) => `${text(hit.metadata.correlationId) ?? hit.id} (cosine ${cosine(hit.score)})`)
    .join(', ');
  return `${plural(incidents.length, 'similar past incident')} (semantic memory): ${outcomes}; nearest: ${nearest}`;
}

/** What rerouting did for similar incidents: orders moved and where they went. */
export function fulfillmentEvidence(fulfillments: readonly SemanticHit[]): string {
  if (fulfillments.length === 0) return 'no fulfillment history for similar incidents (semantic memory)';
  let moved = 0;
  const destinations = new Map<string, number>();
  for (const hit of fulfillments) {
    if (typeof hit.metadata.reroutedCount === 'number') moved += hit.metadata.reroutedCount;
    for (const warehouse of (text(hit.metadata.toWarehouses) ?? '').split(',').filter(Boolean)) {
      destinations.set(warehouse, (destinations.get(warehouse) ?? 0) + 1);
    }
  }
  const top = [...destinations].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
  const where = top ? `, most often to ${top[0]} (${top[1]} of ${fulfillments.length})` : '';
  return `fulfillment history (semantic memory): ${plural(fulfillments.length, 'similar reroute')} moved ${plural(moved, 'order')}${where}`;
}

/** One line of evidence from the entity's remediation outcomes in episodic memory. */
export function outcomeEvidence(entity: string, history: readonly EpisodicRecord[], days: number): string {
  const outcomes = history.filter((record) => record.kind === 'remediation_outcome');
  if (outcomes.length === 0) return `no remediation of ${entity} in the last ${days} days (episodic memory)`;
  const succeeded = outcomes.filter((record) => record.data.outcome === 'succeeded').length;
  const compensated = outcomes.length - succeeded;
  return `${outcomes.length} remediation(s) of ${entity} in the last ${days} days: ${succeeded} succeeded, ${compensated} compensated (episodic memory)`;
}
