import { FulfillmentInputError } from './errors';
import { minCostMaxFlow } from './min-cost-flow';

/** A warehouse, the customer regions it ships to and what one order costs there (integer, e.g. cents). */
export interface WarehouseSpec {
  warehouseId: string;
  region: string;
  /** Most open orders the warehouse can hold; a non-negative integer (0: emptied, it takes nothing). */
  capacity: number;
  /** Customer region -> cost per order, a non-negative integer. The warehouse serves only these regions. */
  shippingCost: Record<string, number>;
}

export interface FulfillmentNetwork {
  warehouses: WarehouseSpec[];
}

export interface OpenOrder {
  orderId: string;
  /** The customer region the order ships to. */
  region: string;
  /** The warehouse that holds the order now. */
  warehouseId: string;
}

export interface RerouteRequest {
  /** The orders to place again; each may end up where it is, if that warehouse is not excluded. */
  orders: OpenOrder[];
  network: FulfillmentNetwork;
  /** Warehouses that must receive nothing, e.g. one that is down; one not in `network` receives nothing anyway. */
  excludedWarehouseIds: string[];
  /** Open orders already held per warehouse, excluding the ones being moved; missing ids count as 0. */
  openLoad: Record<string, number>;
}

export interface RerouteAssignment {
  orderId: string;
  fromWarehouseId: string;
  toWarehouseId: string;
  cost: number;
}

/** Orders per destination warehouse among `assignments`. */
export function ordersByDestination(assignments: readonly RerouteAssignment[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const a of assignments) counts.set(a.toWarehouseId, (counts.get(a.toWarehouseId) ?? 0) + 1);
  return counts;
}

export interface ReroutePlan {
  /** Sorted by `orderId`. */
  assignments: RerouteAssignment[];
  /** Sorted by `orderId`. */
  unassigned: { orderId: string; reason: string }[];
  totalCost: number;
}

/**
 * Places orders on warehouses: as many orders as the remaining capacities allow, and among such plans
 * the cheapest in shipping cost. Excluded warehouses get nothing, and a warehouse only takes orders for
 * the regions in its `shippingCost`, up to `capacity - openLoad`.
 *
 * The flow network has one node per customer region rather than per order (source -> region with the
 * region's order count -> warehouse at its shipping cost -> sink with the remaining capacity), so its
 * size does not grow with the number of orders. Orders of one region cost the same at a given warehouse,
 * so the region flows are split back into orders without changing the cost: orders first stay at the
 * warehouse that already holds them, then the rest fill the cheapest warehouses in `orderId` order, and
 * the last ones by `orderId` are reported unassigned. The plan depends on the input's content only,
 * not on its order.
 *
 * Throws `FulfillmentInputError` naming the field when an id is empty or repeated, a capacity, shipping cost
 * or open load is not a non-negative integer, or a loaded warehouse is not in the network.
 *
 * @example
 * planReroute({
 *   orders: [{ orderId: 'o-1', region: 'us-east', warehouseId: 'WH-NYC' }],
 *   network: { warehouses: [
 *     { warehouseId: 'WH-NYC', region: 'us-east', capacity: 10, shippingCost: { 'us-east': 450 } },
 *     { warehouseId: 'WH-BOS', region: 'us-east', capacity: 10, shippingCost: { 'us-east': 510 } },
 *   ] },
 *   excludedWarehouseIds: ['WH-NYC'],
 *   openLoad: { 'WH-BOS': 3 },
 * }); // => { assignments: [{ orderId: 'o-1', fromWarehouseId: 'WH-NYC', toWarehouseId: 'WH-BOS', cost: 510 }],
 *     //      unassigned: [], totalCost: 510 }
 */
export function planReroute(req: RerouteRequest): ReroutePlan {
  validateRequest(req);
  const excluded = new Set(req.excludedWarehouseIds);
  const candidates = req.network.warehouses
    .filter((warehouse) => !excluded.has(warehouse.warehouseId))
    .sort((a, b) => compareIds(a.warehouseId, b.warehouseId));
  const ordersByRegion = groupByRegion(req.orders);

  const regionNode = (region: string): string => `region:${region}`;
  const warehouseNode = (warehouseId: string): string => `warehouse:${warehouseId}`;
  const nodes = ['source', 'sink'];
  const arcs: Parameters<typeof minCostMaxFlow>[0]['arcs'] = [];
  const routes: { region: string; warehouseId: string; cost: number; arc: number }[] = [];
  for (const [region, orders] of ordersByRegion) {
    nodes.push(regionNode(region));
    arcs.push({ from: 'source', to: regionNode(region), capacity: orders.length, cost: 0 });
    for (const warehouse of candidates) {
      const cost = warehouse.shippingCost[region];
      if (cost === undefined || !Object.hasOwn(warehouse.shippingCost, region)) continue;
      routes.push({ region, warehouseId: warehouse.warehouseId, cost, arc: arcs.length });
      arcs.push({
        from: regionNode(region),
        to: warehouseNode(warehouse.warehouseId),
        capacity: orders.length,
        cost,
      });
    }
  }
  for (const warehouse of candidates) {
    nodes.push(warehouseNode(warehouse.warehouseId));
    const remaining = Math.max(0, warehouse.capacity - (req.openLoad[warehouse.warehouseId] ?? 0));
    arcs.push({ from: warehouseNode(warehouse.warehouseId), to: 'sink', capacity: remaining, cost: 0 });
  }

  const { cost: totalCost, arcFlows } = minCostMaxFlow({ nodes, arcs, source: 'source', sink: 'sink' });

  const assignments: RerouteAssignment[] = [];
  const unassigned: ReroutePlan['unassigned'] = [];
  for (const [region, orders] of ordersByRegion) {
    const shipments = routes
      .filter((route) => route.region === region)
      .map((route) => ({ ...route, count: arcFlows[route.arc] ?? 0 }))
      .filter((shipment) => shipment.count > 0)
      .sort((a, b) => a.cost - b.cost || compareIds(a.warehouseId, b.warehouseId));
    const assign = (order: OpenOrder, shipment: (typeof shipments)[number]): void => {
      shipment.count--;
      assignments.push({
        orderId: order.orderId,
        fromWarehouseId: order.warehouseId,
        toWarehouseId: shipment.warehouseId,
        cost: shipment.cost,
      });
    };
    // Staying put saves a move and costs the same as any other order of the region going there.
    const waiting: OpenOrder[] = [];
    for (const order of orders) {
      const current = shipments.find((shipment) => shipment.warehouseId === order.warehouseId);
      if (current !== undefined && current.count > 0) assign(order, current);
      else waiting.push(order);
    }
    const reason = routes.some((route) => route.region === region)
      ? `no remaining capacity in region ${region}`
      : `no warehouse serves region ${region}`;
    for (const order of waiting) {
      const shipment = shipments.find((candidate) => candidate.count > 0);
      if (shipment !== undefined) assign(order, shipment);
      else unassigned.push({ orderId: order.orderId, reason });
    }
  }

  assignments.sort((a, b) => compareIds(a.orderId, b.orderId));
  unassigned.sort((a, b) => compareIds(a.orderId, b.orderId));
  return { assignments, unassigned, totalCost };
}

/** Orders per region, regions and the orders within each sorted, so the plan ignores input order. */
function groupByRegion(orders: readonly OpenOrder[]): Map<string, OpenOrder[]> {
  const byRegion = new Map<string, OpenOrder[]>();
  const sorted = [...orders].sort((a, b) => compareIds(a.orderId, b.orderId));
  for (const region of [...new Set(sorted.map((order) => order.region))].sort(compareIds)) {
    byRegion.set(region, []);
  }
  for (const order of sorted) byRegion.get(order.region)?.push(order);
  return byRegion;
}

/** Code-unit order, independent of the runtime's locale. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function validateRequest(req: RerouteRequest): void {
  const orderIds = new Set<string>();
  req.orders.forEach((order, index) => {
    const field = `orders[${index}]`;
    requireId(`${field}.orderId`, order.orderId);
    if (orderIds.has(order.orderId))
      throw new FulfillmentInputError(`${field}.orderId`, order.orderId, 'is repeated');
    orderIds.add(order.orderId);
    requireId(`${field}.region`, order.region);
    requireId(`${field}.warehouseId`, order.warehouseId);
  });

  const warehouseIds = new Set<string>();
  req.network.warehouses.forEach((warehouse, index) => {
    const field = `network.warehouses[${index}]`;
    requireId(`${field}.warehouseId`, warehouse.warehouseId);
    if (warehouseIds.has(warehouse.warehouseId)) {
      throw new FulfillmentInputError(`${field}.warehouseId`, warehouse.warehouseId, 'is repeated');
    }
    warehouseIds.add(warehouse.warehouseId);
    requireId(`${field}.region`, warehouse.region);
    requireCount(`${field}.capacity`, warehouse.capacity);
    if (typeof warehouse.shippingCost !== 'object' || warehouse.shippingCost === null) {
      throw new FulfillmentInputError(`${field}.shippingCost`, warehouse.shippingCost, 'must be an object');
    }
    for (const [region, cost] of Object.entries(warehouse.shippingCost)) {
      requireCount(`${field}.shippingCost[${JSON.stringify(region)}]`, cost);
    }
  });

  req.excludedWarehouseIds.forEach((warehouseId, index) => {
    requireId(`excludedWarehouseIds[${index}]`, warehouseId);
  });
  for (const [warehouseId, load] of Object.entries(req.openLoad)) {
    const field = `openLoad[${JSON.stringify(warehouseId)}]`;
    if (!warehouseIds.has(warehouseId)) {
      throw new FulfillmentInputError(field, load, 'must be keyed by a warehouse in the network');
    }
    requireCount(field, load);
  }
}

function requireId(field: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new FulfillmentInputError(field, value, 'must be a non-empty string');
  }
}

function requireCount(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new FulfillmentInputError(field, value, 'must be a non-negative integer');
  }
}
