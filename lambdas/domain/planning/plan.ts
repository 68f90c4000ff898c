import type { OrderCancellationSpike, RemediationPlan } from '../contracts/platform';
import { NoApplicablePlan } from './errors';
import { taskCatalog } from './task-catalog';

export interface PlanningOptions {
  /** How far before the spike window open orders are still worth moving. @default 120 */
  readonly lookbackMinutes?: number;
}

const percent = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`;

/**
 * Deterministic planner (first version): a warehouse-scoped cancellation spike becomes one `reroute_orders`
 * task with its compensation. Identifiers derive from the incident, so a retried planning step yields the same
 * plan and the same idempotency keys.
 */
export function planRemediation(
  spike: OrderCancellationSpike,
  options: PlanningOptions = {},
): RemediationPlan {
  if (spike.scope.type !== 'warehouse') {
    throw new NoApplicablePlan(
      spike.correlationId,
      `scope type "${spike.scope.type}" has no remediation yet`,
    );
  }
  const spec = taskCatalog.reroute_orders;
  const warehouseId = spike.scope.id;
  const lookbackMs = (options.lookbackMinutes ?? 120) * 60_000;
  const since = new Date(Date.parse(spike.window.start) - lookbackMs).toISOString();
  const planId = `plan#${spike.correlationId}`;
  const rerouteKey = `reroute#${spike.correlationId}`;

  return {
    schemaVersion: 1,
    correlationId: spike.correlationId,
    planId,
    entity: `warehouse#${warehouseId}`,
    planner: 'rule',
    summary: `Reroute open orders placed at ${warehouseId} since ${since} to other warehouses serving their regions.`,
    evidence: [
      `cancellation ratio at ${warehouseId} is ${percent(spike.observedRatio)} against a baseline of ${percent(spike.baselineRatio)}`,
      `${spike.cancelled} cancellations for ${spike.placed} orders in ${spike.window.start} – ${spike.window.end} (p = ${spike.pValue.toExponential(2)})`,
    ],
    tasks: [
      {
        taskId: `${planId}#task-1`,
        taskType: spec.taskType,
        parameters: { fromWarehouseId: warehouseId, since },
        costCents: spec.baseCostCents,
        risk: spec.risk,
        slaSeconds: spec.slaSeconds,
        timeoutSeconds: spec.timeoutSeconds,
        idempotencyKey: rerouteKey,
        compensation: {
          taskType: spec.compensation.taskType,
          parameters: { fromWarehouseId: warehouseId, rerouteIdempotencyKey: rerouteKey },
          idempotencyKey: `revert#${spike.correlationId}`,
          timeoutSeconds: spec.compensation.timeoutSeconds,
        },
      },
    ],
  };
}
