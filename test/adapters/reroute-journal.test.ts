import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoNetworkStore } from '../../lambdas/adapters/dynamodb-network-store';
import { DynamoOrderBook } from '../../lambdas/adapters/dynamodb-order-book';
import { parseDetail } from '../../lambdas/domain/contracts/parse';
import { RerouteCancelled } from '../../lambdas/domain/fulfillment/errors';
import type { OrderBook } from '../../lambdas/domain/fulfillment/order-book';
import { rerouteOrders, revertReroute } from '../../lambdas/domain/fulfillment/reroute';
import { startFulfillmentStores, type LocalDynamo } from './dynalite';
import { cancelTransactions } from './transaction-faults';

const at = (minute: number) => new Date(Date.parse('2026-11-20T09:00:00Z') + minute * 60_000).toISOString();
/** Each test has its own customer region, so the warehouses of one never serve another's orders. */
const placed = (orderId: string, warehouseId: string, region: string, minute = 1) =>
  ({ kind: 'placed', orderId, warehouseId, region, time: at(minute) }) as const;
const declared = (warehouseId: string, region: string, capacity: number, cost: number) =>
  ({ warehouseId, region, capacity, status: 'active', shippingCost: { [region]: cost } }) as const;

/**
 * The process "crashes" at the `n`th TransactWriteItems request sent through `client`: that request and every
 * later one fail before reaching DynamoDB, until `disarm`.
 */
function crashAtTransaction(client: DynamoDBClient, n: number): { disarm(): void } {
  let seen = 0;
  let armed = true;
  const name = `crash-at-${n}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (armed && context.commandName === 'TransactWriteItemsCommand' && ++seen >= n) {
        throw new Error('injected crash');
      }
      return next(args);
    },
    { step: 'initialize', name },
  );
  return {
    disarm: () => {
      armed = false;
      client.middlewareStack.remove(name);
    },
  };
}

describe('the reroute journal: write-ahead, tombstones and capacity holds (dynalite)', () => {
  let dynamo: LocalDynamo;
  let book: DynamoOrderBook;
  let network: DynamoNetworkStore;

  beforeAll(async () => {
    ({ dynamo, book, network } = await startFulfillmentStores());
  });
  afterAll(() => dynamo.stop());

  it('leaves a tombstone when the compensation runs first, and the late reroute moves nothing', async () => {
    await network.declare(declared('T1', 'tomb', 100, 100), at(-60));
    await network.declare(declared('T2', 'tomb', 100, 200), at(-60));
    await book.apply([placed('t1', 'T1', 'tomb'), placed('t2', 'T1', 'tomb')]);

    expect(await revertReroute({ rerouteIdempotencyKey: 'late' }, book)).toEqual({ restoredCount: 0 });
    const late = rerouteOrders(
      { fromWarehouseId: 'T1', since: at(0), idempotencyKey: 'late' },
      book,
      network,
    );

    await expect(late).rejects.toThrow(RerouteCancelled);
    await expect(late).rejects.toThrow('the reroute away from T1 was compensated before it ran');
    expect((await book.openOrders('T1', at(0))).map((o) => o.orderId).sort()).toEqual(['t1', 't2']);
  });

  it('holds capacity atomically: two concurrent reroutes into one warehouse never overbook it', async () => {
    // K1 and K2 fail at once; WH-M (cheap, 5 places) and WH-N (dear, 100 places) serve their region.
    await network.declare(declared('K1', 'race', 100, 900), at(-60));
    await network.declare(declared('K2', 'race', 100, 900), at(-60));
    await network.declare(declared('WH-M', 'race', 5, 100), at(-60));
    await network.declare(declared('WH-N', 'race', 100, 300), at(-60));
    await book.apply([
      ...['k1a', 'k1b', 'k1c', 'k1d'].map((id) => placed(id, 'K1', 'race')),
      ...['k2a', 'k2b', 'k2c', 'k2d'].map((id) => placed(id, 'K2', 'race')),
      placed('m0', 'WH-M', 'race'),
    ]);
    // Both reroutes read the ledger before either reserves: the second to reserve must re-plan.
    let arrived = 0;
    let release!: () => void;
    const bothRead = new Promise<void>((resolve) => (release = resolve));
    const racing: OrderBook = Object.assign(Object.create(book) as DynamoOrderBook, {
      holds: async (ids: readonly string[], since: string) => {
        const holds = await book.holds(ids, since);
        if (++arrived === 2) release();
        if (arrived <= 2) await bothRead;
        return holds;
      },
    });

    const [one, two] = await Promise.all([
      rerouteOrders({ fromWarehouseId: 'K1', since: at(0), idempotencyKey: 'race-1' }, racing, network),
      rerouteOrders({ fromWarehouseId: 'K2', since: at(0), idempotencyKey: 'race-2' }, racing, network),
    ]);

    expect(arrived).toBeGreaterThan(2); // one of them planned again
    expect(one.reroutedCount + two.reroutedCount).toBe(8);
    expect((await book.openOrders('WH-M', at(0))).length).toBe(5); // m0 and four of the eight: full, not over
    expect((await book.openOrders('WH-N', at(0))).length).toBe(4);
    expect(await book.holds(['WH-M', 'WH-N'], at(0))).toEqual(
      new Map([
        ['WH-M', { reserved: 4, version: 1 }],
        ['WH-N', { reserved: 4, version: 1 }],
      ]),
    );

    // Reverting gives the capacity back: a third reroute finds M's four places free again.
    await revertReroute({ rerouteIdempotencyKey: 'race-1' }, book);
    await revertReroute({ rerouteIdempotencyKey: 'race-2' }, book);
    expect((await book.holds(['WH-M', 'WH-N'], at(0))).get('WH-M')?.reserved).toBe(0);
    const third = await rerouteOrders(
      { fromWarehouseId: 'K1', since: at(0), idempotencyKey: 'after-revert' },
      book,
      network,
    );
    expect(third.destinations).toEqual([{ warehouseId: 'WH-M', orders: 4, cost: 400 }]);
  });

  it('lets a hold lapse after 7 days, and prunes it at the next reservation there', async () => {
    await network.declare(declared('L1', 'lapse', 100, 900), at(-60));
    await network.declare(declared('L2', 'lapse', 100, 900), at(-60));
    await network.declare(declared('LX', 'lapse', 3, 100), at(-60));
    await book.apply([placed('l1', 'L1', 'lapse'), placed('l2', 'L1', 'lapse'), placed('l3', 'L2', 'lapse')]);
    const now = Date.parse(at(120));
    const then = new DynamoOrderBook('orders', dynamo.client, 30, () => now);
    const later = new DynamoOrderBook('orders', dynamo.client, 30, () => now + 8 * 86_400_000);

    await rerouteOrders({ fromWarehouseId: 'L1', since: at(0), idempotencyKey: 'lapse-1' }, then, network);
    expect((await then.holds(['LX'], at(0))).get('LX')).toEqual({ reserved: 2, version: 1 });
    // Eight days on, the hold no longer counts: LX's three places look free, though two orders sit there.
    expect((await later.holds(['LX'], at(0))).get('LX')).toEqual({ reserved: 0, version: 1 });

    await rerouteOrders({ fromWarehouseId: 'L2', since: at(0), idempotencyKey: 'lapse-2' }, later, network);
    const { Item: ledger } = await DynamoDBDocumentClient.from(dynamo.client).send(
      new GetCommand({ TableName: 'orders', Key: { orderId: 'capacity#LX' }, ConsistentRead: true }),
    );
    expect(Object.keys((ledger?.holds ?? {}) as object)).toEqual(['lapse-2']);
  });

  it('waits out a transaction cancelled for throttling and tries it again, moving every order once', async () => {
    await network.declare(declared('H1', 'hot', 1_000, 900), at(-60));
    await network.declare(declared('H2', 'hot', 1_000, 100), at(-60));
    const ids = Array.from({ length: 300 }, (_, i) => `hot-${i}`);
    await book.apply(ids.map((id) => placed(id, 'H1', 'hot')));
    const throttling = cancelTransactions(dynamo.client, 2, 'ThrottlingError');
    try {
      const outcome = await rerouteOrders(
        { fromWarehouseId: 'H1', since: at(0), idempotencyKey: 'hot' },
        book,
        network,
      );
      expect(outcome.reroutedCount).toBe(300);
    } finally {
      throttling.disarm();
    }
    // Every other transaction was refused once, and tried again after a backoff.
    expect(throttling.cancelled()).toBeGreaterThanOrEqual(4);
    expect((await book.openOrders('H1', at(0))).length).toBe(0);
    const moved = (await book.openOrders('H2', at(0))).map((o) => o.orderId).sort();
    expect(moved).toEqual([...ids].sort());
    expect((await book.recordedPlan('hot')).assignments).toHaveLength(300);
  });

  describe('a 20,000-order reroute', () => {
    const ORDERS = 20_000;
    const ids = Array.from({ length: ORDERS }, (_, i) => `big-${String(i).padStart(5, '0')}`);
    const openAt = async (warehouseId: string) => (await book.openOrders(warehouseId, at(0))).length;

    beforeAll(async () => {
      await network.declare(declared('BIG', 'big', 50_000, 100), at(-60));
      await network.declare(declared('DST-1', 'big', 12_000, 300), at(-60));
      await network.declare(declared('DST-2', 'big', 12_000, 400), at(-60));
      await book.apply(ids.map((id, i) => placed(id, 'BIG', 'big', 1 + (i % 50))));
    }, 120_000);

    it('reverts every order that moved when the process crashed in the middle of moving', async () => {
      const crash = crashAtTransaction(dynamo.client, 100); // about half of the ~203 move transactions
      const attempt = rerouteOrders(
        { fromWarehouseId: 'BIG', since: at(0), idempotencyKey: 'big-crash' },
        book,
        network,
      );
      await expect(attempt).rejects.toThrow('injected crash');
      // Requests already sent when it crashed still land; nothing is sent after.
      await new Promise((resolve) => setTimeout(resolve, 500));
      crash.disarm();
      const stranded = ORDERS - (await openAt('BIG'));
      expect(stranded).toBeGreaterThan(0);

      expect(await revertReroute({ rerouteIdempotencyKey: 'big-crash' }, book)).toEqual({
        restoredCount: stranded,
      });
      expect(await openAt('BIG')).toBe(ORDERS);
      expect((await book.holds(['DST-1', 'DST-2'], at(0))).get('DST-1')?.reserved ?? 0).toBe(0);
    }, 240_000);

    it('resumes after a crash between moving and recording completion, answers a bounded event, and reverts fully', async () => {
      const crashing: OrderBook = Object.assign(Object.create(book) as DynamoOrderBook, {
        complete: () => Promise.reject(new Error('injected crash after the last move')),
      });
      await expect(
        rerouteOrders({ fromWarehouseId: 'BIG', since: at(0), idempotencyKey: 'big' }, crashing, network),
      ).rejects.toThrow('injected crash after the last move');
      expect(await openAt('BIG')).toBe(0);

      // Lambda retries the command: the journal says `moving`, so it finishes the recorded plan.
      const outcome = await rerouteOrders(
        { fromWarehouseId: 'BIG', since: at(0), idempotencyKey: 'big' },
        book,
        network,
      );
      expect(outcome.reroutedCount).toBe(ORDERS);
      expect(outcome.destinations).toEqual([
        { warehouseId: 'DST-1', orders: 12_000, cost: 12_000 * 300 },
        { warehouseId: 'DST-2', orders: 8_000, cost: 8_000 * 400 },
      ]);
      const detail = parseDetail('reroute_complete', {
        schemaVersion: 2,
        correlationId: 'c-big',
        planId: 'p-big',
        taskId: 't-1',
        idempotencyKey: 'big',
        taskToken: 'token',
        ...outcome,
      });
      expect(Buffer.byteLength(JSON.stringify(detail))).toBeLessThan(2_000);
      expect((await book.recordedPlan('big')).assignments).toHaveLength(ORDERS);

      expect(await revertReroute({ rerouteIdempotencyKey: 'big' }, book)).toEqual({ restoredCount: ORDERS });
      expect(await openAt('BIG')).toBe(ORDERS);
      expect(await openAt('DST-1')).toBe(0);
    }, 240_000);
  });
});
