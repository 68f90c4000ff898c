import { DynamoNetworkStore } from '../../lambdas/adapters/dynamodb-network-store';
import { DynamoOrderBook } from '../../lambdas/adapters/dynamodb-order-book';
import type { EventEnvelope } from '../../local/eventbridge/bus';
import type { Sandbox } from '../../local/sandbox';
import { startSandbox } from './sandbox-fixture';

const ORDERS = 20_000;
const start = Date.parse('2026-11-20T09:00:00Z');
const at = (minute: number) => new Date(start + minute * 60_000).toISOString();
const command = (detailType: string, id: string, parameters: Record<string, unknown>, key: string) => ({
  version: '0',
  id,
  'detail-type': detailType,
  source: 'proactive.planning',
  account: '123456789012',
  time: at(120),
  region: 'us-east-1',
  resources: [],
  detail: {
    schemaVersion: 1,
    correlationId: 'warehouse#WH-BIG#2026-11-20T09:00:00Z',
    planId: 'plan-big',
    taskId: 'task-1',
    idempotencyKey: key,
    parameters,
    // No saga waits on it here: the callback's answer finds no task, which it tolerates.
    taskToken: `token-${id}`,
  },
});

/**
 * A 20,000-order reroute through the sandbox as on AWS: the command on the bus, the fulfillment agent's Lambda
 * (its configured timeout and memory) against dynalite with DynamoDB's 400 KB items and 100-action
 * transactions, its answer through PutEvents with the 256 KB limit, and the compensation restoring every order.
 */
describe('a 20,000-order reroute in the sandbox', () => {
  let sandbox: Sandbox;
  let book: DynamoOrderBook;
  let events: EventEnvelope[];
  const ofType = (type: string) => events.filter((e) => e['detail-type'] === type);

  beforeAll(async () => {
    sandbox = await startSandbox(start, { onlyConsumers: ['fulfillment-agent', 'saga-callback'] });
    const env = sandbox.functionByService('fulfillment-agent').config.environment;
    book = new DynamoOrderBook(env.ORDERS_TABLE_NAME!, sandbox.dynamodb);
    const network = new DynamoNetworkStore(env.NETWORK_TABLE_NAME!, sandbox.dynamodb);
    const warehouse = (warehouseId: string, capacity: number, cost: number) =>
      network.declare(
        { warehouseId, region: 'us-big', capacity, status: 'active', shippingCost: { 'us-big': cost } },
        at(0),
      );
    await warehouse('WH-BIG', 50_000, 100);
    await warehouse('WH-DST-1', 12_000, 300);
    await warehouse('WH-DST-2', 12_000, 400);
    await book.apply(
      Array.from({ length: ORDERS }, (_, i) => ({
        kind: 'placed' as const,
        orderId: `big-${i}`,
        warehouseId: 'WH-BIG',
        region: 'us-big',
        time: at(1 + (i % 60)),
      })),
    );

    await sandbox.advanceTo(Date.parse(at(120)));
    sandbox.put(command('reroute_orders', 'reroute', { fromWarehouseId: 'WH-BIG', since: at(0) }, 'big'));
    await sandbox.settle();
    sandbox.put(
      command(
        'revert_reroute',
        'revert',
        { fromWarehouseId: 'WH-BIG', rerouteIdempotencyKey: 'big' },
        'revert-big',
      ),
    );
    await sandbox.settle();
    events = [...sandbox.bus.archive];
  }, 300_000);
  afterAll(() => sandbox?.stop());

  it('moves every order and answers a bounded reroute_complete that refers to the journal', async () => {
    const [complete] = ofType('reroute_complete');
    expect(complete?.detail).toMatchObject({
      schemaVersion: 2,
      reroutedCount: ORDERS,
      destinations: [
        { warehouseId: 'WH-DST-1', orders: 12_000 },
        { warehouseId: 'WH-DST-2', orders: 8_000 },
      ],
      unassignedCount: 0,
      assignmentsRef: { key: 'reroute#big' },
    });
    expect(Buffer.byteLength(JSON.stringify(complete))).toBeLessThan(4_096);
    expect((await book.recordedPlan('big')).assignments).toHaveLength(ORDERS);
    expect(sandbox.rejectedInputs).toEqual([]);
    expect(sandbox.deadLetterQueueOf('fulfillment-agent').messages).toEqual([]);
  });

  it('reverts all of them', async () => {
    expect(
      ofType('reroute_reverted').map((e) => (e.detail as { restoredCount: number }).restoredCount),
    ).toEqual([ORDERS]);
    expect((await book.openOrders('WH-BIG', at(0))).length).toBe(ORDERS);
    expect((await book.openOrders('WH-DST-1', at(0))).length).toBe(0);
  });
});
