import { DynamoOrderBook } from '../../lambdas/adapters/dynamodb-order-book';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { EventEnvelope } from '../../local/eventbridge/bus';
import type { Sandbox } from '../../local/sandbox';
import { networkEvents } from '../../scenarios/network-events';
import { orderEvent, repoRoot, startSandbox, sagaStateMachineArn } from './sandbox-fixture';

const at = (hhmm: string) => `2026-11-20T${hhmm}:00Z`;
const spikeFixture = (name: string) =>
  JSON.parse(
    readFileSync(path.join(repoRoot, 'test', 'events', 'order_cancellation_spike', `${name}.json`), 'utf8'),
  ) as EventEnvelope & {
    detail: {
      correlationId: string;
      incidentKey: string;
      scope: { type: string; id: string };
      contributors: { warehouseId: string; cancelled: number; expectedCancelled: number }[];
    };
  };
const placed = (orderId: string, warehouseId: string, region: string, time: string) =>
  orderEvent('order_placed', time, {
    orderId,
    customerId: `c-${orderId}`,
    warehouseId,
    region,
    items: [{ sku: 'SKU-1', quantity: 1 }],
    total: 25,
  });
const warehouseEvent = (detailType: string, time: string, detail: Record<string, unknown>, id: string) => ({
  version: '0',
  id,
  'detail-type': detailType,
  source: 'retail.warehouses',
  account: '123456789012',
  time,
  region: 'us-east-1',
  resources: [],
  detail,
});

describe('the fulfillment network as data, in the sandbox', () => {
  let sandbox: Sandbox;
  let events: EventEnvelope[];
  const ofType = (type: string) => events.filter((e) => e['detail-type'] === type);
  const forIncident = (type: string, correlationId: string) =>
    ofType(type).filter((e) => (e.detail as { correlationId?: string }).correlationId === correlationId);

  // Two region incidents: us-south, which a hub in us-central can still serve, and us-west, which only its
  // failing warehouse serves (known from its orders alone).
  const south = spikeFixture('region');
  const west = spikeFixture('region');
  west.id = 'spike-us-west';
  west.time = at('10:50');
  west.detail.correlationId = west.detail.incidentKey = 'region#us-west#2026-11-20T10:30:00Z';
  west.detail.scope = { type: 'region', id: 'us-west' };
  west.detail.contributors = [{ warehouseId: 'WH-USW-01', cancelled: 12, expectedCancelled: 1 }];

  beforeAll(async () => {
    const seed = networkEvents(
      path.join(repoRoot, 'test', 'fixtures', 'network-south.json'),
      new Date(at('09:00')),
    );
    const inputs: unknown[] = [
      ...seed,
      warehouseEvent('capacity_changed', at('09:05'), { warehouseId: 'WH-USC-HUB', capacity: 5 }, 'cap-hub'),
      // Older than the seed, and late: it must change nothing.
      warehouseEvent(
        'warehouse_updated',
        at('08:00'),
        { warehouseId: 'WH-USC-02', region: 'us-central', capacity: 1, shippingCost: { 'us-south': 1 } },
        'late-update',
      ),
      ...['s1', 's2', 's3', 's4'].map((id, i) => placed(id, 'WH-USS-01', 'us-south', at(`10:0${i}`))),
      placed('s5', 'WH-USS-02', 'us-south', at('10:05')),
      placed('s6', 'WH-USS-02', 'us-south', at('10:06')),
      placed('c1', 'WH-USS-01', 'us-central', at('10:07')),
      placed('w1', 'WH-USW-01', 'us-west', at('10:08')),
      south,
      west,
    ];
    sandbox = await startSandbox(Date.parse(at('08:59')));
    await sandbox.replay(inputs.map((raw) => ({ raw, time: Date.parse((raw as { time: string }).time) })));
    events = [...sandbox.bus.archive];
  });
  afterAll(() => sandbox?.stop());

  async function networkItems(): Promise<Record<string, unknown>[]> {
    const table = sandbox.functionByService('fulfillment-network').config.environment.NETWORK_TABLE_NAME!;
    const { Items = [] } = await sandbox.dynamodb.send(new ScanCommand({ TableName: table }));
    return Items.map((item) => unmarshall(item));
  }

  it('loads the network from a file and keeps it current from events, newest first', async () => {
    const items = await networkItems();
    const profile = (id: string) => items.find((i) => i.pk === `warehouse#${id}` && i.sk === 'profile');

    expect(profile('WH-USC-HUB')).toMatchObject({ capacity: 5, origin: 'declared', status: 'active' });
    expect(profile('WH-USC-02')).toMatchObject({ capacity: 400 });
    expect(items.filter((i) => i.pk === 'region#us-south').map((i) => i.warehouseId)).toEqual([
      'WH-USC-HUB',
      'WH-USS-01',
      'WH-USS-02',
    ]);
  });

  it('knows a warehouse first seen in orders, serving the region it ships to', async () => {
    const items = await networkItems();

    expect(items.find((i) => i.pk === 'warehouse#WH-USW-01')).toMatchObject({
      origin: 'observed',
      region: 'us-west',
      capacity: 1_000,
    });
    expect(items.find((i) => i.pk === 'region#us-west')).toMatchObject({
      warehouseId: 'WH-USW-01',
      cost: 1_000,
    });
  });

  it("remediates a region incident: the region's orders leave its failing warehouses for the hub", async () => {
    const [command] = forIncident('rebalance_region', south.detail.correlationId);
    const [answer] = forIncident('region_rebalanced', south.detail.correlationId);

    expect(command!.detail).toMatchObject({
      parameters: { region: 'us-south', fromWarehouseIds: ['WH-USS-01', 'WH-USS-02'] },
    });
    // The hub's capacity is 5 (capacity_changed): five of the six us-south orders move; the us-central order
    // at WH-USS-01 stays.
    expect(answer!.detail).toMatchObject({ region: 'us-south', reroutedCount: 5, totalCost: 5 * 610 });
    expect(answer!.detail).toMatchObject({
      destinations: [{ warehouseId: 'WH-USC-HUB', orders: 5, cost: 5 * 610 }],
      unassignedCount: 1,
      unassignedReasons: [{ reason: 'no remaining capacity in region us-south', orders: 1 }],
    });
    const { idempotencyKey, assignmentsRef } = answer!.detail as {
      idempotencyKey: string;
      assignmentsRef: { tableName: string; key: string };
    };
    const journal = await new DynamoOrderBook(assignmentsRef.tableName, sandbox.dynamodb).recordedPlan(
      idempotencyKey,
    );
    expect(journal.assignments.map((a) => a.orderId)).not.toContain('c1');
    expect(journal.unassigned).toEqual([
      { orderId: 's6', reason: 'no remaining capacity in region us-south' },
    ]);
    const execution = sandbox.sfn
      .listExecutions(sagaStateMachineArn(sandbox))
      .executions.map((e) => sandbox.sfn.describeExecution(e.executionArn))
      .find((e) => e.input.includes(south.detail.correlationId));
    expect(execution?.status).toBe('SUCCEEDED');
  });

  it('fails the task at once when nothing can serve the region, and asks an operator with the evidence', () => {
    const correlationId = west.detail.correlationId;
    const [command] = forIncident('rebalance_region', correlationId);
    const [failedCommand] = forIncident('command_failed', correlationId);
    const [escalation] = forIncident('remediation_escalated', correlationId);
    const [failure] = forIncident('remediation_failed', correlationId);

    expect(failedCommand!.detail).toMatchObject({
      commandType: 'rebalance_region',
      error: 'RerouteNotPlannable',
    });
    expect(escalation!.detail).toMatchObject({
      scope: { type: 'region', id: 'us-west' },
      reason: expect.stringContaining('no warehouse serves region us-west (1 order)'),
      evidence: expect.arrayContaining([expect.stringContaining('us-west')]),
    });
    expect(failure!.detail).toMatchObject({ stage: 'execution', error: 'RerouteNotPlannable' });
    // At once, not after the task's 900 s timeout.
    expect(Date.parse(failure!.time) - Date.parse(command!.time)).toBeLessThan(60_000);
    expect(forIncident('rebalance_reverted', correlationId)[0]!.detail).toMatchObject({ restoredCount: 0 });
    expect(sandbox.deadLetterQueueOf('fulfillment-agent').messages).toEqual([]);
  });
});
