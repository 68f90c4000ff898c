import { isDetailType } from './parse';
import { contracts } from './registry';

const percent = (ratio: unknown): string => `${(Number(ratio) * 100).toFixed(1)}%`;
const money = (cents: unknown): string =>
  `$${(Number(cents) / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
/** Integer micro-dollars (the budget ledger's unit) as dollars. */
const usd = (microUsd: unknown): string => `$${(Number(microUsd) / 1e6).toFixed(4)}`;
const hhmm = (iso: unknown): string => String(iso).slice(11, 16);

type Detail = Record<string, unknown>;

/** ` (WH-BOS 240, WH-CHI 39), shipping $1,391.70, 0 left unassigned` */
function moves(d: Detail): string {
  const destinations = (d.destinations as { warehouseId: string; orders: number }[] | undefined) ?? [];
  const others = Number(d.otherDestinations ?? 0);
  const targets = [...destinations]
    .sort((a, b) => a.warehouseId.localeCompare(b.warehouseId))
    .map(({ warehouseId, orders }) => `${warehouseId} ${orders}`)
    .concat(others > 0 ? [`${others} more`] : [])
    .join(', ');
  const unassigned = Number(d.unassignedCount ?? 0);
  return `${targets ? ` (${targets})` : ''}, shipping ${money(d.totalCost)}, ${unassigned} left unassigned`;
}

const describers: Record<string, (d: Detail) => string> = {
  order_placed: (d) => `order ${String(d.orderId)} placed at ${String(d.warehouseId)} (${String(d.region)})`,
  order_cancelled: (d) =>
    `order ${String(d.orderId)} cancelled at ${String(d.warehouseId)}: ${String(d.reason)}`,
  order_cancellation_spike: (d) => {
    const scope = d.scope as { type: string; id: string };
    const window = d.window as { start: string; end: string };
    return (
      `spike at ${scope.type} ${scope.id}: cancellation ratio ${percent(d.observedRatio)} vs baseline ` +
      `${percent(d.baselineRatio)} (${String(d.cancelled)} cancelled, ${String(d.placed)} placed, ` +
      `${hhmm(window.start)}–${hhmm(window.end)}, p=${Number(d.pValue).toExponential(1)})`
    );
  },
  remediation_planned: (d) => {
    const evidence = (d.evidence as string[] | undefined) ?? [];
    return `plan by ${String(d.planner)}: ${String(d.summary)}${evidence.map((e) => `\n      evidence: ${e}`).join('')}`;
  },
  reroute_orders: (d) => {
    const p = d.parameters as { fromWarehouseId: string; since: string };
    return `command: move open orders away from ${p.fromWarehouseId} placed since ${hhmm(p.since)}`;
  },
  reroute_complete: (d) =>
    `rerouted ${String(d.reroutedCount)} orders away from ${String(d.fromWarehouseId)}${moves(d)}`,
  rebalance_region: (d) => {
    const p = d.parameters as { region: string; fromWarehouseIds: string[]; since: string };
    return `command: move open orders of region ${p.region} away from ${p.fromWarehouseIds.join(', ')} placed since ${hhmm(p.since)}`;
  },
  region_rebalanced: (d) =>
    `moved ${String(d.reroutedCount)} orders of region ${String(d.region)} away from ${(d.fromWarehouseIds as string[]).join(', ')}${moves(d)}`,
  revert_rebalance: (d) =>
    `compensation: undo the rebalance of region ${String((d.parameters as Detail).region)}`,
  rebalance_reverted: (d) => `restored ${String(d.restoredCount)} orders of region ${String(d.region)}`,
  command_failed: (d) => `${String(d.commandType)} failed at once: ${String(d.error)}: ${String(d.reason)}`,
  remediation_escalated: (d) => {
    const evidence = (d.evidence as string[] | undefined) ?? [];
    return `operator asked to act: ${String(d.reason)}${evidence.map((e) => `\n      evidence: ${e}`).join('')}`;
  },
  warehouse_updated: (d) =>
    `warehouse ${String(d.warehouseId)} (${String(d.region)}) serves ${Object.keys(d.shippingCost as Detail).length} region(s), capacity ${String(d.capacity)}`,
  capacity_changed: (d) => `warehouse ${String(d.warehouseId)} capacity now ${String(d.capacity)}`,
  revert_reroute: (d) =>
    `compensation: undo the reroute away from ${String((d.parameters as Detail).fromWarehouseId)}`,
  reroute_reverted: (d) => `restored ${String(d.restoredCount)} orders to ${String(d.fromWarehouseId)}`,
  remediation_failed: (d) =>
    `remediation failed at ${String(d.stage)}: ${String(d.error)}${typeof d.cause === 'string' ? ` (${d.cause})` : ''}`,
  remediation_compensated: (d) => {
    const walk = (d.compensations as { taskType: string; outcome: string }[])
      .map((c) => (c.outcome === 'compensated' ? c.taskType : `${c.taskType} (irreversible, skipped)`))
      .join(' → ');
    return `remediation compensated (${String(d.reason)}), in reverse order: ${walk}`;
  },
  approval_requested: (d) => {
    const tier = d.tier as Detail;
    return `approval requested of ${String(tier.approvers)} (tier ${Number(tier.index) + 1}, ${String(tier.name)}, ${String(tier.timeoutSeconds)} s) for ${String(d.taskType)}: ${(d.determiningPolicies as string[]).join(', ')}`;
  },
  approval_decided: (d) => {
    const tier = d.tier as Detail;
    const then = d.outcome === 'expired' ? `, then ${String(d.then)}` : '';
    return `approval ${String(d.outcome)} at tier ${Number(tier.index) + 1} (${String(tier.name)}) for ${String(d.taskType)}${then}${typeof d.note === 'string' && d.note !== '' ? `: ${d.note}` : ''}`;
  },
  remediation_suggested: (d) =>
    `suggested only, not executed: ${String(d.taskType)} (${(d.reasons as string[]).join('; ')})`,
  compensation_failed: (d) =>
    `compensation ${String(d.compensationType)} of ${String(d.taskType)} failed: ${String(d.error)}${typeof d.cause === 'string' && d.cause !== '' ? ` (${d.cause})` : ''}`,
  open_incident_ticket: (d) => {
    const p = d.parameters as Detail;
    return `command: open a ${String(p.severity)} ticket for ${String(p.scopeType)} ${String(p.scopeId)}`;
  },
  incident_ticket_opened: (d) =>
    `ticket ${String(d.ticketId)} open (${String(d.severity)}, ${String(d.scopeType)} ${String(d.scopeId)})`,
  close_incident_ticket: (d) => `compensation: close ticket ${String((d.parameters as Detail).ticketId)}`,
  incident_ticket_closed: (d) =>
    `ticket ${String(d.ticketId)} closed${d.wasOpen === false ? ' before it opened (tombstone)' : ''}`,
  pause_warehouse_intake: (d) =>
    `command: pause the intake of ${String((d.parameters as Detail).warehouseId)}`,
  warehouse_intake_paused: (d) =>
    `intake of ${String(d.warehouseId)} paused (${String(d.activePauses)} pause(s) hold it): no reroute sends it orders`,
  resume_warehouse_intake: (d) =>
    `compensation: lift the pause of ${String((d.parameters as Detail).warehouseId)}`,
  warehouse_intake_resumed: (d) => `intake of ${String(d.warehouseId)} now ${String(d.intake)}`,
  notify_customers: (d) => {
    const p = d.parameters as Detail;
    return `command: notify customers of ${String(p.scopeType)} ${String(p.scopeId)} (${String(p.template)}, irreversible)`;
  },
  customers_notified: (d) =>
    `customers of ${String(d.scopeType)} ${String(d.scopeId)} notified (${String(d.template)}) at ${hhmm(d.sentAt)}`,
  agent_error: (d) => `${String(d.agent)} rejected an event: ${String(d.error)}`,
  policy_decision: (d) => {
    const ref = (e: unknown) => `${String((e as Detail).type)} ${String((e as Detail).id)}`;
    const policies = (d.determiningPolicies as string[]).join(', ') || 'no policy matched';
    return `policy: ${String(d.decision)} ${String((d.action as Detail).id)} on ${ref(d.resource)} by ${ref(d.principal)} (${policies})`;
  },
  budget_exceeded: (d) =>
    `budget exceeded: ${String(d.agent)} spent ${usd(d.spentMicroUsd)} of ${usd(d.ceilingMicroUsd)} on ${String(d.period)}; ${String(d.modelId)} not called, fell back to ${String(d.fallback)}`,
  action_blocked: (d) =>
    `action blocked: ${String(d.taskType)} on ${String((d.resource as Detail).type)} ${String((d.resource as Detail).id)} is blocked by configuration; it did not run`,
};

/** One line saying what an event means, for timelines and the console. */
export function describeEvent(detailType: string, detail: unknown): string {
  const describe = describers[detailType];
  if (describe && typeof detail === 'object' && detail !== null) {
    try {
      return describe(detail as Detail);
    } catch {
      // a detail that breaks its contract falls through to the raw form
    }
  }
  const text = JSON.stringify(detail) ?? 'undefined';
  const known = isDetailType(detailType) ? contracts[detailType].description : 'unknown detail-type';
  return `${known} ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`;
}
