/**
 * The agents' KPIs (declared with them: lambdas/domain/operator/kpis.ts), measured on a run's events, so a drill
 * can say whether the promise held under the fault and the timeline can show it.
 * - Time to resolution (the planning agent's, for the remediation chain: planning agent, saga, fulfillment agent):
 *   resolved or escalated within its target minutes of the spike.
 * - Ratio back to baseline (the monitoring agent's): in the hour after resolution, the scope cancels at most its
 *   target multiple of its baseline ratio.
 */

import { RATIO_BACK_TO_BASELINE, TIME_TO_RESOLUTION } from '../lambdas/domain/operator/kpis';
import type { EventEnvelope } from './eventbridge/bus';

/** Minutes within which an incident should be resolved or escalated. */
const RESOLUTION_TARGET_MINUTES = TIME_TO_RESOLUTION.target;
/** The ratio after resolution may be at most this multiple of the baseline. */
const BASELINE_MULTIPLE = RATIO_BACK_TO_BASELINE.target;

type IncidentOutcome = 'resolved' | 'escalated' | 'failed' | 'open';

/** One incident's outcome and KPIs. */
export interface IncidentKpi {
  readonly correlationId: string;
  readonly scope: string;
  readonly spikeAt: number;
  readonly outcome: IncidentOutcome;
  /** When it was resolved or escalated (virtual/event time, ms). */
  readonly closedAt?: number;
  /** Minutes from the spike to `closedAt`. */
  readonly minutesToResolution?: number;
  readonly baselineRatio: number;
  /** The scope's cancellation ratio in the hour after `closedAt` (undefined: no orders there). */
  readonly ratioAfter?: number;
  readonly ordersAfter: number;
  readonly metResolution: boolean;
  readonly backToBaseline?: boolean;
}

const RESOLVED = new Set(['reroute_complete', 'region_rebalanced']);
const ESCALATED = new Set(['remediation_escalated']);
const RANK: Record<IncidentOutcome, number> = { open: 0, failed: 1, escalated: 2, resolved: 3 };
const FAILED = new Set(['remediation_failed', 'remediation_compensated']);

type SpikeDetail = {
  correlationId: string;
  scope: { type: 'warehouse' | 'region'; id: string };
  baselineRatio: number;
};
type OrderDetail = { orderId?: string; warehouseId?: string; region?: string };

/**
 * Measures every incident of a run (one per `order_cancellation_spike`) from the bus archive: its outcome — a
 * reroute or rebalance completed (resolved), an escalation to a person (escalated), a failure or compensation
 * without either (failed), nothing (open) — the minutes from the spike to it, and the cancellation ratio of
 * the incident's scope in the hour after it (cancellations of orders placed in that hour, over those orders).
 * Two passes over `archive` (it must be iterable again, as the bus archive is): the incidents first, then only the
 * orders of their scopes in the hour after each closed — a run of millions of orders holds none of the others.
 */
export function incidentKpis(archive: Iterable<EventEnvelope>): IncidentKpi[] {
  const spikes: { detail: SpikeDetail; at: number }[] = [];
  const closes = new Map<string, { outcome: IncidentOutcome; at: number }>();
  for (const event of archive) {
    if (event.source === 'retail.orders') continue;
    const type = event['detail-type'];
    const at = Date.parse(event.time);
    if (type === 'order_cancellation_spike') {
      spikes.push({ detail: event.detail as SpikeDetail, at });
      continue;
    }
    const id = (event.detail as { correlationId?: unknown } | undefined)?.correlationId;
    if (typeof id !== 'string') continue;
    const outcome: IncidentOutcome | undefined = RESOLVED.has(type)
      ? 'resolved'
      : ESCALATED.has(type)
        ? 'escalated'
        : FAILED.has(type)
          ? 'failed'
          : undefined;
    if (!outcome) continue;
    const known = closes.get(id);
    // An incident closes at the first occurrence of its best outcome: resolved, else escalated, else failed.
    if (!known || RANK[outcome] > RANK[known.outcome]) closes.set(id, { outcome, at });
  }

  // The hour after each closed incident, in its scope: the orders placed then, and which of them were cancelled.
  const hours = spikes.flatMap(({ detail }) => {
    const closedAt = closes.get(detail.correlationId)?.at;
    return closedAt === undefined
      ? []
      : [{ id: detail.correlationId, scope: detail.scope, from: closedAt, to: closedAt + 3_600_000 }];
  });
  const placedAfter = new Map<string, Set<string>>(hours.map((h) => [h.id, new Set<string>()]));
  const cancelled = new Set<string>();
  if (hours.length > 0) {
    for (const event of archive) {
      if (event.source !== 'retail.orders') continue;
      const detail = event.detail as OrderDetail;
      if (!detail.orderId) continue;
      if (event['detail-type'] === 'order_cancelled') {
        // Only cancellations of the orders counted (the archive is in event-time order: placed before cancelled).
        const orderId = detail.orderId;
        if (hours.some((h) => placedAfter.get(h.id)!.has(orderId))) cancelled.add(orderId);
        continue;
      }
      if (event['detail-type'] !== 'order_placed') continue;
      const at = Date.parse(event.time);
      for (const hour of hours) {
        const inScope =
          hour.scope.type === 'warehouse'
            ? detail.warehouseId === hour.scope.id
            : detail.region === hour.scope.id;
        if (inScope && at >= hour.from && at < hour.to) placedAfter.get(hour.id)!.add(detail.orderId);
      }
    }
  }

  return spikes.map(({ detail, at: spikeAt }) => {
    const close = closes.get(detail.correlationId);
    const closedAt = close?.at;
    const after = [...(placedAfter.get(detail.correlationId) ?? [])];
    const ratioAfter =
      after.length === 0 ? undefined : after.filter((id) => cancelled.has(id)).length / after.length;
    const minutesToResolution = closedAt === undefined ? undefined : (closedAt - spikeAt) / 60_000;
    return {
      correlationId: detail.correlationId,
      scope: `${detail.scope.type} ${detail.scope.id}`,
      spikeAt,
      outcome: close?.outcome ?? 'open',
      ...(closedAt === undefined ? {} : { closedAt, minutesToResolution }),
      baselineRatio: detail.baselineRatio,
      ...(ratioAfter === undefined ? {} : { ratioAfter }),
      ordersAfter: after.length,
      metResolution:
        (close?.outcome === 'resolved' || close?.outcome === 'escalated') &&
        minutesToResolution !== undefined &&
        minutesToResolution <= RESOLUTION_TARGET_MINUTES,
      ...(ratioAfter === undefined
        ? {}
        : { backToBaseline: ratioAfter <= BASELINE_MULTIPLE * Math.max(detail.baselineRatio, 0.01) }),
    };
  });
}

const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;

/** The KPI lines of the timeline, one per incident. */
export function formatKpis(kpis: readonly IncidentKpi[]): string[] {
  return kpis.map((k) => {
    const resolution =
      k.minutesToResolution === undefined
        ? `${k.outcome}`
        : `${k.outcome} ${k.minutesToResolution.toFixed(1)} min after the spike (target ≤ ${RESOLUTION_TARGET_MINUTES}: ${k.metResolution ? 'met' : 'missed'})`;
    const ratio =
      k.ratioAfter === undefined
        ? 'no orders in the hour after'
        : `ratio in the hour after ${percent(k.ratioAfter)} over ${k.ordersAfter} orders vs baseline ${percent(k.baselineRatio)} (${k.backToBaseline ? 'back to baseline' : 'not back'})`;
    return `  ${k.scope}: ${resolution}; ${ratio}`;
  });
}
