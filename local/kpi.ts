/**
 * The agents' KPIs (declared with them: lambdas/domain/operator/kpis.ts), measured on a run's events, so a drill
 * can say whether the promise held under the fault and the timeline can show it.
 * - Time to resolution (the planning agent's, for the remediation chain: planning agent, saga, fulfillment agent):
 *   resolved or escalated within its target minutes of the spike.
 * - Ratio back to baseline (the monitoring agent's): in the hour after resolution, the scope cancels at most its
 *   target multiple of its baseline ratio — counted as the recovery watch counts it on AWS (`recoveryHour`,
 *   `recoveryMeasurement`), from the bus archive instead of the window counters.
 */

import {
  recoveryHour,
  recoveryMeasurement,
  recoveryWindowMinutes,
  TIME_TO_RESOLUTION,
} from '../lambdas/domain/operator/kpis';
import type { EventEnvelope } from './eventbridge/bus';

/** Minutes within which an incident should be resolved or escalated. */
const RESOLUTION_TARGET_MINUTES = TIME_TO_RESOLUTION.target;

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
 * the incident's scope in the hour after it (of the orders placed in the whole `windowMinutes` windows of that
 * hour, the share cancelled in it, as the recovery watch measures it on AWS).
 * Two passes over `archive` (it must be iterable again, as the bus archive is): the incidents first, then only the
 * orders of their scopes in the hour after each closed — a run of millions of orders holds none of the others.
 */
export function incidentKpis(
  archive: Iterable<EventEnvelope>,
  windowMinutes = recoveryWindowMinutes(),
): IncidentKpi[] {
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

  // The hour after each closed incident, in its scope: the orders placed then, and which of them were cancelled then.
  const hours = spikes.flatMap(({ detail }) => {
    const closedAt = closes.get(detail.correlationId)?.at;
    if (closedAt === undefined) return [];
    const { fromMs, toMs } = recoveryHour(closedAt, windowMinutes);
    return [
      {
        id: detail.correlationId,
        scope: detail.scope,
        fromMs,
        toMs,
        placed: new Set<string>(),
        cancelled: [] as string[],
      },
    ];
  });
  const hourOf = new Map(hours.map((hour) => [hour.id, hour]));
  if (hours.length > 0) {
    for (const event of archive) {
      if (event.source !== 'retail.orders') continue;
      const type = event['detail-type'];
      const detail = event.detail as OrderDetail;
      if ((type !== 'order_placed' && type !== 'order_cancelled') || !detail.orderId) continue;
      const at = Date.parse(event.time);
      for (const hour of hours) {
        if (at < hour.fromMs || at >= hour.toMs) continue;
        if (type === 'order_cancelled') {
          // Only cancellations of the hour's orders count (the archive is in event-time order: placed first).
          if (hour.placed.has(detail.orderId)) hour.cancelled.push(detail.orderId);
          continue;
        }
        const inScope =
          hour.scope.type === 'warehouse'
            ? detail.warehouseId === hour.scope.id
            : detail.region === hour.scope.id;
        if (inScope) hour.placed.add(detail.orderId);
      }
    }
  }

  return spikes.map(({ detail, at: spikeAt }) => {
    const close = closes.get(detail.correlationId);
    const closedAt = close?.at;
    const hour = hourOf.get(detail.correlationId);
    const after = hour && recoveryMeasurement(hour.placed, hour.cancelled, detail.baselineRatio);
    const minutesToResolution = closedAt === undefined ? undefined : (closedAt - spikeAt) / 60_000;
    return {
      correlationId: detail.correlationId,
      scope: `${detail.scope.type} ${detail.scope.id}`,
      spikeAt,
      outcome: close?.outcome ?? 'open',
      ...(closedAt === undefined ? {} : { closedAt }),
      ...(minutesToResolution === undefined ? {} : { minutesToResolution }),
      baselineRatio: detail.baselineRatio,
      ...(after === undefined ? {} : { ratioAfter: after.ratio }),
      ordersAfter: hour?.placed.size ?? 0,
      metResolution:
        (close?.outcome === 'resolved' || close?.outcome === 'escalated') &&
        minutesToResolution !== undefined &&
        minutesToResolution <= RESOLUTION_TARGET_MINUTES,
      ...(after === undefined ? {} : { backToBaseline: after.backToBaseline }),
    };
  });
}

const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;

/** The KPI lines of the timeline, one per incident. */
export function formatKpis(kpis: readonly IncidentKpi[]): string[] {
  return kpis.map((k) => {
    const resolution =
      k.minutesToResolution === undefined
        ? k.outcome
        : `${k.outcome} ${k.minutesToResolution.toFixed(1)} min after the spike (target ≤ ${RESOLUTION_TARGET_MINUTES}: ${k.metResolution ? 'met' : 'missed'})`;
    const ratio =
      k.ratioAfter === undefined
        ? 'no orders in the hour after'
        : `ratio in the hour after ${percent(k.ratioAfter)} over ${k.ordersAfter} orders vs baseline ${percent(k.baselineRatio)} (${k.backToBaseline ? 'back to baseline' : 'not back'})`;
    return `  ${k.scope}: ${resolution}; ${ratio}`;
  });
}
