import type { OpenOrder, RerouteAssignment } from './assignment';
import { planReroute } from './assignment';
import { RerouteNotPlannable } from './errors';
import { networkServing, type NetworkStore } from './network';
import type { OrderBook } from './order-book';

export interface RerouteOutcome {
  readonly fromWarehouseId: string;
  readonly assignments: RerouteAssignment[];
  readonly reroutedCount: number;
  readonly totalCost: number;
  readonly unassigned: { orderId: string; reason: string }[];
}

export interface RebalanceOutcome extends Omit<RerouteOutcome, 'fromWarehouseId'> {
  readonly region: string;
  readonly fromWarehouseIds: string[];
}

/**
 * Moves the open orders of a failing warehouse (placed since `since`) to the warehouses that serve their
 * regions, at minimum shipping cost within the capacity each has left, and records what moved so that a
 * compensation can undo exactly that.
 *
 * Throws `RerouteNotPlannable` when there are orders to move and none can go anywhere: nothing moves, and the
 * saga learns it at once instead of waiting for its timeout.
 */
export async function rerouteOrders(
  command: { fromWarehouseId: string; since: string; idempotencyKey: string },
  book: OrderBook,
  network: NetworkStore,
): Promise<RerouteOutcome> {
  const { fromWarehouseId, since, idempotencyKey } = command;
  const orders = await book.openOrders(fromWarehouseId, since);
  const outcome = await moveOrders(orders, [fromWarehouseId], since, idempotencyKey, book, network, {
    what: `the reroute away from ${fromWarehouseId}`,
    record: fromWarehouseId,
  });
  return { fromWarehouseId, ...outcome };
}

/**
 * A region incident's remediation: moves the open orders of customers in `region` (placed since `since`) away
 * from the warehouses failing it to the other warehouses that serve the region, at minimum cost within
 * capacity. Orders of other regions stay where they are.
 *
 * Throws `RerouteNotPlannable` when the region has open orders there and no other warehouse can take any.
 */
export async function rebalanceRegion(
  command: { region: string; fromWarehouseIds: readonly string[]; since: string; idempotencyKey: string },
  book: OrderBook,
  network: NetworkStore,
): Promise<RebalanceOutcome> {
  const { region, since, idempotencyKey } = command;
  const fromWarehouseIds = [...new Set(command.fromWarehouseIds)];
  const orders: OpenOrder[] = [];
  for (const warehouseId of fromWarehouseIds) {
    for (const order of await book.openOrders(warehouseId, since)) {
      if (order.region === region) orders.push(order);
    }
  }
  const outcome = await moveOrders(orders, fromWarehouseIds, since, idempotencyKey, book, network, {
    what: `the rebalance of region ${region} away from ${fromWarehouseIds.join(', ')}`,
    record: fromWarehouseIds.join(','),
  });
  return { region, fromWarehouseIds, ...outcome };
}

async function moveOrders(
  orders: readonly OpenOrder[],
  excluded: readonly string[],
  since: string,
  idempotencyKey: string,
  book: OrderBook,
  store: NetworkStore,
  label: { what: string; record: string },
): Promise<Omit<RerouteOutcome, 'fromWarehouseId'>> {
  const network = await networkServing(
    orders.map((order) => order.region),
    excluded,
    store,
  );
  const openLoad = await book.openLoad(
    network.warehouses.map((w) => w.warehouseId),
    since,
  );
  const plan = planReroute({ orders: [...orders], network, excludedWarehouseIds: [...excluded], openLoad });
  if (orders.length > 0 && plan.assignments.length === 0) {
    throw new RerouteNotPlannable(label.what, reasonsOf(plan.unassigned));
  }

  const moved = await book.move(plan.assignments, idempotencyKey);
  await book.saveReroute({ idempotencyKey, fromWarehouseId: label.record, assignments: moved });
  const movedIds = new Set(moved.map((a) => a.orderId));
  const changedMeanwhile = plan.assignments
    .filter((a) => !movedIds.has(a.orderId))
    .map((a) => ({ orderId: a.orderId, reason: 'cancelled or moved while rerouting' }));

  return {
    assignments: moved,
    reroutedCount: moved.length,
    totalCost: moved.reduce((sum, a) => sum + a.cost, 0),
    unassigned: [...plan.unassigned, ...changedMeanwhile],
  };
}

/** "no warehouse serves region us-west (12 orders)", one line per distinct reason. */
function reasonsOf(unassigned: readonly { reason: string }[]): string[] {
  const counts = new Map<string, number>();
  for (const { reason } of unassigned) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return [...counts].map(([reason, count]) => `${reason} (${count} order${count === 1 ? '' : 's'})`);
}

/** Undoes a reroute or a rebalance: a no-op when it never ran (the saga may compensate after a timeout). */
export async function revertReroute(
  command: { rerouteIdempotencyKey: string },
  book: OrderBook,
): Promise<{ restoredCount: number }> {
  const record = await book.findReroute(command.rerouteIdempotencyKey);
  const restoredCount = record ? await book.restore(record) : 0;
  return { restoredCount };
}
