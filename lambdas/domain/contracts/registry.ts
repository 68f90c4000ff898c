import { z } from 'zod';
import {
  agentErrorV1,
  commandFailedV1,
  compensationFailedV1,
  orderCancellationSpikeV1,
  rebalanceRegionV1,
  rebalanceRevertedV1,
  regionRebalancedV2,
  remediationEscalatedV1,
  revertRebalanceV1,
  remediationCompensatedV2,
  remediationFailedV1,
  remediationPlannedV1,
  rerouteCompleteV2,
  rerouteOrdersV1,
  rerouteRevertedV1,
  revertRerouteV1,
} from './platform';
import {
  closeIncidentTicketV1,
  customersNotifiedV1,
  incidentTicketClosedV1,
  incidentTicketOpenedV1,
  notifyCustomersV1,
  openIncidentTicketV1,
  pauseWarehouseIntakeV1,
  resumeWarehouseIntakeV1,
  warehouseIntakePausedV1,
  warehouseIntakeResumedV1,
} from './operations';
import { approvalDecidedV1, approvalRequestedV1, remediationSuggestedV1 } from './approvals';
import { actionBlockedV1, budgetExceededV1, policyDecisionV1 } from './governance';
import { capacityChangedV1, orderCancelledV1, orderPlacedV1, warehouseUpdatedV1 } from './retail';

export interface Contract {
  readonly detailType: string;
  readonly source: string;
  /** Other producers that emit the same detail-type with the same schema (e.g. `command_failed`). */
  readonly otherSources?: readonly string[];
  readonly version: number;
  readonly description: string;
  readonly schema: z.ZodType;
}

/** Sources, one per producer. */
export const sources = {
  orders: 'retail.orders',
  warehouses: 'retail.warehouses',
  monitoring: 'proactive.monitoring',
  planning: 'proactive.planning',
  fulfillment: 'proactive.fulfillment',
  operations: 'proactive.operations',
  governance: 'proactive.governance',
} as const;

/** Every detail-type the platform reads or writes, at its current version. */
export const contracts = {
  order_placed: {
    detailType: 'order_placed',
    source: sources.orders,
    version: 1,
    description: 'An order service accepted an order.',
    schema: orderPlacedV1,
  },
  order_cancelled: {
    detailType: 'order_cancelled',
    source: sources.orders,
    version: 1,
    description: 'An order was cancelled before fulfillment.',
    schema: orderCancelledV1,
  },
  warehouse_updated: {
    detailType: 'warehouse_updated',
    source: sources.warehouses,
    version: 1,
    description:
      'A warehouse service described a warehouse: its region, capacity, status and the regions it ships to at what cost.',
    schema: warehouseUpdatedV1,
  },
  capacity_changed: {
    detailType: 'capacity_changed',
    source: sources.warehouses,
    version: 1,
    description: 'The number of open orders a warehouse can hold changed.',
    schema: capacityChangedV1,
  },
  order_cancellation_spike: {
    detailType: 'order_cancellation_spike',
    source: sources.monitoring,
    version: 1,
    description: 'The cancellation ratio of a scope rose far above its baseline (one per incident).',
    schema: orderCancellationSpikeV1,
  },
  remediation_planned: {
    detailType: 'remediation_planned',
    source: sources.planning,
    version: 1,
    description: 'The saga planned a remediation: its tasks and the evidence behind them.',
    schema: remediationPlannedV1,
  },
  reroute_orders: {
    detailType: 'reroute_orders',
    source: sources.planning,
    version: 1,
    description: 'Command: move open orders away from a warehouse.',
    schema: rerouteOrdersV1,
  },
  revert_reroute: {
    detailType: 'revert_reroute',
    source: sources.planning,
    version: 1,
    description: 'Command (compensation): undo a reroute.',
    schema: revertRerouteV1,
  },
  reroute_complete: {
    detailType: 'reroute_complete',
    source: sources.fulfillment,
    version: 2,
    description: 'The fulfillment agent reassigned the orders (min-cost max-flow).',
    schema: rerouteCompleteV2,
  },
  reroute_reverted: {
    detailType: 'reroute_reverted',
    source: sources.fulfillment,
    version: 1,
    description: 'The fulfillment agent restored the orders a reroute had moved.',
    schema: rerouteRevertedV1,
  },
  rebalance_region: {
    detailType: 'rebalance_region',
    source: sources.planning,
    version: 1,
    description: "Command: move a customer region's open orders away from the warehouses failing it.",
    schema: rebalanceRegionV1,
  },
  revert_rebalance: {
    detailType: 'revert_rebalance',
    source: sources.planning,
    version: 1,
    description: 'Command (compensation): undo a region rebalance.',
    schema: revertRebalanceV1,
  },
  region_rebalanced: {
    detailType: 'region_rebalanced',
    source: sources.fulfillment,
    version: 2,
    description: "The fulfillment agent moved a region's orders to warehouses that can still serve it.",
    schema: regionRebalancedV2,
  },
  rebalance_reverted: {
    detailType: 'rebalance_reverted',
    source: sources.fulfillment,
    version: 1,
    description: 'The fulfillment agent restored the orders a region rebalance had moved.',
    schema: rebalanceRevertedV1,
  },
  command_failed: {
    detailType: 'command_failed',
    source: sources.fulfillment,
    otherSources: [sources.operations],
    version: 1,
    description: "A command could not be carried out; the saga's task fails at once with the reason.",
    schema: commandFailedV1,
  },
  remediation_escalated: {
    detailType: 'remediation_escalated',
    source: sources.planning,
    version: 1,
    description: 'An operator is asked to act, with the evidence: the platform cannot remediate on its own.',
    schema: remediationEscalatedV1,
  },
  remediation_failed: {
    detailType: 'remediation_failed',
    source: sources.planning,
    version: 1,
    description: 'A remediation failed at planning, execution or compensation.',
    schema: remediationFailedV1,
  },
  remediation_compensated: {
    detailType: 'remediation_compensated',
    source: sources.planning,
    version: 2,
    description:
      'A failed remediation was undone: each task from the failed one back to the first, compensated or irreversible.',
    schema: remediationCompensatedV2,
  },
  compensation_failed: {
    detailType: 'compensation_failed',
    source: sources.planning,
    version: 1,
    description:
      'A compensation failed after its retries: the remediation is only partly undone and an operator is asked to finish it.',
    schema: compensationFailedV1,
  },
  approval_requested: {
    detailType: 'approval_requested',
    source: sources.planning,
    version: 1,
    description:
      'Policy holds a task for a human: the tier of the escalation chain asked, why, and the task token that answers it (npm run approve).',
    schema: approvalRequestedV1,
  },
  approval_decided: {
    detailType: 'approval_decided',
    source: sources.planning,
    version: 1,
    description:
      'An approval was answered (approved, rejected) or its tier lapsed (escalated to the next tier, or expired at the last).',
    schema: approvalDecidedV1,
  },
  remediation_suggested: {
    detailType: 'remediation_suggested',
    source: sources.planning,
    version: 1,
    description: "A suggest-only agent's plan was published for people to act on; the saga ran none of it.",
    schema: remediationSuggestedV1,
  },
  pause_warehouse_intake: {
    detailType: 'pause_warehouse_intake',
    source: sources.planning,
    version: 1,
    description: 'Command: stop sending orders to a warehouse (no reroute chooses it while paused).',
    schema: pauseWarehouseIntakeV1,
  },
  resume_warehouse_intake: {
    detailType: 'resume_warehouse_intake',
    source: sources.planning,
    version: 1,
    description: "Command (compensation): lift one pause of a warehouse's intake.",
    schema: resumeWarehouseIntakeV1,
  },
  open_incident_ticket: {
    detailType: 'open_incident_ticket',
    source: sources.planning,
    version: 1,
    description: 'Command: open an incident ticket for the operators.',
    schema: openIncidentTicketV1,
  },
  close_incident_ticket: {
    detailType: 'close_incident_ticket',
    source: sources.planning,
    version: 1,
    description: 'Command (compensation): close the incident ticket a remediation opened.',
    schema: closeIncidentTicketV1,
  },
  notify_customers: {
    detailType: 'notify_customers',
    source: sources.planning,
    version: 1,
    description: 'Command (irreversible): tell the customers of the affected orders.',
    schema: notifyCustomersV1,
  },
  warehouse_intake_paused: {
    detailType: 'warehouse_intake_paused',
    source: sources.operations,
    version: 1,
    description: "The operations agent paused a warehouse's intake.",
    schema: warehouseIntakePausedV1,
  },
  warehouse_intake_resumed: {
    detailType: 'warehouse_intake_resumed',
    source: sources.operations,
    version: 1,
    description: "The operations agent lifted a pause of a warehouse's intake.",
    schema: warehouseIntakeResumedV1,
  },
  incident_ticket_opened: {
    detailType: 'incident_ticket_opened',
    source: sources.operations,
    version: 1,
    description: 'The operations agent opened an incident ticket.',
    schema: incidentTicketOpenedV1,
  },
  incident_ticket_closed: {
    detailType: 'incident_ticket_closed',
    source: sources.operations,
    version: 1,
    description: 'The operations agent closed an incident ticket (or left a tombstone for one never opened).',
    schema: incidentTicketClosedV1,
  },
  customers_notified: {
    detailType: 'customers_notified',
    source: sources.operations,
    version: 1,
    description: 'The operations agent recorded and sent a customer notification.',
    schema: customersNotifiedV1,
  },
  agent_error: {
    detailType: 'agent_error',
    // Each agent announces its own rejections, as the source it publishes as (the order book and the network
    // agent as the fulfillment context they belong to).
    source: sources.monitoring,
    otherSources: [sources.fulfillment, sources.operations],
    version: 1,
    description:
      'An agent kept an event in its dead-letter queue for good, with the reason; the event is named, not copied.',
    schema: agentErrorV1,
  },
  policy_decision: {
    detailType: 'policy_decision',
    source: sources.governance,
    version: 1,
    description:
      'The policy decision point decided whether an agent may run a task: allow, deny, require approval or suggest only.',
    schema: policyDecisionV1,
  },
  budget_exceeded: {
    detailType: 'budget_exceeded',
    source: sources.governance,
    version: 1,
    description:
      'The inference firewall refused a model call that would take the agent past its daily cost ceiling; the agent fell back instead.',
    schema: budgetExceededV1,
  },
  action_blocked: {
    detailType: 'action_blocked',
    source: sources.governance,
    version: 1,
    description:
      'A task type the governance configuration blocks was refused before it ran, whatever the policies said.',
    schema: actionBlockedV1,
  },
} as const satisfies Record<string, Contract>;

/** Every answer to a saga command (the fulfillment and operations agents'): the saga callback resumes on them. */
export const commandAnswers = [
  'reroute_complete',
  'reroute_reverted',
  'region_rebalanced',
  'rebalance_reverted',
  'warehouse_intake_paused',
  'warehouse_intake_resumed',
  'incident_ticket_opened',
  'incident_ticket_closed',
  'customers_notified',
  'command_failed',
] as const;

export type DetailType = keyof typeof contracts;
export type DetailOf<T extends DetailType> = z.output<(typeof contracts)[T]['schema']>;

/** The other sources a contract allows, if any. */
function producersBesides(contract: Contract): readonly string[] {
  return contract.otherSources ?? [];
}

/** Whether `source` may emit `contract`'s detail-type. */
export function producedBy(contract: Contract, source: string): boolean {
  return contract.source === source || producersBesides(contract).includes(source);
}

/**
 * The full EventBridge event as an OpenAPI-free JSON Schema document, the form `AWS::EventSchemas::Schema`
 * accepts with `Type: JSONSchemaDraft4`.
 */
export function eventJsonSchema(detailType: DetailType): Record<string, unknown> {
  const contract = contracts[detailType];
  const detail = z.toJSONSchema(contract.schema, { io: 'input', unrepresentable: 'any', target: 'draft-4' });
  delete (detail as { $schema?: string }).$schema;
  return {
    $schema: 'http://json-schema.org/draft-04/schema#',
    title: `${contract.detailType} v${contract.version}`,
    description: contract.description,
    type: 'object',
    required: ['detail-type', 'source', 'detail'],
    properties: {
      version: { type: 'string' },
      id: { type: 'string' },
      'detail-type': { type: 'string', enum: [contract.detailType] },
      source: { type: 'string', enum: [contract.source, ...producersBesides(contract)] },
      account: { type: 'string' },
      time: { type: 'string', format: 'date-time' },
      region: { type: 'string' },
      resources: { type: 'array', items: { type: 'string' } },
      detail,
    },
  };
}
