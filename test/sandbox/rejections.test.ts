import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { RejectedInput, Sandbox } from '../../local/sandbox';
import { readEventsFile } from './events-file';
import { orderEvent, startSandbox } from './sandbox-fixture';

const T0 = Date.parse('2026-11-20T08:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const placed = (n: number, extra: Record<string, unknown> = {}) =>
  orderEvent('order_placed', at(n), {
    orderId: `ord-${n}`,
    customerId: `cust-${n}`,
    warehouseId: 'WH-BOS',
    region: 'us-east',
    items: [{ sku: 'SKU-1', quantity: 1 }],
    total: 12.5,
    ...extra,
  });

describe('malformed events in the sandbox', () => {
  let sandbox: Sandbox;
  const rejected: RejectedInput[] = [];

  beforeAll(async () => {
    const missingField = placed(3);
    delete (missingField.detail as Record<string, unknown>).warehouseId;
    const wrongType = placed(4, { items: [{ sku: 'SKU-2', quantity: 'two' }] });
    const lines = [
      JSON.stringify(placed(1)),
      JSON.stringify(placed(2, { loyaltyTier: 'gold' })),
      JSON.stringify(missingField),
      '{"this is": not json',
      JSON.stringify(wrongType),
      JSON.stringify({ ...placed(5), detail: 'a string, not an object' }),
      JSON.stringify(placed(6)),
    ];
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'pa-')), 'bad.ndjson');
    writeFileSync(file, lines.join('\n'));
    const inputs = await readEventsFile(file, rejected);
    sandbox = await startSandbox(T0 - 1000);
    sandbox.rejectedInputs.push(...rejected);
    await sandbox.replay(inputs);
  });
  afterAll(() => sandbox?.stop());

  it('keeps an event with a missing field in the agent DLQ, with a reason naming the field', () => {
    const dlq = sandbox.deadLetterQueueOf('monitoring-agent');
    const reasons = dlq.messages.map((m) => m.messageAttributes.errorMessage?.StringValue);
    expect(reasons).toEqual(
      expect.arrayContaining([expect.stringMatching(/^order_placed: detail\.warehouseId: /)]),
    );
    const kept = dlq.messages.find((m) => m.messageAttributes.field?.StringValue === 'detail.warehouseId');
    expect(JSON.parse(kept!.body)).toMatchObject({ detail: { orderId: 'ord-3' } });
  });

  it('keeps an event with a wrong type in the DLQ, naming the nested field', () => {
    const fields = sandbox
      .deadLetterQueueOf('monitoring-agent')
      .messages.map((m) => m.messageAttributes.field?.StringValue);
    expect(fields).toContain('detail.items.0.quantity');
    // The order book rejects it the same way: each agent keeps what it could not take.
    const bookFields = sandbox
      .deadLetterQueueOf('fulfillment-order-book')
      .messages.map((m) => m.messageAttributes.field?.StringValue);
    expect(bookFields).toEqual(expect.arrayContaining(['detail.warehouseId', 'detail.items.0.quantity']));
  });

  it('announces each event an agent keeps as agent_error from that agent, naming it without its content', () => {
    const announced = sandbox.bus.archive.filter((e) => e['detail-type'] === 'agent_error');
    for (const [service, source] of [
      ['monitoring-agent', 'proactive.monitoring'],
      ['fulfillment-order-book', 'proactive.fulfillment'],
    ] as const) {
      const kept = sandbox.deadLetterQueueOf(service).messages.map((m) => ({
        eventId: (JSON.parse(m.body) as { id: string }).id,
        field: m.messageAttributes.field?.StringValue,
      }));
      expect(kept.length).toBeGreaterThan(0);
      const mine = announced.filter((e) => (e.detail as { agent: string }).agent === service);
      expect(mine.map((e) => e.source)).toEqual(kept.map(() => source));
      expect(
        mine.map((e) => {
          const detail = e.detail as { eventId: string; field?: string; error: string };
          return { eventId: detail.eventId, field: detail.field, error: detail.error };
        }),
      ).toEqual(kept.map((k) => ({ ...k, error: 'ContractViolation' })));
    }
    // Named, never copied: none of the rejected orders' customers or items reach the bus again.
    const text = JSON.stringify(announced);
    for (const value of ['cust-3', 'cust-4', 'SKU-2']) expect(text).not.toContain(value);
    // And nothing consumed an announcement: no agent rejected one in turn.
    expect(sandbox.invocationErrors).toEqual([]);
  });

  it('reports a line that is not JSON and a detail that is not an object, with line numbers', () => {
    expect(sandbox.rejectedInputs).toEqual([
      expect.objectContaining({ line: 4, reason: 'not valid JSON' }),
      expect.objectContaining({ line: 6, reason: expect.stringMatching(/^MalformedDetail/) }),
    ]);
  });

  it('processes the rest of the stream, unknown extra fields included', async () => {
    const counters = sandbox.functionByService('monitoring-agent').config.environment.COUNTERS_TABLE_NAME!;
    const { Items = [] } = await sandbox.dynamodb.send(
      new QueryCommand({
        TableName: counters,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'warehouse#WH-BOS' } },
      }),
    );
    const placedIds = Items.flatMap((item) => item.placed?.SS ?? []).sort();
    expect(placedIds).toEqual(['ord-1', 'ord-2', 'ord-6']);
    expect(sandbox.invocationErrors).toEqual([]);
  });

  it('answers PutEvents per entry through the ordinary SDK client', async () => {
    const client = new EventBridgeClient({
      endpoint: sandbox.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'proactive-agents',
            Source: 'retail.orders',
            DetailType: 'order_placed',
            Detail: JSON.stringify(placed(7).detail),
          },
          {
            EventBusName: 'proactive-agents',
            Source: 'retail.orders',
            DetailType: 'order_placed',
            Detail: '{not json',
          },
          { EventBusName: 'proactive-agents', DetailType: 'order_placed', Detail: '{}' },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(2);
    expect(result.Entries?.[0]?.EventId).toEqual(expect.any(String));
    expect(result.Entries?.[1]).toMatchObject({ ErrorCode: 'MalformedDetail' });
    expect(result.Entries?.[2]?.ErrorMessage).toMatch(/Source/);
    client.destroy();
  });
});
