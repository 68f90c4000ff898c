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
