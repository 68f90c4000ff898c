import { rebalanceParameters, rerouteParameters } from '../../contracts/platform';
import { sinceCheck, type TaskSpec } from './task-spec';

/** Moves a failing warehouse's open orders; the fulfillment agent runs it (min-cost max-flow). */
export const rerouteOrders: TaskSpec<'reroute_orders'> = {
  taskType: 'reroute_orders',
  description:
    'Move the open orders of a failing warehouse to warehouses that serve the same regions, at minimum shipping cost within capacity.',
  parameters: rerouteParameters.extend({
    fromWarehouseId: rerouteParameters.shape.fromWarehouseId.describe(
      'The failing warehouse whose open orders move: the warehouse the incident is about.',
    ),
    since: rerouteParameters.shape.since.describe(
      'Open orders placed at or after this ISO 8601 time move; at or before the end of the incident window.',
    ),
  }),
  baseCostCents: 2_500,
  risk: 'medium',
  slaSeconds: 600,
  timeoutSeconds: 900,
  idempotencyPrefix: 'reroute',
  compensation: {
    taskType: 'revert_reroute',
    timeoutSeconds: 300,
    idempotencyPrefix: 'revert',
    parameters: (params, key) => ({ fromWarehouseId: params.fromWarehouseId, rerouteIdempotencyKey: key }),
  },
  check: (params, incident) => {
    if (incident.scope.type !== 'warehouse') {
      return `reroute_orders needs a warehouse-scoped incident; this one is scoped to ${incident.scope.type} ${incident.scope.id}`;
    }
    if (params.fromWarehouseId !== incident.scope.id) {
      return `fromWarehouseId must be the incident's warehouse "${incident.scope.id}", got "${params.fromWarehouseId}"`;
    }
    return sinceCheck(params.since, incident);
  },
  summarize: (params) =>
    `Reroute open orders placed at ${params.fromWarehouseId} since ${params.since} to other warehouses serving their regions.`,
};

/** Moves a region's open orders away from the warehouses failing it; the fulfillment agent runs it. */
export const rebalanceRegion: TaskSpec<'rebalance_region'> = {
  taskType: 'rebalance_region',
  description:
    "Move a customer region's open orders away from the warehouses whose deliveries to it fail (the incident's contributors) to other warehouses that serve the region, at minimum shipping cost within capacity. When no other warehouse can serve the region, the task fails and an operator is notified with the evidence.",
  parameters: rebalanceParameters.extend({
    region: rebalanceParameters.shape.region.describe(
      'The customer region whose orders move: the region the incident is about.',
    ),
    fromWarehouseIds: rebalanceParameters.shape.fromWarehouseIds.describe(
      "The warehouses the region's orders leave: contributors named by the incident.",
    ),
    since: rebalanceParameters.shape.since.describe(
      'Open orders placed at or after this ISO 8601 time move; at or before the end of the incident window.',
    ),
  }),
  baseCostCents: 4_000,
  risk: 'high',
  slaSeconds: 900,
  timeoutSeconds: 900,
  idempotencyPrefix: 'rebalance',
  compensation: {
    taskType: 'revert_rebalance',
    timeoutSeconds: 300,
    idempotencyPrefix: 'revert-rebalance',
    parameters: (params, key) => ({ region: params.region, rerouteIdempotencyKey: key }),
  },
  check: (params, incident) => {
    if (incident.scope.type !== 'region') {
      return `rebalance_region needs a region-scoped incident; this one is scoped to ${incident.scope.type} ${incident.scope.id}`;
    }
    if (params.region !== incident.scope.id) {
      return `region must be the incident's region "${incident.scope.id}", got "${params.region}"`;
    }
    const contributors = new Set((incident.contributors ?? []).map((c) => c.warehouseId));
    const strangers = params.fromWarehouseIds.filter((id) => !contributors.has(id));
    if (strangers.length > 0) {
      return `fromWarehouseIds must be contributors of the incident (${[...contributors].join(', ') || 'none named'}), got ${strangers.join(', ')}`;
    }
    if (new Set(params.fromWarehouseIds).size !== params.fromWarehouseIds.length) {
      return 'fromWarehouseIds must not repeat a warehouse';
    }
    return sinceCheck(params.since, incident);
  },
  summarize: (params) =>
    `Move open orders of region ${params.region} placed since ${params.since} away from ${params.fromWarehouseIds.join(', ')} to other warehouses serving the region.`,
};
