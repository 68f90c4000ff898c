import { parseDetail } from '../contracts/parse';
import type { OrderCancellationSpike, RemediationPlan } from '../contracts/platform';
import { incidentEntity } from '../memory/incident-features';
import type { DraftPlan } from '../memory/reasoner';
import { materializeTasks, summarizeTasks, type ValidTask } from './task-catalog';

export interface PlanningOptions {
  /** How far before the spike window open orders are still worth moving. @default 120 */
  readonly lookbackMinutes?: number;
}

/**
 * What the rule reads of an incident: where, when, and which warehouses a region's cancellations concentrate
 * at. Narrower than the spike, so a caller holding only these facts (the sandbox's stand-in model, which gets
 * them as Converse request metadata) runs the same rule without inventing the rest.
 */
export type RuleFacts = Pick<OrderCancellationSpike, 'scope' | 'window'> & {
  readonly contributors?: readonly { readonly warehouseId: string }[] | undefined;
  readonly otherContributors?: number | undefined;
};

/** The ticket every rule plan opens first. */
const ticketFor = (spike: RuleFacts, severity: 'sev1' | 'sev2') => ({
  taskType: 'open_incident_ticket',
  parameters: { scopeType: spike.scope.type, scopeId: spike.scope.id, severity },
});

/** The contributors a region incident counts past those it lists: an operator decides about those. */
const others = (spike: RuleFacts): string =>
  spike.otherContributors === undefined
    ? ''
    : ` (and ${spike.otherContributors} more warehouses, past the ${spike.contributors?.length ?? 0} with the largest excess: the ticket leaves them to an operator)`;

/**
 * The rule: every incident opens a ticket for the operators first. A warehouse-scoped cancellation spike then
 * pauses the warehouse's intake (no other reroute sends it orders) and reroutes its open orders placed since
 * `lookbackMinutes` before the spike window; a region-scoped one moves the region's open orders away from the
 * warehouses the incident names as contributors. A region incident naming no contributor asks for a human.
 * Customers are never notified by the rule: that is irreversible, left to the reasoner and policy.
 */
export function ruleDraft(spike: RuleFacts, options: PlanningOptions = {}): DraftPlan {
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
        ticketFor(spike, 'sev1'),
        { taskType: 'rebalance_region', parameters: { region: spike.scope.id, fromWarehouseIds, since } },
      ],
      rationale: `customers in region ${spike.scope.id} cancel more at ${fromWarehouseIds.join(', ')}${others(spike)}: move the region's open orders placed since ${since} to other warehouses serving it`,
    };
  }
  return {
    tasks: [
      ticketFor(spike, 'sev2'),
      { taskType: 'pause_warehouse_intake', parameters: { warehouseId: spike.scope.id } },
      { taskType: 'reroute_orders', parameters: { fromWarehouseId: spike.scope.id, since } },
    ],
    rationale: `cancellations concentrate at warehouse ${spike.scope.id}: pause its intake and move its open orders placed since ${since} to warehouses serving the same regions`,
  };
}

/**
 * The plan of an incident from validated tasks: identifiers derive from the incident, so a retried planning step
 * yields the same plan and the same idempotency keys, whichever planner wrote the tasks.
 */
export function planOf(
  spike: OrderCancellationSpike,
  tasks: readonly ValidTask[],
  evidence: readonly string[],
  planner: RemediationPlan['planner'],
  templateId?: string,
): RemediationPlan {
  const planId = `plan#${spike.correlationId}`;
  const summary =
    planner === 'template'
      ? `${summarizeTasks(tasks)} (procedural template ${templateId ?? 'unnamed'})`
      : summarizeTasks(tasks);
  return parseDetail('remediation_planned', {
    schemaVersion: 1,
    correlationId: spike.correlationId,
    planId,
    entity: incidentEntity(spike),
    summary,
    evidence: [...evidence],
    planner,
    ...(templateId === undefined ? {} : { templateId }),
    tasks: materializeTasks(tasks, { planId, correlationId: spike.correlationId }),
  });
}
