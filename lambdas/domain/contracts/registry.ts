import { z } from 'zod';
import {
  agentErrorV1,
  orderCancellationSpikeV1,
  remediationCompensatedV1,
  remediationFailedV1,
  remediationPlannedV1,
  rerouteCompleteV1,
  rerouteOrdersV1,
  rerouteRevertedV1,
  revertRerouteV1,
} from './platform';
import { orderCancelledV1, orderPlacedV1 } from './retail';

export interface Contract {
  readonly detailType: string;
  readonly source: string;
  readonly version: number;
  readonly description: string;
  readonly schema: z.ZodType;
}

/** Sources, one per producer. */
export const sources = {
  orders: 'retail.orders',
  monitoring: 'proactive.monitoring',
  planning: 'proactive.planning',
  fulfillment: 'proactive.fulfillment',
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
    version: 1,
    description: 'The fulfillment agent reassigned the orders (min-cost max-flow).',
    schema: rerouteCompleteV1,
  },
  reroute_reverted: {
    detailType: 'reroute_reverted',
    source: sources.fulfillment,
    version: 1,
    description: 'The fulfillment agent restored the orders a reroute had moved.',
    schema: rerouteRevertedV1,
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
    version: 1,
    description: 'A failed remediation was undone.',
    schema: remediationCompensatedV1,
  },
  agent_error: {
    detailType: 'agent_error',
    source: 'proactive.agents',
    version: 1,
    description: 'An agent rejected an event; the event and the reason are kept.',
    schema: agentErrorV1,
  },
} as const satisfies Record<string, Contract>;

export type DetailType = keyof typeof contracts;
export type DetailOf<T extends DetailType> = z.output<(typeof contracts)[T]['schema']>;

/** JSON Schema (draft 2020-12) of a contract's `detail`, for the EventBridge schema registry. */
export function detailJsonSchema(detailType: DetailType): Record<string, unknown> {
  const contract = contracts[detailType];
  return z.toJSONSchema(contract.schema, { io: 'input', unrepresentable: 'any' });
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
      source: { type: 'string', enum: [contract.source] },
      account: { type: 'string' },
      time: { type: 'string', format: 'date-time' },
      region: { type: 'string' },
      resources: { type: 'array', items: { type: 'string' } },
      detail,
    },
  };
}
