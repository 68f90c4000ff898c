import type { OrderCancellationSpike, RemediationPlan } from '../contracts/platform';
import type { DraftPlan } from '../memory/reasoner';
import { NoApplicablePlan } from './errors';
import { spikeEvidence } from './evidence';
import { materializeTasks, summarizeTasks, validateDraft } from './task-catalog';

export interface PlanningOptions {
  /** How far before the spike window open orders are still worth moving. @default 120 */
  readonly lookbackMinutes?: number;
}

/**
 * The rule: a warehouse-scoped cancellation spike is answered by rerouting the warehouse's open orders placed
 * since `lookbackMinutes` before the spike window; a region-scoped one by moving the region's open orders away
 * from the warehouses the incident names as contributors. A region incident naming no contributor asks for a
 * human.
 */
export function ruleDraft(spike: OrderCancellationSpike, options: PlanningOptions = {}): DraftPlan {
  const lookbackMs = (options.lookbackMinutes ?? 120) * 60_000;
  const since = new Date(Date.parse(spike.window.start) - lookbackMs).toISOString();
  if (spike.scope.type === 'region') {
    const fromWarehouseIds = (spike.contributors ?? []).map((contributor) => contributor.warehouseId);
    if (fromWarehouseIds.length === 0) {
      return {
        tasks: [],
        escalation: `region ${spike.scope.id}: the incident names no contributing warehouse to move orders away from`,
      };
    }
    return {
      tasks: [
        { taskType: 'rebalance_region', parameters: { region: spike.scope.id, fromWarehouseIds, since } },
      ],
      rationale: `customers in region ${spike.scope.id} cancel more at ${fromWarehouseIds.join(', ')}: move the region's open orders placed since ${since} to other warehouses serving it`,
    };
  }
  return {
    tasks: [{ taskType: 'reroute_orders', parameters: { fromWarehouseId: spike.scope.id, since } }],
    rationale: `cancellations concentrate at warehouse ${spike.scope.id}: move its open orders placed since ${since} to warehouses serving the same regions`,
  };
}

/**
 * Deterministic planner (first version): a warehouse-scoped cancellation spike becomes one `reroute_orders`
 * task with its compensation. Identifiers derive from the incident, so a retried planning step yields the same
 * plan and the same idempotency keys.
 */
export function planRemediation(
  spike: OrderCancellationSpike,
  options: PlanningOptions = {},
): RemediationPlan {
  const draft = ruleDraft(spike, options);
  if (draft.escalation !== undefined) throw new NoApplicablePlan(spike.correlationId, draft.escalation);
  const validation = validateDraft(draft, spike);
  if (!validation.ok) throw new NoApplicablePlan(spike.correlationId, validation.error);
  const planId = `plan#${spike.correlationId}`;
  return {
    schemaVersion: 1,
    correlationId: spike.correlationId,
    planId,
    entity: `${spike.scope.type}#${spike.scope.id}`,
    planner: 'rule',
    summary: summarizeTasks(validation.tasks),
    evidence: spikeEvidence(spike),
    tasks: materializeTasks(validation.tasks, { planId, correlationId: spike.correlationId }),
  };
}
