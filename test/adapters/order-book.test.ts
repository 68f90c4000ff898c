import { DynamoNetworkStore } from '../../lambdas/adapters/dynamodb-network-store';
import { DynamoOrderBook } from '../../lambdas/adapters/dynamodb-order-book';
import { rerouteOrders, revertReroute } from '../../lambdas/domain/fulfillment/reroute';
import { ordersTable, startDynamo, startFulfillmentStores, type LocalDynamo } from './dynalite';

const declarations = [
  { warehouseId: 'A', region: 'east', capacity: 100, status: 'active', shippingCost: { east: 400 } },
  { warehouseId: 'B', region: 'east', capacity: 3, status: 'active', shippingCost: { east: 500 } },
  {
    warehouseId: 'C',
    region: 'central',
    capacity: 100,
    status: 'active',
    shippingCost: { east: 700, central: 400 },
  },
] as const;
const at = (minute: number) => new Date(Date.parse('2026-11-20T09:00:00Z') + minute * 60_000).toISOString();
const placed = (orderId: string, warehouseId: string, minute: number, region = 'east') =>
  ({ kind: 'placed', orderId, warehouseId, region, time: at(minute) }) as const;

describe('DynamoOrderBook with rerouteOrders (dynalite)', () => {
  let dynamo: LocalDynamo;
  let book: DynamoOrderBook;
  let network: DynamoNetworkStore;

  beforeAll(async () => {
    ({ dynamo, book, network } = await startFulfillmentStores());
    for (const declaration of declarations) await network.declare(declaration, at(-600));
    await book.apply([
      placed('a1', 'A', 1),
      placed('a2', 'A', 2),
      placed('a3', 'A', 3),
      placed('a4', 'A', 4),
      placed('a5', 'A', 5),
      placed('old', 'A', -300),
      placed('b1', 'B', 1),
      // A cancellation that arrives before its order: the order must end up cancelled, not open.
      { kind: 'cancelled', orderId: 'a6', warehouseId: 'A', region: 'east', time: at(7) },
      placed('a6', 'A', 6),
      { kind: 'cancelled', orderId: 'a5', warehouseId: 'A', region: 'east', time: at(8) },
    ]);
  });
  afterAll(() => dynamo.stop());

  it('tracks open orders per warehouse, whatever order the facts arrive in', async () => {
    const open = await book.openOrders('A', at(0));
    expect(open.map((o) => o.orderId).sort()).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(await book.openLoad(['B', 'C'], at(0))).toEqual({ B: 1, C: 0 });
  });

  it('moves orders to the cheapest warehouse with capacity left, then the next', async () => {
    const outcome = await rerouteOrders(
      { fromWarehouseId: 'A', since: at(0), idempotencyKey: 'r1' },
      book,
      network,
    );
    expect(outcome.reroutedCount).toBe(4);
    // B has capacity 3 and already holds one order.
    expect(outcome.destinations).toEqual([
      { warehouseId: 'B', orders: 2, cost: 1_000 },
      { warehouseId: 'C', orders: 2, cost: 1_400 },
    ]);
    expect(outcome.totalCost).toBe(2 * 500 + 2 * 700);
    expect(outcome.assignmentsRef).toEqual({ tableName: 'orders', key: 'reroute#r1' });
    expect(await book.openOrders('A', at(0))).toEqual([]);
    expect((await book.openOrders('B', at(0))).length).toBe(3);
  });

  it('reverts exactly what the reroute moved, and reverting twice changes nothing', async () => {
    const first = await revertReroute({ rerouteIdempotencyKey: 'r1' }, book);
    expect(first.restoredCount).toBe(4);
    expect((await book.openOrders('A', at(0))).map((o) => o.orderId).sort()).toEqual([
      'a1',
      'a2',
      'a3',
      'a4',
    ]);
    expect((await revertReroute({ rerouteIdempotencyKey: 'r1' }, book)).restoredCount).toBe(0);
  });

  it('treats the revert of a reroute that never ran as a no-op', async () => {
    expect(await revertReroute({ rerouteIdempotencyKey: 'never' }, book)).toEqual({ restoredCount: 0 });
  });
});

describe('DynamoOrderBook.apply (dynalite)', () => {
  let dynamo: LocalDynamo;

  beforeAll(async () => {
    dynamo = await startDynamo([ordersTable('orders-a'), ordersTable('orders-b')]);
  });
  afterAll(() => dynamo.stop());

  it('leaves the same open orders whether a batch is applied at once or fact by fact', async () => {
    const facts = [
      // 250 orders: three transactions.
      ...Array.from({ length: 250 }, (_, i) => placed(`o${i}`, i % 2 === 0 ? 'A' : 'B', i % 60)),
      // Placed and cancelled in one batch, in either order; a duplicate placement.
      { kind: 'cancelled', orderId: 'o3', warehouseId: 'B', region: 'east', time: at(70) },
      { kind: 'cancelled', orderId: 'late', warehouseId: 'A', region: 'east', time: at(71) },
      placed('late', 'A', 69),
      placed('o4', 'A', 4),
    ] as const;
    const atOnce = new DynamoOrderBook('orders-a', dynamo.client);
    const oneByOne = new DynamoOrderBook('orders-b', dynamo.client);

    await atOnce.apply(facts);
    for (const fact of facts) await oneByOne.apply([fact]);

    for (const warehouse of ['A', 'B']) {
      const open = (await atOnce.openOrders(warehouse, at(-1))).map((o) => o.orderId).sort();
      expect(open).toEqual((await oneByOne.openOrders(warehouse, at(-1))).map((o) => o.orderId).sort());
      expect(open).not.toContain('o3');
      expect(open).not.toContain('late');
    }
    expect(await atOnce.openLoad(['A', 'B'], at(-1))).toEqual({ A: 125, B: 124 });
  });
});

describe('DynamoOrderBook.openValueByRegion (dynalite)', () => {
  let dynamo: LocalDynamo;

  beforeAll(async () => {
    dynamo = await startDynamo([ordersTable('orders-value')]);
  });
  afterAll(() => dynamo.stop());

  it('counts and sums the open orders of a warehouse since a time, by region: cancelled and older ones left out', async () => {
    const book = new DynamoOrderBook('orders-value', dynamo.client);
    const priced = (orderId: string, minute: number, region: string, totalCents: number) => ({
      ...placed(orderId, 'A', minute, region),
      totalCents,
    });
    await book.apply([
      priced('e1', 1, 'east', 4_250),
      priced('e2', 2, 'east', 1_999),
      priced('c1', 3, 'central', 10_000),
      priced('gone', 4, 'east', 50_000),
      { kind: 'cancelled', orderId: 'gone', warehouseId: 'A', region: 'east', time: at(5) },
      priced('old', -120, 'east', 70_000),
      { ...placed('elsewhere', 'B', 1), totalCents: 9_999 },
    ]);

    expect(await book.openValueByRegion('A', at(0))).toEqual(
      new Map([
        ['east', { orders: 2, totalCents: 6_249 }],
        ['central', { orders: 1, totalCents: 10_000 }],
      ]),
    );
    expect(await book.openValueByRegion('C', at(0))).toEqual(new Map());
  });
});
