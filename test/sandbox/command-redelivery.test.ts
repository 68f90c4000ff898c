import { GetCommand, ScanCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as path from 'node:path';
import { sessionTagValue } from '../../lambdas/domain/governance/task-session';
import { ensureAssembly } from '../../local/assembly';
import type { ReplayInput } from '../../local/cli-input';
import type { EventEnvelope } from '../../local/eventbridge/bus';
import { Sandbox } from '../../local/sandbox';
import { networkEvents } from '../../scenarios/network-events';
import { assemblyDir, orderEvent, repoRoot } from './sandbox-fixture';

const C = 'warehouse#WH-NYC#2026-11-20T10:35:00Z';
const T0 = Date.parse('2026-11-20T10:00:00Z');
const minute = (n: number) => T0 + n * 60_000;

/** A saga command as the state machine puts it on the bus (its token is made up: no saga waits on it here). */
function command(detailType: string, n: number, idempotencyKey: string, parameters: Record<string, unknown>) {
  return {
    raw: {
      version: '0',
      id: `cmd-${n}`,
      'detail-type': detailType,
      source: 'proactive.planning',
      account: '123456789012',
      time: new Date(minute(n)).toISOString(),
      region: 'us-east-1',
      resources: [],
      detail: {
        schemaVersion: 1,
        correlationId: C,
        planId: `plan#${C}`,
        taskId: `plan#${C}#task-${n}`,
        idempotencyKey,
        taskToken: `token-${n}`,
        parameters,
      },
    },
    time: minute(n),
    line: 0,
  } satisfies ReplayInput;
}

const since = '2026-11-20T09:00:00.000Z';
const commands = [
  command('open_incident_ticket', 10, `ticket#${C}`, {
    scopeType: 'warehouse',
    scopeId: 'WH-NYC',
    severity: 'sev2',
  }),
  // WH-BOS is the cheapest other warehouse for us-east: paused, the reroute must avoid it.
  command('pause_warehouse_intake', 11, `pause-intake#${C}`, { warehouseId: 'WH-BOS' }),
  command('reroute_orders', 12, `reroute#${C}`, { fromWarehouseId: 'WH-NYC', since }),
  command('rebalance_region', 13, `rebalance#${C}`, {
    region: 'us-west',
    fromWarehouseIds: ['WH-SEA'],
    since,
  }),
  command('notify_customers', 14, `notify#${C}`, {
    scopeType: 'warehouse',
    scopeId: 'WH-NYC',
    since,
    template: 'order_rerouted',
  }),
  command('revert_rebalance', 15, `revert-rebalance#${C}`, {
    region: 'us-west',
    rerouteIdempotencyKey: `rebalance#${C}`,
  }),
  command('revert_reroute', 16, `revert#${C}`, {
    fromWarehouseId: 'WH-NYC',
    rerouteIdempotencyKey: `reroute#${C}`,
  }),
  command('resume_warehouse_intake', 17, `resume-intake#${C}`, {
    warehouseId: 'WH-BOS',
    pauseIdempotencyKey: `pause-intake#${C}`,
  }),
  command('close_incident_ticket', 18, `close-ticket#${C}`, { ticketId: `ticket#${C}` }),
];

const orders = [
  ...[1, 2, 3, 4].map((i) => ({ orderId: `east-${i}`, warehouseId: 'WH-NYC', region: 'us-east' })),
  ...[1, 2].map((i) => ({ orderId: `west-${i}`, warehouseId: 'WH-SEA', region: 'us-west' })),
].map(({ orderId, warehouseId, region }, i) => {
  const raw = orderEvent('order_placed', new Date(minute(1 + i)).toISOString(), {
    orderId,
    customerId: `c-${orderId}`,
    warehouseId,
    region,
    items: [{ sku: 'SKU-1', quantity: 1 }],
    total: 20,
  });
  return { raw, time: minute(1 + i), line: 0 };
});

describe('duplicate delivery of every saga command: each effect applies once', () => {
  let sandbox: Sandbox;
  let events: EventEnvelope[];
  let doc: DynamoDBDocumentClient;
  const answersTo = (idempotencyKey: string) =>
    events.filter(
      (e) =>
        (e.detail as { idempotencyKey?: string }).idempotencyKey === idempotencyKey &&
        e.source !== 'proactive.planning',
    );
  const table = (service: string, variable: string) =>
    sandbox.functionByService(service).config.environment[variable]!;

  beforeAll(async () => {
    ensureAssembly(repoRoot, assemblyDir, () => undefined);
    sandbox = await Sandbox.start({
      assemblyDir,
      startTime: T0 - 120_000,
      // Every rule target receives every event twice.
      faults: { duplicateDelivery: true },
      onlyConsumers: [
        'fulfillment-network',
        'fulfillment-order-book',
        'fulfillment-agent',
        'operations-agent',
      ],
    });
    const network = networkEvents(
      path.join(repoRoot, 'config', 'retail-network.json'),
      new Date(T0 - 60_000),
    );
    await sandbox.replay([
      ...network.map((raw) => ({ raw, time: T0 - 60_000, line: 0 })),
      ...orders,
      ...commands,
    ]);
    events = [...sandbox.bus.archive];
    doc = DynamoDBDocumentClient.from(sandbox.dynamodb);
  });
  afterAll(() => sandbox?.stop());

  it('delivers every command twice and answers each, the same answer each time, never command_failed', () => {
    const accounts = Object.fromEntries(sandbox.accountingReport().map((a) => [a.consumer, a]));
    for (const consumer of ['fulfillment-agent', 'operations-agent']) {
      expect(accounts[consumer]).toMatchObject({ lost: 0, pending: 0, deadLettered: 0 });
      expect(accounts[consumer]!.deliveries).toBeGreaterThanOrEqual(2 * accounts[consumer]!.routed);
    }
    expect(accounts['operations-agent']!.routed).toBe(5);
    expect(accounts['fulfillment-agent']!.routed).toBe(4);
    for (const { raw } of commands) {
      const answers = answersTo(raw.detail.idempotencyKey);
      expect([raw['detail-type'], answers.length]).toEqual([raw['detail-type'], 2]);
      expect(answers[1]!.detail).toEqual(answers[0]!.detail);
    }
    expect(events.filter((e) => e['detail-type'] === 'command_failed')).toEqual([]);
  });

  it('opens the ticket once and closes it once', async () => {
    const [opened] = answersTo(`ticket#${C}`);
    expect(opened!['detail-type']).toBe('incident_ticket_opened');
    const [closed] = answersTo(`close-ticket#${C}`);
    expect(closed!.detail).toMatchObject({ status: 'closed', wasOpen: true, ticketId: `ticket#${C}` });
    const { Item } = await doc.send(
      new GetCommand({
        TableName: table('operations-agent', 'OPERATIONS_TABLE_NAME'),
        // The incident's partition: the correlation id as the task session's `incident` tag carries it.
        Key: { pk: `incident#${sessionTagValue(C, 'correlationId')}`, sk: `ticket#ticket#${C}` },
      }),
    );
    expect(Item).toMatchObject({ status: 'closed', severity: 'sev2', scopeId: 'WH-NYC', correlationId: C });
  });

  it('pauses the intake once (the reroute avoided the paused warehouse) and lifts that pause once', async () => {
    expect(answersTo(`pause-intake#${C}`)[0]!.detail).toMatchObject({
      warehouseId: 'WH-BOS',
      activePauses: 1,
    });
    const [rerouted] = answersTo(`reroute#${C}`);
    const destinations = (rerouted!.detail as { destinations: { warehouseId: string }[] }).destinations;
    expect(destinations.length).toBeGreaterThan(0);
    expect(destinations.map((d) => d.warehouseId)).not.toContain('WH-BOS');
    expect(answersTo(`resume-intake#${C}`)[0]!.detail).toMatchObject({ intake: 'open', activePauses: 0 });
    const { Item } = await doc.send(
      new GetCommand({
        TableName: table('operations-agent', 'NETWORK_TABLE_NAME'),
        Key: { pk: 'intake#WH-BOS', sk: 'state' },
      }),
    );
    expect(Item?.pausedBy).toBeUndefined();
    const { Item: tombstone } = await doc.send(
      new GetCommand({
        TableName: table('operations-agent', 'NETWORK_TABLE_NAME'),
        Key: { pk: 'intake#WH-BOS', sk: `lifted#pause-intake#${C}` },
      }),
    );
    expect(tombstone).toMatchObject({
      liftedAt: expect.any(String) as string,
      expiresAt: expect.any(Number) as number,
    });
  });

  it('moves the orders once and restores them once', async () => {
    const moved = answersTo(`reroute#${C}`)[0]!.detail as { reroutedCount: number };
    const rebalanced = answersTo(`rebalance#${C}`)[0]!.detail as { reroutedCount: number };
    expect(moved.reroutedCount).toBe(4);
    expect(rebalanced.reroutedCount).toBe(2);
    expect(answersTo(`revert#${C}`)[0]!.detail).toMatchObject({ restoredCount: 4 });
    expect(answersTo(`revert-rebalance#${C}`)[0]!.detail).toMatchObject({ restoredCount: 2 });
    const { Items = [] } = await doc.send(
      new ScanCommand({ TableName: table('fulfillment-agent', 'ORDERS_TABLE_NAME') }),
    );
    const byId = new Map(Items.map((item) => [String(item.orderId), item]));
    for (const order of orders) {
      const { orderId, warehouseId } = order.raw.detail as { orderId: string; warehouseId: string };
      expect([orderId, byId.get(orderId)?.warehouseId]).toEqual([orderId, warehouseId]);
    }
  });

  it('notifies the customers once: one record, sent once', async () => {
    const answers = answersTo(`notify#${C}`);
    expect(answers.map((a) => a['detail-type'])).toEqual(['customers_notified', 'customers_notified']);
    const { Item } = await doc.send(
      new GetCommand({
        TableName: table('operations-agent', 'OPERATIONS_TABLE_NAME'),
        Key: { pk: `incident#${sessionTagValue(C, 'correlationId')}`, sk: `notification#notify#${C}` },
      }),
    );
    expect(Item).toMatchObject({ status: 'sent', template: 'order_rerouted', sends: 1 });
    expect(Item!.sentAt).toBe((answers[0]!.detail as { sentAt: string }).sentAt);
  });
});
