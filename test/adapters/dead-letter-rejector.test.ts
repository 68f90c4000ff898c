import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { DeadLetterRejector } from '../../lambdas/adapters/dead-letter-rejector';
import { EventPublisher } from '../../lambdas/adapters/event-publisher';
import { eventFixture } from '../events/fixtures';

const DLQ = 'https://sqs.us-east-1.amazonaws.com/123456789012/order-book-dlq';
const sqs = mockClient(SQSClient);
const eventBridge = mockClient(EventBridgeClient);

/** The order the calls reached AWS in. */
let calls: string[] = [];
let unannounced: unknown[] = [];

const rejector = () =>
  new DeadLetterRejector(DLQ, new SQSClient({ region: 'us-east-1' }), {
    publisher: new EventPublisher('proactive-agents', new EventBridgeClient({ region: 'us-east-1' })),
    source: 'proactive.fulfillment',
    onUnannounced: (error) => unannounced.push(error),
  });

/** The agent_error entries EventBridge was sent. */
const announced = () =>
  eventBridge.commandCalls(PutEventsCommand).flatMap((call) =>
    (call.args[0].input.Entries ?? []).map((entry) => ({
      source: entry.Source,
      detailType: entry.DetailType,
      detail: JSON.parse(entry.Detail ?? 'null') as Record<string, unknown>,
    })),
  );

const order = eventFixture('order_placed', 'from-order-service') as { id: string; detail: object };
const body = JSON.stringify(order);

describe('DeadLetterRejector', () => {
  beforeEach(() => {
    calls = [];
    unannounced = [];
    sqs.reset();
    eventBridge.reset();
    sqs.on(SendMessageCommand).callsFake(() => {
      calls.push('SendMessage');
      return { MessageId: 'dlq-1' };
    });
    eventBridge.on(PutEventsCommand).callsFake(() => {
      calls.push('PutEvents');
      return { FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] };
    });
  });

  it('keeps the event in the DLQ with its reason, then announces agent_error naming the event, not copying it', async () => {
    await rejector().reject(body, {
      agent: 'fulfillment-order-book',
      errorType: 'ValidationException',
      errorMessage: 'Size of hashkey has exceeded the maximum size limit of 2048 bytes',
    });

    expect(calls).toEqual(['SendMessage', 'PutEvents']);
    expect(sqs.commandCalls(SendMessageCommand)[0]!.args[0].input).toMatchObject({
      QueueUrl: DLQ,
      MessageBody: body,
      MessageAttributes: { errorType: { StringValue: 'ValidationException' } },
    });
    expect(announced()).toEqual([
      {
        source: 'proactive.fulfillment',
        detailType: 'agent_error',
        detail: {
          schemaVersion: 1,
          correlationId: order.id,
          agent: 'fulfillment-order-book',
          error: 'ValidationException',
          reason: 'Size of hashkey has exceeded the maximum size limit of 2048 bytes',
          eventId: order.id,
          eventDetailType: 'order_placed',
        },
      },
    ]);
    // Nothing of the event's content: no customer, no order id, no items.
    const published = JSON.stringify(announced());
    for (const value of ['CUST-2231', 'ORD-10492', 'SKU-TEA-01']) expect(published).not.toContain(value);
  });

  it('names the field of a contract violation, and takes a command’s correlation id (its incident)', async () => {
    const command = { id: 'evt-7', 'detail-type': 'reroute_orders', detail: { correlationId: 'INC-42' } };
    await rejector().reject(JSON.stringify(command), {
      agent: 'fulfillment-agent',
      errorType: 'ContractViolation',
      errorMessage: 'reroute_orders: detail.parameters: Invalid input',
      field: 'detail.parameters',
    });

    expect(announced()[0]!.detail).toEqual({
      schemaVersion: 1,
      correlationId: 'INC-42',
      agent: 'fulfillment-agent',
      error: 'ContractViolation',
      reason: 'reroute_orders: detail.parameters: Invalid input',
      field: 'detail.parameters',
      eventId: 'evt-7',
      eventDetailType: 'reroute_orders',
    });
  });

  it('redacts personal data from the reason it announces (the DLQ keeps the message as it was)', async () => {
    await rejector().reject(body, {
      agent: 'fulfillment-order-book',
      errorType: 'Error',
      errorMessage: 'no customer jane.doe@example.com',
    });

    expect(announced()[0]!.detail.reason).not.toContain('jane.doe@example.com');
    expect(
      sqs.commandCalls(SendMessageCommand)[0]!.args[0].input.MessageAttributes?.errorMessage?.StringValue,
    ).toBe('no customer jane.doe@example.com');
  });

  it('announces an unreadable body too, correlated by the agent', async () => {
    await rejector().reject('{"detail-type": ', {
      agent: 'monitoring-agent',
      errorType: 'ContractViolation',
      errorMessage: '(unknown): (event): not valid JSON',
      field: '(event)',
    });

    expect(announced()[0]!.detail).toEqual({
      schemaVersion: 1,
      correlationId: 'monitoring-agent#unreadable',
      agent: 'monitoring-agent',
      error: 'ContractViolation',
      reason: '(unknown): (event): not valid JSON',
      field: '(event)',
    });
  });

  it('keeps the DLQ record when EventBridge refuses the announcement, reporting it instead of throwing', async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await expect(
      rejector().reject(body, {
        agent: 'fulfillment-order-book',
        errorType: 'Error',
        errorMessage: 'poisoned',
      }),
    ).resolves.toBeUndefined();

    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(1);
    expect(unannounced).toEqual([expect.objectContaining({ name: 'ThrottlingException' })]);
  });

  it('announces nothing when the DLQ refused the event: the caller leaves it to the redrive policy', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('AccessDenied'));

    await expect(
      rejector().reject(body, {
        agent: 'fulfillment-order-book',
        errorType: 'Error',
        errorMessage: 'poisoned',
      }),
    ).rejects.toThrow('AccessDenied');

    expect(announced()).toEqual([]);
  });
});
