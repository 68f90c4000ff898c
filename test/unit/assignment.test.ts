import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  planReroute,
  type FulfillmentNetwork,
  type OpenOrder,
  type ReroutePlan,
  type RerouteRequest,
  type WarehouseSpec,
} from '../../lambdas/domain/fulfillment/assignment';
import { FulfillmentInputError } from '../../lambdas/domain/fulfillment/errors';

const retailNetwork = (): FulfillmentNetwork =>
  JSON.parse(readFileSync(join(__dirname, '../../config/retail-network.json'), 'utf8')) as FulfillmentNetwork;

const order = (orderId: string, region: string, warehouseId: string): OpenOrder => ({
  orderId,
  region,
  warehouseId,
});

const warehouse = (
  warehouseId: string,
  capacity: number,
  shippingCost: Record<string, number>,
): WarehouseSpec => ({
  warehouseId,
  region: 'r',
  capacity,
  shippingCost,
});

const request = (overrides: Partial<RerouteRequest>): RerouteRequest => ({
  orders: [],
  network: retailNetwork(),
  excludedWarehouseIds: [],
  openLoad: {},
  ...overrides,
});

const ordersFrom = (warehouseId: string, region: string, count: number, prefix = 'o'): OpenOrder[] =>
  Array.from({ length: count }, (_, index) =>
    order(`${prefix}-${String(index).padStart(5, '0')}`, region, warehouseId),
  );

const countBy = (plan: ReroutePlan): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const { toWarehouseId } of plan.assignments) counts[toWarehouseId] = (counts[toWarehouseId] ?? 0) + 1;
  return counts;
};

/** The plan places every order once, only where allowed, within capacity, at the quoted cost. */
function expectFeasible(req: RerouteRequest, plan: ReroutePlan): void {
  const placed = [...plan.assignments.map((a) => a.orderId), ...plan.unassigned.map((u) => u.orderId)];
  expect(placed.sort()).toEqual(req.orders.map((o) => o.orderId).sort());
  const warehouses = new Map(req.network.warehouses.map((w) => [w.warehouseId, w]));
  const orders = new Map(req.orders.map((o) => [o.orderId, o]));
  for (const assignment of plan.assignments) {
    const source = orders.get(assignment.orderId)!;
    const target = warehouses.get(assignment.toWarehouseId)!;
    expect(req.excludedWarehouseIds).not.toContain(assignment.toWarehouseId);
    expect(assignment.fromWarehouseId).toBe(source.warehouseId);
    expect(assignment.cost).toBe(target.shippingCost[source.region]);
  }
  for (const [warehouseId, count] of Object.entries(countBy(plan))) {
    const target = warehouses.get(warehouseId)!;
    expect(count).toBeLessThanOrEqual(target.capacity - (req.openLoad[warehouseId] ?? 0));
  }
  expect(plan.totalCost).toBe(plan.assignments.reduce((sum, a) => sum + a.cost, 0));
}

/** Exhaustive search: the most orders placeable, then the least cost for that many. */
function bruteForceOptimum(req: RerouteRequest): { placed: number; cost: number } {
  const excluded = new Set(req.excludedWarehouseIds);
  const open = req.network.warehouses.filter((w) => !excluded.has(w.warehouseId));
  const remaining = open.map((w) => Math.max(0, w.capacity - (req.openLoad[w.warehouseId] ?? 0)));
  let best = { placed: 0, cost: 0 };
  const visit = (index: number, placed: number, cost: number): void => {
    if (index === req.orders.length) {
      if (placed > best.placed || (placed === best.placed && cost < best.cost)) best = { placed, cost };
      return;
    }
    const { region } = req.orders[index]!;
    visit(index + 1, placed, cost);
    open.forEach((w, slot) => {
      const price = w.shippingCost[region];
      if (price === undefined || remaining[slot] === 0) return;
      remaining[slot]!--;
      visit(index + 1, placed + 1, cost + price);
      remaining[slot]!++;
    });
  };
  visit(0, 0, 0);
  return best;
}

const regions = ['north', 'south', 'east'];

const requestArb: fc.Arbitrary<RerouteRequest> = fc
  .record({
    warehouses: fc.array(
      fc.record({
        capacity: fc.integer({ min: 1, max: 4 }),
        costs: fc.tuple(...regions.map(() => fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }))),
        load: fc.integer({ min: 0, max: 5 }),
        excluded: fc.boolean(),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    orders: fc.uniqueArray(
      fc.record({ id: fc.nat(999), region: fc.constantFrom(...regions, 'west'), holder: fc.nat(2) }),
      { maxLength: 6, selector: (o) => o.id },
    ),
  })
  .map(({ warehouses, orders }) => {
    const ids = warehouses.map((_, index) => `WH-${index}`);
    return {
      network: {
        warehouses: warehouses.map((w, index) => ({
          warehouseId: ids[index]!,
          region: regions[index % regions.length]!,
          capacity: w.capacity,
          shippingCost: Object.fromEntries(
            regions.flatMap((region, slot) => (w.costs[slot] === undefined ? [] : [[region, w.costs[slot]]])),
          ),
        })),
      },
      orders: orders.map((o) => order(`o-${o.id}`, o.region, ids[o.holder % ids.length]!)),
      excludedWarehouseIds: ids.filter((_, index) => warehouses[index]!.excluded),
      openLoad: Object.fromEntries(ids.map((id, index) => [id, warehouses[index]!.load])),
    };
  });

describe('planReroute', () => {
  describe('on the retail network', () => {
    it('gives an excluded warehouse nothing and moves its orders to the cheapest other warehouse', () => {
      const req = request({ orders: ordersFrom('WH-NYC', 'us-east', 50), excludedWarehouseIds: ['WH-NYC'] });

      const plan = planReroute(req);

      expect(countBy(plan)).toEqual({ 'WH-BOS': 50 });
      expect(plan.assignments[0]).toEqual({
        orderId: 'o-00000',
        fromWarehouseId: 'WH-NYC',
        toWarehouseId: 'WH-BOS',
        cost: 510,
      });
      expect(plan.totalCost).toBe(50 * 510);
      expect(plan.unassigned).toEqual([]);
      expectFeasible(req, plan);
    });

    it('spills over to the next cheapest warehouse when the cheapest one runs out of capacity', () => {
      const req = request({
        orders: ordersFrom('WH-NYC', 'us-east', 50),
        excludedWarehouseIds: ['WH-NYC'],
        openLoad: { 'WH-BOS': 400 },
      });

      const plan = planReroute(req);

      expect(countBy(plan)).toEqual({ 'WH-BOS': 20, 'WH-CHI': 30 });
      expect(plan.totalCost).toBe(20 * 510 + 30 * 640);
      expectFeasible(req, plan);
    });

    it('places as many orders as possible before minimising cost', () => {
      // us-central is cheapest at WH-CHI, but WH-CHI is the only warehouse left for us-east.
      const req = request({
        orders: [
          ...ordersFrom('WH-NYC', 'us-east', 10, 'east'),
          ...ordersFrom('WH-NYC', 'us-central', 10, 'central'),
        ],
        excludedWarehouseIds: ['WH-NYC', 'WH-BOS'],
        openLoad: { 'WH-CHI': 510 },
      });

      const plan = planReroute(req);

      expect(countBy(plan)).toEqual({ 'WH-CHI': 10, 'WH-DAL': 10 });
      expect(
        plan.assignments
          .filter((a) => a.toWarehouseId === 'WH-CHI')
          .every((a) => a.orderId.startsWith('east')),
      ).toBe(true);
      expect(plan.totalCost).toBe(10 * 640 + 10 * 470);
      expectFeasible(req, plan);
    });

    it('reports orders for a region nobody serves and orders beyond the remaining capacity', () => {
      const req = request({
        orders: [order('o-eu', 'eu-west', 'WH-NYC'), ...ordersFrom('WH-LAX', 'us-west', 3)],
        excludedWarehouseIds: ['WH-LAX', 'WH-CHI', 'WH-DAL'],
        openLoad: { 'WH-SEA': 378 },
      });

      const plan = planReroute(req);

      expect(plan.assignments.map((a) => [a.orderId, a.toWarehouseId])).toEqual([
        ['o-00000', 'WH-SEA'],
        ['o-00001', 'WH-SEA'],
      ]);
      expect(plan.unassigned).toEqual([
        { orderId: 'o-00002', reason: 'no remaining capacity in region us-west' },
        { orderId: 'o-eu', reason: 'no warehouse serves region eu-west' },
      ]);
      expectFeasible(req, plan);
    });

    it('leaves orders where they are when that warehouse is open and part of the optimum', () => {
      const req = request({
        orders: [
          order('a', 'us-west', 'WH-SEA'),
          order('b', 'us-west', 'WH-LAX'),
          order('c', 'us-west', 'WH-SEA'),
        ],
        openLoad: { 'WH-LAX': 559, 'WH-SEA': 379 },
      });

      const plan = planReroute(req);

      expect(plan.assignments.map((a) => [a.orderId, a.toWarehouseId])).toEqual([
        ['a', 'WH-SEA'],
        ['b', 'WH-LAX'],
        ['c', 'WH-DAL'],
      ]);
      expect(plan.totalCost).toBe(440 + 420 + 700);
    });

    it('plans 5,000 orders of a closed warehouse within the network capacity', () => {
      const req = request({
        orders: [
          ...ordersFrom('WH-CHI', 'us-central', 3_000, 'central'),
          ...ordersFrom('WH-CHI', 'us-east', 1_000, 'east'),
          ...ordersFrom('WH-CHI', 'us-west', 1_000, 'west'),
        ],
        excludedWarehouseIds: ['WH-CHI'],
        openLoad: { 'WH-NYC': 100, 'WH-BOS': 100, 'WH-DAL': 100, 'WH-SEA': 100, 'WH-LAX': 100 },
      });

      const plan = planReroute(req);

      // Every slot is filled; each warehouse takes the region it ships to most cheaply.
      expect(countBy(plan)).toEqual({
        'WH-NYC': 500,
        'WH-BOS': 320,
        'WH-DAL': 320,
        'WH-SEA': 280,
        'WH-LAX': 460,
      });
      expect(plan.totalCost).toBe(500 * 450 + 320 * 510 + 320 * 470 + 280 * 440 + 460 * 420);
      expect(plan.unassigned).toHaveLength(5_000 - 1_880);
      expect(new Set(plan.unassigned.map((u) => u.reason))).toEqual(
        new Set(
          ['us-central', 'us-east', 'us-west'].map((region) => `no remaining capacity in region ${region}`),
        ),
      );
      expectFeasible(req, plan);
    });

    it('returns the same plan whatever the order of orders and warehouses', () => {
      const orders = [...ordersFrom('WH-NYC', 'us-east', 30), ...ordersFrom('WH-NYC', 'us-central', 30, 'c')];
      const req = request({ orders, excludedWarehouseIds: ['WH-NYC'], openLoad: { 'WH-BOS': 400 } });
      const shuffled = {
        ...req,
        orders: [...orders].reverse(),
        network: { warehouses: [...req.network.warehouses].reverse() },
      };

      expect(planReroute(shuffled)).toEqual(planReroute(req));
    });

    it('returns an empty plan for no orders', () => {
      expect(planReroute(request({}))).toEqual({ assignments: [], unassigned: [], totalCost: 0 });
    });
  });

  describe('input validation', () => {
    const twoWarehouses = (): FulfillmentNetwork => ({
      warehouses: [warehouse('W1', 5, { r: 1 }), warehouse('W2', 5, { r: 2 })],
    });
    const valid = (): RerouteRequest => ({
      orders: [order('o1', 'r', 'W1')],
      network: twoWarehouses(),
      excludedWarehouseIds: ['W1'],
      openLoad: { W2: 1 },
    });

    it.each<[string, (req: RerouteRequest) => void]>([
      ['network.warehouses[1].capacity', (req) => (req.network.warehouses[1]!.capacity = -1)],
      ['network.warehouses[0].capacity', (req) => (req.network.warehouses[0]!.capacity = 2.5)],
      ['network.warehouses[1].warehouseId', (req) => (req.network.warehouses[1]!.warehouseId = 'W1')],
      ['network.warehouses[0].shippingCost["r"]', (req) => (req.network.warehouses[0]!.shippingCost.r = -1)],
      ['orders[1].orderId', (req) => req.orders.push(order('o1', 'r', 'W2'))],
      ['orders[0].orderId', (req) => (req.orders[0]!.orderId = '')],
      ['orders[0].region', (req) => (req.orders[0]!.region = '')],
      ['excludedWarehouseIds[1]', (req) => req.excludedWarehouseIds.push('')],
      ['openLoad["W2"]', (req) => (req.openLoad.W2 = -3)],
      ['openLoad["W7"]', (req) => (req.openLoad.W7 = 0)],
    ])('rejects a bad %s with a FulfillmentInputError naming it', (field, corrupt) => {
      const req = valid();
      corrupt(req);

      const attempt = () => planReroute(req);

      expect(attempt).toThrow(FulfillmentInputError);
      expect(attempt).toThrow(expect.objectContaining({ field, message: expect.stringContaining(field) }));
    });
  });

  it('excludes a warehouse the network does not know without complaint: it receives nothing anyway', () => {
    const plan = planReroute({
      orders: [order('o1', 'r', 'W-UNKNOWN')],
      network: { warehouses: [warehouse('W2', 5, { r: 2 })] },
      excludedWarehouseIds: ['W-UNKNOWN'],
      openLoad: {},
    });

    expect(plan.assignments).toEqual([
      { orderId: 'o1', fromWarehouseId: 'W-UNKNOWN', toWarehouseId: 'W2', cost: 2 },
    ]);
  });

  it('gives an emptied warehouse (capacity 0) nothing and says why', () => {
    const plan = planReroute({
      orders: [order('o1', 'r', 'W1')],
      network: { warehouses: [warehouse('W1', 5, { r: 1 }), warehouse('W2', 0, { r: 2 })] },
      excludedWarehouseIds: ['W1'],
      openLoad: {},
    });

    expect(plan.assignments).toEqual([]);
    expect(plan.unassigned).toEqual([{ orderId: 'o1', reason: 'no remaining capacity in region r' }]);
  });

  describe('properties', () => {
    it('places the most orders at the least cost, as exhaustive search does', () => {
      fc.assert(
        fc.property(requestArb, (req) => {
          const plan = planReroute(req);

          expectFeasible(req, plan);
          expect({ placed: plan.assignments.length, cost: plan.totalCost }).toEqual(bruteForceOptimum(req));
        }),
        { numRuns: 300 },
      );
    });

    it('explains each unassigned order by its region', () => {
      fc.assert(
        fc.property(requestArb, (req) => {
          const plan = planReroute(req);

          const excluded = new Set(req.excludedWarehouseIds);
          for (const { orderId, reason } of plan.unassigned) {
            const { region } = req.orders.find((o) => o.orderId === orderId)!;
            const served = req.network.warehouses.some(
              (w) => !excluded.has(w.warehouseId) && w.shippingCost[region] !== undefined,
            );
            expect(reason).toBe(
              served ? `no remaining capacity in region ${region}` : `no warehouse serves region ${region}`,
            );
          }
        }),
        { numRuns: 200 },
      );
    });

    it('does not depend on the order of the input lists', () => {
      fc.assert(
        fc.property(requestArb, (req) => {
          const reversed = {
            ...req,
            orders: [...req.orders].reverse(),
            network: { warehouses: [...req.network.warehouses].reverse() },
          };

          expect(planReroute(reversed)).toEqual(planReroute(req));
        }),
        { numRuns: 200 },
      );
    });
  });
});
