import type { OpenOrder, RerouteAssignment } from './assignment';
import { ordersByDestination, planReroute } from './assignment';
import { CapacityContended, RerouteCancelled, RerouteNotPlannable } from './errors';
import { networkServing, type NetworkStore } from './network';
import {
  MAX_SUMMARY_DESTINATIONS,
  MAX_SUMMARY_REASONS,
  type OrderBook,
  type RecordedPlan,
  type RerouteSummary,
  type UnassignedOrder,
} from './order-book';

export interface RerouteOutcome extends RerouteSummary {
  readonly fromWarehouseId: string;
}

export interface RebalanceOutcome extends RerouteSummary {
  readonly region: string;
  readonly fromWarehouseIds: string[];
}

/** Times a reroute re-plans when another reroute took the capacity it planned with, before giving up. */
const RESERVATION_ATTEMPTS = 5;

/**
 * Moves the open orders of a failing warehouse (placed since `since`) to the warehouses that serve their
 * regions, at minimum shipping cost within the capacity each has left, and answers a bounded summary; the
 * full assignment stays in the reroute's journal (the claim check), under `idempotencyKey`.
 *
 * Throws `RerouteNotPlannable` when there are orders to move and none can go anywhere (nothing moves, and the
 * saga learns it at once instead of waiting for its timeout), and `RerouteCancelled` when its compensation
 * already ran.
 */
export async function rerouteOrders(
  command: { fromWarehouseId: string; since: string; idempotencyKey: string },
  book: OrderBook,
  network: NetworkStore,
): Promise<RerouteOutcome> {
  const { fromWarehouseId, since, idempotencyKey } = command;
  const summary = await runReroute(idempotencyKey, book, network, {
    what: `the reroute away from ${fromWarehouseId}`,
    label: fromWarehouseId,
    excluded: [fromWarehouseId],
    since,
    orders: () => book.openOrders(fromWarehouseId, since),
  });
  return { fromWarehouseId, ...summary };
}

/**
 * A region incident's remediation: moves the open orders of customers in `region` (placed since `since`) away
 * from the warehouses failing it to the other warehouses that serve the region, at minimum cost within
 * capacity. Orders of other regions stay where they are.
 *
 * Throws `RerouteNotPlannable` when the region has open orders there and no other warehouse can take any, and
 * `RerouteCancelled` when its compensation already ran.
 */
export async function rebalanceRegion(
  command: { region: string; fromWarehouseIds: readonly string[]; since: string; idempotencyKey: string },
  book: OrderBook,
  network: NetworkStore,
): Promise<RebalanceOutcome> {
  const { region, since, idempotencyKey } = command;
  const fromWarehouseIds = [...new Set(command.fromWarehouseIds)];
  const summary = await runReroute(idempotencyKey, book, network, {
    what: `the rebalance of region ${region} away from ${fromWarehouseIds.join(', ')}`,
    label: fromWarehouseIds.join(','),
    excluded: fromWarehouseIds,
    since,
    orders: async () => {
      const orders: OpenOrder[] = [];
      for (const warehouseId of fromWarehouseIds) {
        for (const order of await book.openOrders(warehouseId, since)) {
          if (order.region === region) orders.push(order);
        }
      }
      return orders;
    },
  });
  return { region, fromWarehouseIds, ...summary };
}

interface RerouteSpec {
  /** For errors: "the reroute away from WH-1". */
  readonly what: string;
  /** Recorded in the journal: where the orders came from. */
  readonly label: string;
  readonly excluded: readonly string[];
  readonly since: string;
  readonly orders: () => Promise<OpenOrder[]>;
}

/**
 * A reroute as a write-ahead journal: open it (a tombstone means its compensation already ran), plan against
 * the capacity others hold, record the plan and reserve capacity in one step (re-planning when a concurrent
 * reroute reserved first), move, complete. Run again with the same key, it resumes where it stopped.
 */
async function runReroute(
  key: string,
  book: OrderBook,
  store: NetworkStore,
  spec: RerouteSpec,
): Promise<RerouteSummary> {
  const journal = await book.openJournal(key, spec.label);
  if (journal.state === 'reverted') throw new RerouteCancelled(spec.what);
  if (journal.state === 'applied' && journal.summary) return journal.summary;
  if (journal.state === 'moving' || journal.state === 'applied') {
    return finish(key, await book.recordedPlan(key), book, spec);
  }

  for (let attempt = 1; ; attempt++) {
    const orders = await spec.orders();
    const network = await networkServing(
      orders.map((order) => order.region),
      spec.excluded,
      store,
    );
    const ids = network.warehouses.map((w) => w.warehouseId);
    const [native, holds] = await Promise.all([book.openLoad(ids, spec.since), book.holds(ids, spec.since)]);
    const openLoad = Object.fromEntries(
      ids.map((id) => [id, (native[id] ?? 0) + (holds.get(id)?.reserved ?? 0)]),
    );
    const plan = planReroute({ orders, network, excludedWarehouseIds: [...spec.excluded], openLoad });
    if (orders.length > 0 && plan.assignments.length === 0) {
      throw new RerouteNotPlannable(
        spec.what,
        reasonsOf(plan.unassigned).map(([reason, n]) => countLine(reason, n)),
      );
    }
    const reservations = ordersByDestination(plan.assignments);
    const seen = new Map(
      [...reservations.keys()].map((id) => [id, holds.get(id) ?? { reserved: 0, version: 0 }]),
    );
    const recorded = await book.recordPlan(key, plan, reservations, seen);
    if (recorded === 'reverted') throw new RerouteCancelled(spec.what);
    if (recorded === 'recorded') return finish(key, plan, book, spec);
    if (attempt >= RESERVATION_ATTEMPTS) throw new CapacityContended(spec.what, attempt);
  }
}

/** Moves what the recorded plan says, and completes the journal with the summary. */
async function finish(
  key: string,
  plan: RecordedPlan,
  book: OrderBook,
  spec: RerouteSpec,
): Promise<RerouteSummary> {
  const { moved, reverted } = await book.move(key, plan.assignments);
  if (reverted) throw new RerouteCancelled(spec.what);
  const movedIds = new Set(moved.map((a) => a.orderId));
  const unassigned: UnassignedOrder[] = [...plan.unassigned];
  for (const a of plan.assignments) {
    if (!movedIds.has(a.orderId))
      unassigned.push({ orderId: a.orderId, reason: 'cancelled or moved while rerouting' });
  }
  const summary = summarize(moved, unassigned, book.reference(key));
  await book.complete(key, summary, moved);
  return summary;
}

/** The bounded summary of a reroute: counts and cost per destination, unassigned orders counted by reason. */
function summarize(
  moved: readonly RerouteAssignment[],
  unassigned: readonly UnassignedOrder[],
  assignmentsRef: RerouteSummary['assignmentsRef'],
): RerouteSummary {
  const byDestination = new Map<string, { warehouseId: string; orders: number; cost: number }>();
  let totalCost = 0;
  for (const a of moved) {
    totalCost += a.cost;
    const entry = byDestination.get(a.toWarehouseId);
    if (entry) {
      entry.orders++;
      entry.cost += a.cost;
    } else byDestination.set(a.toWarehouseId, { warehouseId: a.toWarehouseId, orders: 1, cost: a.cost });
  }
  const destinations = [...byDestination.values()].sort(
    (x, y) => y.orders - x.orders || x.warehouseId.localeCompare(y.warehouseId),
  );
  const reasons = reasonsOf(unassigned);
  return {
    assignmentsRef,
    reroutedCount: moved.length,
    totalCost,
    destinations: destinations.slice(0, MAX_SUMMARY_DESTINATIONS),
    otherDestinations: Math.max(0, destinations.length - MAX_SUMMARY_DESTINATIONS),
    unassignedCount: unassigned.length,
    unassignedReasons: reasons.slice(0, MAX_SUMMARY_REASONS).map(([reason, orders]) => ({ reason, orders })),
  };
}

/** Distinct reasons with their order counts, most orders first. */
function reasonsOf(unassigned: readonly { reason: string }[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const { reason } of unassigned) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return [...counts].sort(([ra, a], [rb, b]) => b - a || ra.localeCompare(rb));
}

/** "no warehouse serves region us-west (12 orders)" */
const countLine = (reason: string, count: number) => `${reason} (${count} order${count === 1 ? '' : 's'})`;

/**
 * Undoes a reroute or a rebalance: moves back every order it recorded that is still where it put it. When the
 * reroute has not run yet (the saga may compensate after a timeout), leaves a tombstone that the late command
 * honours, so it never moves anything.
 */
export async function revertReroute(
  command: { rerouteIdempotencyKey: string },
  book: OrderBook,
): Promise<{ restoredCount: number }> {
  return { restoredCount: await book.revert(command.rerouteIdempotencyKey) };
}
