import { CreateTableCommand, GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { DynamoIntakeStore, intakeKey } from '../../lambdas/adapters/dynamodb-intake-store';
import { DynamoNetworkStore } from '../../lambdas/adapters/dynamodb-network-store';
import { DynamoOrderBook } from '../../lambdas/adapters/dynamodb-order-book';
import { RerouteNotPlannable } from '../../lambdas/domain/fulfillment/errors';
import { networkServing, type WarehouseDeclaration } from '../../lambdas/domain/fulfillment/network';
import { rebalanceRegion, rerouteOrders, revertReroute } from '../../lambdas/domain/fulfillment/reroute';
import { networkTable, ordersTable, startDynamo, type LocalDynamo } from './dynalite';
import { cancelTransactions } from './transaction-faults';

const at = (minute: number) => new Date(Date.parse('2026-11-20T09:00:00Z') + minute * 60_000).toISOString();
const declared = (
  warehouseId: string,
  shippingCost: Record<string, number>,
  extra: Partial<WarehouseDeclaration> = {},
): WarehouseDeclaration => ({
  warehouseId,
  region: Object.keys(shippingCost)[0] ?? 'nowhere',
  capacity: 100,
  status: 'active',
  shippingCost,
  ...extra,
});
const placed = (orderId: string, warehouseId: string, region: string, minute = 1) =>
  ({ kind: 'placed', orderId, warehouseId, region, time: at(minute) }) as const;

describe('DynamoNetworkStore (dynalite)', () => {
  let dynamo: LocalDynamo;
  let tables = 0;
  /** Each test gets its own network table. */
  const store = async (defaults?: { capacity: number; shippingCostCents: number }) => {
    const name = `network-${++tables}`;
    await dynamo.client.send(new CreateTableCommand(networkTable(name)));
    return new DynamoNetworkStore(name, dynamo.client, defaults);
  };
  /** The intake store on a network table of its own, and the table's name. */
  const intakeStore = async () => {
    const name = `network-${++tables}`;
    await dynamo.client.send(new CreateTableCommand(networkTable(name)));
    return { name, intake: new DynamoIntakeStore(name, dynamo.client) };
  };

  beforeAll(async () => {
    dynamo = await startDynamo([]);
  });
  afterAll(() => dynamo.stop());

  describe('kept current from warehouse_updated and capacity_changed', () => {
    it('serves each region from the warehouses whose description lists it', async () => {
      const network = await store();
      await network.declare(declared('WH-USE-01', { 'us-east': 450, 'us-central': 720 }), at(0));
      await network.declare(declared('WH-USC-01', { 'us-central': 380 }), at(0));

      const routes = await network.routesTo(['us-central', 'us-east']);

      expect(routes.sort((a, b) => a.cost - b.cost)).toEqual([
        { region: 'us-central', warehouseId: 'WH-USC-01', cost: 380 },
        { region: 'us-east', warehouseId: 'WH-USE-01', cost: 450 },
        { region: 'us-central', warehouseId: 'WH-USE-01', cost: 720 },
      ]);
    });

    it('replaces a description, dropping the regions no longer served', async () => {
      const network = await store();
      await network.declare(declared('W', { a: 1, b: 2 }), at(0));

      await network.declare(declared('W', { b: 5, c: 3 }, { capacity: 7 }), at(10));

      expect(await network.routesTo(['a'])).toEqual([]);
      expect(await network.routesTo(['b', 'c'])).toEqual([
        { region: 'b', warehouseId: 'W', cost: 5 },
        { region: 'c', warehouseId: 'W', cost: 3 },
      ]);
      expect((await network.profiles(['W'])).get('W')).toMatchObject({ capacity: 7, origin: 'declared' });
    });

    it('ignores an update older than the one applied, whatever order they arrive in', async () => {
      const network = await store();
      await network.declare(declared('W', { b: 5 }, { capacity: 9 }), at(10));

      const appliedLate = await network.declare(declared('W', { a: 1 }, { capacity: 1 }), at(0));
      const capacityLate = await network.setCapacity('W', 2, at(5));

      expect({ appliedLate, capacityLate }).toEqual({ appliedLate: false, capacityLate: false });
      expect(await network.routesTo(['a'])).toEqual([]);
      expect((await network.profiles(['W'])).get('W')?.capacity).toBe(9);
    });

    it('applies a newer capacity_changed over the description, and a closed warehouse takes nothing', async () => {
      const network = await store();
      await network.declare(declared('A', { r: 1 }), at(0));
      await network.declare(declared('B', { r: 2 }), at(0));
      await network.declare(declared('C', { r: 3 }, { status: 'closed' }), at(0));

      await network.setCapacity('B', 0, at(1));

      const serving = await networkServing(['r'], ['A'], network);
      expect(serving.warehouses).toEqual([
        { warehouseId: 'B', region: 'r', capacity: 0, shippingCost: { r: 2 } },
      ]);
    });
  });

  describe('warehouses first seen in orders', () => {
    it('knows an unknown warehouse at once, serving the regions it ships to with the defaults', async () => {
      const network = await store({ capacity: 250, shippingCostCents: 900 });

      const added = await network.observe(
        [
          { warehouseId: 'WH-USW-01', region: 'us-west' },
          { warehouseId: 'WH-USW-01', region: 'us-mountain' },
          { warehouseId: 'WH-USW-01', region: 'us-west' },
        ],
        at(0),
      );

      expect(added).toBe(2);
      expect((await network.profiles(['WH-USW-01'])).get('WH-USW-01')).toEqual({
        warehouseId: 'WH-USW-01',
        region: 'us-west',
        capacity: 250,
        status: 'active',
        origin: 'observed',
        intake: 'open',
      });
      expect((await network.routesTo(['us-mountain'])).map((r) => [r.warehouseId, r.cost])).toEqual([
        ['WH-USW-01', 900],
      ]);
    });

    it('leaves a declared warehouse as declared: orders to a region it does not list add no route', async () => {
      const network = await store();
      await network.declare(declared('W', { a: 1 }), at(0));

      const added = await network.observe([{ warehouseId: 'W', region: 'b' }], at(1));

      expect(added).toBe(0);
      expect(await network.routesTo(['b'])).toEqual([]);
    });

    it('gives way to a later description, which drops observed routes it does not list', async () => {
      const network = await store();
      await network.observe([{ warehouseId: 'W', region: 'a' }], at(0));

      await network.declare(declared('W', { b: 4 }), at(1));

      expect(await network.routesTo(['a'])).toEqual([]);
      expect((await network.profiles(['W'])).get('W')?.origin).toBe('declared');
    });
  });

  describe('reroutes on the stored network', () => {
    let book: DynamoOrderBook;
    beforeAll(async () => {
      await dynamo.client.send(new CreateTableCommand(ordersTable('orders')));
      book = new DynamoOrderBook('orders', dynamo.client);
    });

    it('reroutes a warehouse known only from its orders to another that ships to the same region', async () => {
      const network = await store();
      await book.apply([placed('u1', 'WH-NEW-01', 'north'), placed('u2', 'WH-NEW-02', 'north')]);
      await network.observe(
        [
          { warehouseId: 'WH-NEW-01', region: 'north' },
          { warehouseId: 'WH-NEW-02', region: 'north' },
        ],
        at(1),
      );

      const outcome = await rerouteOrders(
        { fromWarehouseId: 'WH-NEW-01', since: at(0), idempotencyKey: 'reroute-new' },
        book,
        network,
      );

      expect(outcome.destinations).toEqual([{ warehouseId: 'WH-NEW-02', orders: 1, cost: 1_000 }]);
      expect((await book.recordedPlan('reroute-new')).assignments).toEqual([
        { orderId: 'u1', fromWarehouseId: 'WH-NEW-01', toWarehouseId: 'WH-NEW-02', cost: 1_000 },
      ]);
    });

    it('never reroutes to a warehouse whose intake is paused, until every pause of it is lifted', async () => {
      const name = `network-${++tables}`;
      await dynamo.client.send(new CreateTableCommand(networkTable(name)));
      const network = new DynamoNetworkStore(name, dynamo.client);
      const intake = new DynamoIntakeStore(name, dynamo.client);
      await network.declare(declared('P1', { north: 100 }), at(0));
      await network.declare(declared('P2', { north: 200 }), at(0)); // cheapest destination
      await network.declare(declared('P3', { north: 900 }), at(0));
      await book.apply([placed('p1', 'P1', 'north'), placed('p2', 'P1', 'north')]);

      // Two incidents pause P2; the first one's compensation lifts only its own pause.
      expect(await intake.pause('P2', 'pause-intake#a', at(2))).toEqual({
        warehouseId: 'P2',
        activePauses: 1,
      });
      expect(await intake.pause('P2', 'pause-intake#b', at(2))).toEqual({
        warehouseId: 'P2',
        activePauses: 2,
      });
      expect(await intake.pause('P2', 'pause-intake#b', at(3))).toEqual({
        warehouseId: 'P2',
        activePauses: 2,
      });
      expect(await intake.resume('P2', 'pause-intake#a', at(4))).toEqual({
        warehouseId: 'P2',
        activePauses: 1,
      });
      expect((await network.profiles(['P2', 'P3'])).get('P2')).toMatchObject({ intake: 'paused' });

      const paused = await rerouteOrders(
        { fromWarehouseId: 'P1', since: at(0), idempotencyKey: 'r-paused' },
        book,
        network,
      );
      expect(paused.destinations.map((d) => d.warehouseId)).toEqual(['P3']);
      await revertReroute({ rerouteIdempotencyKey: 'r-paused' }, book);

      expect(await intake.resume('P2', 'pause-intake#b', at(5))).toEqual({
        warehouseId: 'P2',
        activePauses: 0,
      });
      expect((await network.profiles(['P2'])).get('P2')).toMatchObject({ intake: 'open' });
      // A late pause whose resume already ran is refused by the tombstone.
      expect(await intake.pause('P2', 'pause-intake#a', at(6))).toEqual({ cancelled: true });
      const open = await rerouteOrders(
        { fromWarehouseId: 'P1', since: at(0), idempotencyKey: 'r-open' },
        book,
        network,
      );
      expect(open.destinations.map((d) => d.warehouseId)).toEqual(['P2']);
    });

    it('keeps each resumed pause as a tombstone item that expires, so the intake item stays small', async () => {
      const { name, intake } = await intakeStore();
      const stateItem = async () =>
        (await dynamo.client.send(new GetItemCommand({ TableName: name, Key: marshall(intakeKey('P9')) })))
          .Item;
      await intake.pause('P9', 'pause-intake#0', at(0));
      await intake.resume('P9', 'pause-intake#0', at(1));
      const sizeAfterOne = JSON.stringify(await stateItem()).length;
      for (let k = 1; k <= 100; k++) {
        await intake.pause('P9', `pause-intake#${k}`, at(2));
        await intake.resume('P9', `pause-intake#${k}`, at(3));
      }
      // 100 more resumes: the state item is as large as after one (same-length timestamps), nothing in `lifted`.
      expect(JSON.stringify(await stateItem()).length).toBe(sizeAfterOne);
      expect((await stateItem())?.lifted).toBeUndefined();
      const tombstone = await dynamo.client.send(
        new GetItemCommand({
          TableName: name,
          Key: marshall({ pk: 'intake#P9', sk: 'lifted#pause-intake#7' }),
        }),
      );
      expect(unmarshall(tombstone.Item ?? {})).toEqual({
        pk: 'intake#P9',
        sk: 'lifted#pause-intake#7',
        liftedAt: at(3),
        expiresAt: Date.parse(at(3)) / 1000 + 30 * 86_400, // 30 days
      });
      // The table's TTL attribute is on tombstones only: a declared warehouse's profile and routes never expire.
      await new DynamoNetworkStore(name, dynamo.client).declare(declared('P9', { north: 100 }), at(4));
      const { Items = [] } = await dynamo.client.send(new ScanCommand({ TableName: name }));
      const expiring = Items.map((item) => unmarshall(item)).filter((item) => item.expiresAt !== undefined);
      expect(expiring).toHaveLength(101);
      expect(expiring.every((item) => String(item.sk).startsWith('lifted#'))).toBe(true);
      expect(Items.length).toBeGreaterThan(expiring.length + 1);
      // Every resumed key still refuses its late pause.
      expect(await intake.pause('P9', 'pause-intake#0', at(4))).toEqual({ cancelled: true });
      expect(await intake.pause('P9', 'pause-intake#100', at(4))).toEqual({ cancelled: true });
      expect(await intake.pause('P9', 'pause-intake#101', at(4))).toEqual({
        warehouseId: 'P9',
        activePauses: 1,
      });
    });

    it('sends a pause or a resume again when a concurrent transaction on the warehouse cancelled it', async () => {
      const { intake } = await intakeStore();
      const conflicts = cancelTransactions(dynamo.client, 2, 'TransactionConflict');
      try {
        expect(await intake.pause('P6', 'pause-intake#c1', at(1))).toEqual({
          warehouseId: 'P6',
          activePauses: 1,
        });
        expect(await intake.pause('P6', 'pause-intake#c2', at(1))).toEqual({
          warehouseId: 'P6',
          activePauses: 2,
        });
        expect(await intake.resume('P6', 'pause-intake#c1', at(2))).toEqual({
          warehouseId: 'P6',
          activePauses: 1,
        });
      } finally {
        conflicts.disarm();
      }
      // Every other transaction was cancelled once: neither a pause refused nor an error.
      expect(conflicts.cancelled()).toBeGreaterThanOrEqual(2);
    });

    it('refuses a late pause whose tombstone is in the intake item’s older `lifted` set', async () => {
      const { name, intake } = await intakeStore();
      await dynamo.client.send(
        new PutItemCommand({
          TableName: name,
          Item: marshall({ ...intakeKey('P8'), warehouseId: 'P8', lifted: new Set(['pause-intake#old']) }),
        }),
      );
      expect(await intake.pause('P8', 'pause-intake#old', at(1))).toEqual({ cancelled: true });
      expect(await intake.pause('P8', 'pause-intake#new', at(1))).toEqual({
        warehouseId: 'P8',
        activePauses: 1,
      });
    });

    it('never leaves a pause holding the intake when it is sent together with the resume of its key, in either order', async () => {
      const { name, intake } = await intakeStore();
      const outcomes = await Promise.all(
        Array.from({ length: 40 }, async (_, k) => {
          const key = `pause-intake#race-${k}`;
          // Half start with the resume (a compensation running first), half with the pause.
          const [pause] =
            k % 2 === 0
              ? await Promise.all([intake.pause('P7', key, at(1)), intake.resume('P7', key, at(1))])
              : (
                  await Promise.all([intake.resume('P7', key, at(1)), intake.pause('P7', key, at(1))])
                ).reverse();
          return 'cancelled' in (pause as object) ? 'cancelled' : 'applied then lifted';
        }),
      );
      expect(outcomes).toHaveLength(40);
      const state = await dynamo.client.send(
        new GetItemCommand({ TableName: name, Key: marshall(intakeKey('P7')), ConsistentRead: true }),
      );
      expect(unmarshall(state.Item ?? {}).pausedBy).toBeUndefined();
    });

    it('fails at once, moving nothing, when the only other warehouse was emptied', async () => {
      const network = await store();
      await network.declare(declared('E1', { east: 1 }), at(0));
      await network.declare(declared('E2', { east: 2 }), at(0));
      await network.setCapacity('E2', 0, at(1));
      await book.apply([placed('e1', 'E1', 'east'), placed('e2', 'E1', 'east')]);

      const attempt = rerouteOrders(
        { fromWarehouseId: 'E1', since: at(0), idempotencyKey: 'r-empty' },
        book,
        network,
      );

      await expect(attempt).rejects.toThrow(RerouteNotPlannable);
      await expect(attempt).rejects.toThrow('no remaining capacity in region east (2 orders)');
      expect((await book.openOrders('E1', at(0))).map((o) => o.orderId).sort()).toEqual(['e1', 'e2']);
    });

    it('rebalances only the region’s orders away from its contributors, and reverts exactly that', async () => {
      const network = await store();
      await network.declare(declared('R1', { south: 300, west: 300 }), at(0));
      await network.declare(declared('R2', { south: 310 }), at(0));
      await network.declare(declared('R3', { south: 500, west: 200 }), at(0));
      await book.apply([
        placed('s1', 'R1', 'south'),
        placed('s2', 'R2', 'south'),
        placed('w1', 'R1', 'west'),
        placed('s3', 'R3', 'south'),
      ]);

      const outcome = await rebalanceRegion(
        { region: 'south', fromWarehouseIds: ['R1', 'R2'], since: at(0), idempotencyKey: 'rebalance-south' },
        book,
        network,
      );

      expect(outcome.reroutedCount).toBe(2);
      const { assignments } = await book.recordedPlan('rebalance-south');
      expect(assignments.map((a) => [a.orderId, a.toWarehouseId])).toEqual([
        ['s1', 'R3'],
        ['s2', 'R3'],
      ]);
      expect((await book.openOrders('R1', at(0))).map((o) => o.orderId)).toEqual(['w1']);
      expect(await revertReroute({ rerouteIdempotencyKey: 'rebalance-south' }, book)).toEqual({
        restoredCount: 2,
      });
      expect((await book.openOrders('R2', at(0))).map((o) => o.orderId)).toEqual(['s2']);
    });

    it('says the region cannot be rebalanced when every warehouse serving it is failing it', async () => {
      const network = await store();
      await network.declare(declared('F1', { fjord: 1 }), at(0));
      await network.declare(declared('F2', { fjord: 2 }), at(0));
      await book.apply([placed('f1', 'F1', 'fjord')]);

      const attempt = rebalanceRegion(
        { region: 'fjord', fromWarehouseIds: ['F1', 'F2'], since: at(0), idempotencyKey: 'rebalance-fjord' },
        book,
        network,
      );

      await expect(attempt).rejects.toThrow(
        'the rebalance of region fjord away from F1, F2 cannot be planned: no warehouse serves region fjord (1 order)',
      );
    });

    it('reads only the regions a reroute touches, in a network of 1,000 warehouses and 500 regions', async () => {
      const network = await store();
      // Declared 8 at a time, as the network agent's concurrent invocations would.
      for (let first = 0; first < 1_000; first += 8) {
        await Promise.all(
          Array.from({ length: 8 }, async (_, k) => {
            const w = first + k;
            const id = `WH-${String(w).padStart(4, '0')}`;
            await network.declare(
              declared(id, { [`r-${w % 500}`]: 100 + (w % 7), [`r-${(w + 1) % 500}`]: 900 }),
              at(0),
            );
          }),
        );
      }
      await book.apply([placed('big-1', 'WH-0042', 'r-42'), placed('big-2', 'WH-0042', 'r-43')]);

      const outcome = await rerouteOrders(
        { fromWarehouseId: 'WH-0042', since: at(0), idempotencyKey: 'r-big' },
        book,
        network,
      );

      // r-42 is served by WH-0041 (900), WH-0042 (excluded) and WH-0542 (100 + 542 % 7 = 103).
      expect(outcome.totalCost).toBe(103 + 101);
      const { assignments } = await book.recordedPlan('r-big');
      expect(assignments.map((a) => [a.orderId, a.toWarehouseId, a.cost])).toEqual([
        ['big-1', 'WH-0542', 103],
        ['big-2', 'WH-0043', 101],
      ]);
    });
  });
});
