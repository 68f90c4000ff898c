import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { readFileSync } from 'node:fs';
import { walkthroughPath } from '../../scenarios/generate-walkthrough';
import type * as MonitoringAgent from '../../lambdas/handlers/monitoring-agent';
import { sqsRecord } from '../events/sqs-record';
import { pkSkTable, startDynamo, type LocalDynamo } from './dynalite';

const eventBridge = mockClient(EventBridgeClient);
const sqs = mockClient(SQSClient);

/** The walk-through's order events, one SQS batch per minute of event time (as the mapping delivers them). */
function minuteBatches(until: string): { minute: string; bodies: string[] }[] {
  const batches = new Map<string, string[]>();
  for (const line of readFileSync(walkthroughPath, 'utf8').trimEnd().split('\n')) {
    const time = (JSON.parse(line) as { time: string }).time;
    if (time >= until) break;
    const minute = time.slice(0, 16);
    batches.set(minute, [...(batches.get(minute) ?? []), line]);
  }
  return [...batches].map(([minute, bodies]) => ({ minute, bodies }));
}

let sequence = 0;
const sqsEvent = (bodies: readonly string[], receives = 1): SQSEvent => ({
  Records: bodies.map((body) => sqsRecord(`m-${++sequence}`, body, receives)),
});

/** The invocation's context, as far as Powertools idempotency reads it (the time left, for in-progress records). */
const context = { getRemainingTimeInMillis: () => 30_000 } as Context;

/** Makes EventBridge refuse the next PutEvents call. */
let failNextPublication = false;

/** The incident keys of the spikes EventBridge accepted, in order. */
const accepted: string[] = [];
const spikesPublished = () => [...accepted];

/**
 * The monitoring agent's handler itself, on dynalite (counters and Powertools idempotency records), with
 * EventBridge and SQS mocked at the AWS boundary.
 */
describe('monitoring agent handler (dynalite)', () => {
  let dynamo: LocalDynamo;
  let run: typeof MonitoringAgent.run;
  const saved = { ...process.env };

  beforeAll(async () => {
    dynamo = await startDynamo([
      pkSkTable('Counters'),
      {
        TableName: 'Idempotency',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      },
    ]);
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
      COUNTERS_TABLE_NAME: 'Counters',
      IDEMPOTENCY_TABLE_NAME: 'Idempotency',
      EVENT_BUS_NAME: 'proactive-agents',
      DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/monitoring-dlq',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_NAMESPACE: 'ProactiveAgents',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    eventBridge
      .on(PutEventsCommand)
      .callsFake((input: { Entries?: { DetailType?: string; Detail?: string }[] }) => {
        if (failNextPublication) {
          failNextPublication = false;
          throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        }
        const entries = input.Entries ?? [];
        for (const entry of entries) {
          if (entry.DetailType === 'order_cancellation_spike') {
            accepted.push((JSON.parse(entry.Detail!) as { incidentKey: string }).incidentKey);
          }
        }
        return { FailedEntryCount: 0, Entries: entries.map((_, i) => ({ EventId: `e-${i}` })) };
      });
    sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq' });
    // Loaded once its environment is set, as Lambda loads it.
    ({ run } = jest.requireActual<typeof MonitoringAgent>('../../lambdas/handlers/monitoring-agent'));
  }, 60_000);

  afterAll(async () => {
    process.env = saved;
    await dynamo.stop();
  });

  it('publishes the spike of an incident exactly once, even when publishing failed on the first delivery', async () => {
    const batches = minuteBatches('2026-11-20T10:45:00Z');
    const opening = batches.findIndex((b) => b.minute === '2026-11-20T10:40');
    for (const { bodies } of batches.slice(0, opening)) {
      expect((await run(sqsEvent(bodies), context)).batchItemFailures).toEqual([]);
    }
    expect(spikesPublished()).toEqual([]);

    // EventBridge refuses the spike once (throttled, say): the batch that opens the incident fails.
    failNextPublication = true;
    const { bodies } = batches[opening]!;
    const delivery = sqsEvent(bodies);
    expect((await run(delivery, context)).batchItemFailures).toEqual([]);
    // The batch failed, and its events were retried one by one in the same invocation: the incident, not saved
    // while its spike was unpublished, opened again and its spike went out.
    expect(spikesPublished()).toEqual(['warehouse#WH-NYC#2026-11-20T10:40:00Z']);
    // Delivered again (SQS is at-least-once): counted once, the incident already open, no second spike.
    expect((await run(sqsEvent(bodies, 2), context)).batchItemFailures).toEqual([]);
    for (const { bodies: later } of batches.slice(opening + 1)) await run(sqsEvent(later), context);

    expect(spikesPublished()).toEqual(['warehouse#WH-NYC#2026-11-20T10:40:00Z']);
  }, 120_000);
});
