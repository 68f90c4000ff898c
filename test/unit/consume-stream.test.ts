import { Logger } from '@aws-lambda-powertools/logger';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { DeadLetterRejector } from '../../lambdas/adapters/dead-letter-rejector';
import type { ParsedEvent } from '../../lambdas/domain/contracts/parse';
import { consumeStream } from '../../lambdas/handlers/shared/stream';
import { eventFixture } from '../events/fixtures';
import { sqsRecord } from '../events/sqs-record';

const DLQ = 'https://sqs.us-east-1.amazonaws.com/123456789012/monitoring-dlq';
const sqs = mockClient(SQSClient);
const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

/** An SQS record carrying an order_placed envelope for `orderId`, received `receives` times. */
function record(orderId: string, receives = 1, body?: string): SQSRecord {
  const envelope = eventFixture('order_placed', 'from-order-service');
  const order = JSON.stringify({ ...envelope, detail: { ...(envelope.detail as object), orderId } });
  return sqsRecord(`m-${orderId}`, body ?? order, receives);
}

type Order = ParsedEvent<'order_placed'>;

/** Runs a batch through consumeStream; `process` sees each call's order ids; `poison` fails whenever it is in a call. */
async function consume(records: SQSRecord[], poison: readonly string[] = [], maxReceiveCount = 3) {
  const calls: string[][] = [];
  const response = await consumeStream(
    { Records: records },
    {
      agent: 'monitoring-agent',
      accepted: ['order_placed'],
      rejector: new DeadLetterRejector(DLQ, new SQSClient({ region: 'us-east-1' })),
      logger,
      maxReceiveCount,
      process: (events: Order[]) => {
        const ids = events.map((e) => e.detail.orderId);
        calls.push(ids);
        if (ids.some((id) => poison.includes(id)))
          return Promise.reject(new Error(`poisoned by ${ids.join(',')}`));
        return Promise.resolve();
      },
    },
  );
  return { calls, failed: response.batchItemFailures.map((f) => f.itemIdentifier) };
}

const kept = () =>
  sqs.commandCalls(SendMessageCommand).map((call) => ({
    body: call.args[0].input.MessageBody,
    errorType: call.args[0].input.MessageAttributes?.errorType?.StringValue,
    errorMessage: call.args[0].input.MessageAttributes?.errorMessage?.StringValue,
  }));

describe('consumeStream (every stream consumer’s SQS batch)', () => {
  beforeEach(() => {
    sqs.reset();
    sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
  });

  it('processes the valid events of a batch together, once', async () => {
    const { calls, failed } = await consume([record('O-1'), record('O-2'), record('O-3')]);
    expect(calls).toEqual([['O-1', 'O-2', 'O-3']]);
    expect(failed).toEqual([]);
    expect(kept()).toEqual([]);
  });

  it('keeps an event that breaks its contract in the DLQ with the reason, and processes the rest', async () => {
    const broken = record(
      'O-2',
      1,
      JSON.stringify({ ...eventFixture('order_placed', 'from-order-service'), detail: {} }),
    );
    const { calls, failed } = await consume([record('O-1'), broken, record('O-3')]);
    expect(calls).toEqual([['O-1', 'O-3']]);
    expect(failed).toEqual([]);
    expect(kept()).toEqual([
      { body: broken.body, errorType: 'ContractViolation', errorMessage: expect.stringContaining('orderId') },
    ]);
  });

  it('keeps an event whose EventBridge envelope is incomplete or unreadable in the DLQ, naming the field', async () => {
    const { time: _time, ...withoutTime } = eventFixture('order_placed', 'from-order-service');
    const untimed = record('O-2', 1, JSON.stringify(withoutTime));
    const unreadable = record('O-3', 1, '{"detail-type": ');
    const { calls, failed } = await consume([record('O-1'), untimed, unreadable]);
    expect(calls).toEqual([['O-1']]);
    expect(failed).toEqual([]);
    expect(kept()).toEqual([
      {
        body: untimed.body,
        errorType: 'ContractViolation',
        errorMessage: expect.stringMatching(/^order_placed: time: /),
      },
      {
        body: unreadable.body,
        errorType: 'ContractViolation',
        errorMessage: '(unknown): (event): not valid JSON',
      },
    ]);
  });

  it('keeps a detail-type the consumer does not handle in the DLQ, naming it', async () => {
    const cancelled = record('O-2', 1, JSON.stringify(eventFixture('order_cancelled', 'from-order-service')));
    const { calls } = await consume([record('O-1'), cancelled]);
    expect(calls).toEqual([['O-1']]);
    expect(kept()).toEqual([
      {
        body: cancelled.body,
        errorType: 'ContractViolation',
        errorMessage: 'order_cancelled: detail-type: no contract for detail-type "order_cancelled"',
      },
    ]);
  });

  it('retries a failed batch event by event: only the poison pill fails, the others are done', async () => {
    const { calls, failed } = await consume([record('O-1'), record('O-2'), record('O-3')], ['O-2']);
    expect(calls).toEqual([['O-1', 'O-2', 'O-3'], ['O-1'], ['O-2'], ['O-3']]);
    expect(failed).toEqual(['m-O-2']);
    expect(kept()).toEqual([]);
  });

  it('keeps a poison pill in the DLQ with its error on its last receive, instead of failing it again', async () => {
    const last = record('O-2', 3);
    const { failed } = await consume([record('O-1'), last], ['O-2']);
    expect(failed).toEqual([]);
    expect(kept()).toEqual([{ body: last.body, errorType: 'Error', errorMessage: 'poisoned by O-2' }]);
  });

  it('reports every event of a batch that fails whole, without failing the invocation', async () => {
    const { failed } = await consume([record('O-1'), record('O-2')], ['O-1', 'O-2']);
    expect(failed).toEqual(['m-O-1', 'm-O-2']);
  });

  it('leaves an event to the redrive policy when the DLQ cannot take it', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('AccessDenied'));
    const broken = record('O-1', 1, '{"not":"an event"}');
    const { failed } = await consume([broken, record('O-2')]);
    expect(failed).toEqual(['m-O-1']);
  });
});
