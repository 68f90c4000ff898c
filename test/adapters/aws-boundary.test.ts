import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { DeadLetterRejector } from '../../lambdas/adapters/dead-letter-rejector';
import { EventPublisher } from '../../lambdas/adapters/event-publisher';

describe('EventPublisher', () => {
  const eventBridge = mockClient(EventBridgeClient);
  beforeEach(() => eventBridge.reset());

  const event = (n: number) => ({
    source: 'proactive.test',
    detailType: 'thing',
    detail: { n },
    time: '2026-11-20T10:00:00Z',
  });

  it('sends at most ten entries per PutEvents call, on the named bus, with the business time', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })),
    }));
    await new EventPublisher('bus-1', new EventBridgeClient({})).publish(
      Array.from({ length: 23 }, (_, i) => event(i)),
    );
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    expect(calls[0]!.args[0].input.Entries?.[0]).toEqual({
      EventBusName: 'bus-1',
      Source: 'proactive.test',
      DetailType: 'thing',
      Detail: '{"n":0}',
      Time: new Date('2026-11-20T10:00:00Z'),
      Resources: undefined,
    });
  });

  it('keeps each PutEvents call within 1 MB of entries, however few they are', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })),
    }));
    // Warehouses serving thousands of regions: each event about 300 KB, so three to a request, not ten.
    const large = (n: number) => ({ ...event(n), detail: { n, pad: 'x'.repeat(300_000) } });
    await new EventPublisher('bus-1', new EventBridgeClient({})).publish(
      Array.from({ length: 7 }, (_, i) => large(i)),
    );
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([3, 3, 1]);
    for (const call of calls) {
      const entries = call.args[0].input.Entries ?? [];
      const bytes = entries.reduce(
        (sum, e) => sum + 14 + Buffer.byteLength(`${e.Source ?? ''}${e.DetailType ?? ''}${e.Detail ?? ''}`),
        0,
      );
      expect(bytes).toBeLessThanOrEqual(1_048_576);
    }
    const order = calls.flatMap((c) =>
      (c.args[0].input.Entries ?? []).map((e) => (JSON.parse(e.Detail ?? '{}') as { n: number }).n),
    );
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('refuses an event larger than a whole PutEvents request, naming it, before sending anything', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    const huge = { ...event(0), detail: { pad: 'x'.repeat(1_048_577) } };
    await expect(
      new EventPublisher('bus-1', new EventBridgeClient({})).publish([event(1), huge]),
    ).rejects.toThrow('entry 1 (thing) is 1048620 bytes: PutEvents takes at most 1048576');
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('retries only the failed entries once, then reports what still failed', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }],
      })
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }],
      });
    const publish = new EventPublisher('bus-1', new EventBridgeClient({})).publish([event(1), event(2)]);
    await expect(publish).rejects.toMatchObject({
      name: 'PublishFailed',
      failures: [{ detailType: 'thing', errorCode: 'ThrottlingException', errorMessage: 'slow down' }],
    });
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls[1]!.args[0].input.Entries).toHaveLength(1);
    expect(calls[1]!.args[0].input.Entries?.[0]?.Detail).toBe('{"n":2}');
  });
});

describe('DeadLetterRejector', () => {
  const sqs = mockClient(SQSClient);
  beforeEach(() => sqs.reset());

  it('keeps the event body and the reason as message attributes', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
    await new DeadLetterRejector('https://sqs/q', new SQSClient({})).reject('{"x":1}', {
      agent: 'monitoring-agent',
      errorType: 'ContractViolation',
      errorMessage: 'order_placed: detail.warehouseId: Invalid input',
      field: 'detail.warehouseId',
    });
    expect(sqs.commandCalls(SendMessageCommand)[0]!.args[0].input).toEqual({
      QueueUrl: 'https://sqs/q',
      MessageBody: '{"x":1}',
      MessageAttributes: {
        agent: { DataType: 'String', StringValue: 'monitoring-agent' },
        errorType: { DataType: 'String', StringValue: 'ContractViolation' },
        errorMessage: { DataType: 'String', StringValue: 'order_placed: detail.warehouseId: Invalid input' },
        field: { DataType: 'String', StringValue: 'detail.warehouseId' },
      },
    });
  });
});
