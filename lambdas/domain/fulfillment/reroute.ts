import type { FulfillmentNetwork, RerouteAssignment } from './assignment';
import { planReroute } from './assignment';
import type { OrderBook } from './order-book';

export interface RerouteOutcome {
  readonly fromWarehouseId: string;
  readonly assignments: RerouteAssignment[];
  readonly reroutedCount: number;
  readonly totalCost: number;
  readonly unassigned: { orderId: string; reason: string }[];
}

/**
 * Moves the open orders of a failing warehouse (placed since `since`) to the warehouses that serve their
 * regions, at minimum shipping cost within the capacity each has left, and records what moved so that a
 * compensation can undo exactly that.
 */
export async function rerouteOrders(
  command: { fromWarehouseId: string; since: string; idempotencyKey: string },
  book: OrderBook,
  network: FulfillmentNetwork,
): Promise<RerouteOutcome> {
  const { fromWarehouseId, since, idempotencyKey } = command;
  const orders = await book.openOrders(fromWarehouseId, since);
  const others = network.warehouses.map((w) => w.warehouseId).filter((id) => id !== fromWarehouseId);
  const openLoad = await book.openLoad(others, since);
  const plan = planReroute({ orders, network, excludedWarehouseIds: [fromWarehouseId], openLoad });

  const moved = await book.move(plan.assignments, idempotencyKey);
  await book.saveReroute({ idempotencyKey, fromWarehouseId, assignments: moved });
  const movedIds = new Set(moved.map((a) => a.orderId));
  const changedMeanwhile = plan.assignments
    .filter((a) => !movedIds.has(a.orderId))
    .map((a) => ({ orderId: a.orderId, reason: 'cancelled or moved while rerouting' }));

  return {
    fromWarehouseId,
    assignments: moved,
    reroutedCount: moved.length,
    totalCost: moved.reduce((sum, a) => sum + a.cost, 0),
    unassigned: [...plan.unassigned, ...changedMeanwhile],
  };
}

/** Undoes a reroute: a no-op when it never ran (the saga may compensate after a timeout). */
export async function revertReroute(
  command: { fromWarehouseId: string; rerouteIdempotencyKey: string },
  book: OrderBook,
): Promise<{ fromWarehouseId: string; restoredCount: number }> {
  const record = await book.findReroute(command.rerouteIdempotencyKey);
  const restoredCount = record ? await book.restore(record) : 0;
  return { fromWarehouseId: command.fromWarehouseId, restoredCount };
}
