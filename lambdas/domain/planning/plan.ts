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
 * since `lookbackMinutes` before the spike window. Any other scope has no rule and asks for a human.
 */
export function ruleDraft(spike: OrderCancellationSpike, options: PlanningOptions = {}): DraftPlan {
  if (spike.scope.type !== 'warehouse') {
    return {
      tasks: [],
      escalation: `scope type "${spike.scope.type}" has no remediation yet`,
    };
  }
  const lookbackMs = (options.lookbackMinutes ?? 120) * 60_000;
  const since = new Date(Date.parse(spike.window.start) - lookbackMs).toISOString();
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
    entity: `warehouse#${spike.scope.id}`,
    planner: 'rule',
    summary: summarizeTasks(validation.tasks),
    evidence: spikeEvidence(spike),
    tasks: materializeTasks(validation.tasks, { planId, correlationId: spike.correlationId }),
  };
}
