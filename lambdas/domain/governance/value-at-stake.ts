/**
 * What a task puts at stake, for the policy's risk score when the caller does not say: the open orders it moves
 * or whose customers it notifies, and their totals. The policy decision point reads them from the order book
 * (its policy information point) before deciding.
 */

/** The orders a task touches: open orders of these warehouses placed since `since`, of one region or all. */
export interface StakeQuery {
  readonly warehouseIds: readonly string[];
  readonly since: string;
  /** Only the orders shipping to this customer region. */
  readonly region?: string;
}

export interface Impact {
  readonly valueAtStakeCents: number;
  readonly orders: number;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

/**
 * The orders a task of `taskType` touches, from its parameters; undefined for a task that moves or notifies no
 * existing order (a ticket, an intake pause, a compensation putting things back).
 */
export function stakeQuery(
  taskType: string,
  parameters: Readonly<Record<string, unknown>>,
): StakeQuery | undefined {
  const since = text(parameters.since);
  if (since === undefined) return undefined;
  switch (taskType) {
    case 'reroute_orders': {
      const from = text(parameters.fromWarehouseId);
      return from === undefined ? undefined : { warehouseIds: [from], since };
    }
    case 'rebalance_region': {
      const region = text(parameters.region);
      const from = Array.isArray(parameters.fromWarehouseIds)
        ? parameters.fromWarehouseIds.filter((id): id is string => text(id) !== undefined)
        : [];
      return region === undefined || from.length === 0 ? undefined : { warehouseIds: from, since, region };
    }
    case 'notify_customers': {
      // A region's customers are spread over warehouses the task does not name: only a warehouse's are counted.
      const warehouse = parameters.scopeType === 'warehouse' ? text(parameters.scopeId) : undefined;
      return warehouse === undefined ? undefined : { warehouseIds: [warehouse], since };
    }
    default:
      return undefined;
  }
}

/** Sums the open orders by region of each queried warehouse into the task's impact. */
export function impactOf(
  query: StakeQuery,
  byWarehouse: readonly ReadonlyMap<string, { readonly orders: number; readonly totalCents: number }>[],
): Impact {
  let orders = 0;
  let valueAtStakeCents = 0;
  for (const byRegion of byWarehouse) {
    for (const [region, value] of byRegion) {
      if (query.region !== undefined && region !== query.region) continue;
      orders += value.orders;
      valueAtStakeCents += value.totalCents;
    }
  }
  return { orders, valueAtStakeCents };
}
