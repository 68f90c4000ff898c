import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { DynamoWindowStore } from '../adapters/dynamodb-window-store';
import { SettledWindowCache } from '../adapters/settled-window-cache';
import { parseDetail } from '../domain/contracts/parse';
import type { OrderCancellationSpike } from '../domain/contracts/platform';
import { sources } from '../domain/contracts/registry';
import { observeOrders } from '../domain/monitoring/monitor';
import { orderFactOf, warehouseAndRegionScopes } from '../domain/monitoring/windows';
import { jsonVariable, parseConfig, requiredText } from './shared/config';
import { detectorConfigVariable } from './shared/detector-config';
import { createObservability, instrument } from './shared/observability';
import { streamPublishing } from './shared/rejections';
import { consumeStream, streamVariables } from './shared/stream';

const observability = createObservability();
const { logger, tracer, metrics } = observability;
const config = parseConfig(
  z.object({
    COUNTERS_TABLE_NAME: requiredText,
    IDEMPOTENCY_TABLE_NAME: requiredText,
    DETECTOR_CONFIG: jsonVariable(detectorConfigVariable),
    ...streamVariables,
  }),
  process.env,
);
const detector = config.DETECTOR_CONFIG;
const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));
// Settled windows (over half an hour old) are read once per warm instance; see SettledWindowCache.
const store = new SettledWindowCache(
  new DynamoWindowStore(config.COUNTERS_TABLE_NAME, dynamodb, undefined, detector.windowMinutes),
  6 * detector.windowMinutes,
);
const { publisher, rejector } = streamPublishing(config, sources.monitoring, observability);

/**
 * One spike per incident key, whatever publishes it: a batch redelivered after a failure, two batches of one
 * incident processed at once, an incident re-judged after late facts. The first caller publishes; a concurrent one
 * fails its batch while the first is in progress (SQS redelivers it, and it then finds the spike published); the
 * record is kept as long as the counters that could open the incident again.
 */
const idempotency = new IdempotencyConfig({
  eventKeyJmesPath: 'incidentKey',
  expiresAfterSeconds: 35 * 86_400,
});
const publishSpike = makeIdempotent(
  async (spike: OrderCancellationSpike, detectedAt: string) => {
    await publisher.publish([
      {
        source: sources.monitoring,
        detailType: 'order_cancellation_spike',
        detail: parseDetail('order_cancellation_spike', spike),
        // Detected as of the newest fact seen: event time, so replays reproduce the same timeline.
        time: detectedAt,
      },
    ]);
    logger.info('cancellation spike', { incidentKey: spike.incidentKey, observedRatio: spike.observedRatio });
    metrics.addMetric('CancellationSpikes', MetricUnit.Count, 1);
    return { incidentKey: spike.incidentKey };
  },
  {
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: config.IDEMPOTENCY_TABLE_NAME,
      awsSdkV3Client: dynamodb,
    }),
    config: idempotency,
    dataIndexArgument: 0,
  },
);

/** Counts a batch of order events into event-time windows and publishes one spike per new incident. */
export async function run(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
  if (context) idempotency.registerLambdaContext(context);
  return consumeStream(event, {
    agent: 'monitoring-agent',
    accepted: ['order_placed', 'order_cancelled'],
    rejector,
    logger,
    maxReceiveCount: config.MAX_RECEIVE_COUNT,
    process: async (events) => {
      const detectedAt = events
        .map((e) => e.time)
        .reduce((latest, time) => (Date.parse(time) > Date.parse(latest) ? time : latest));
      // Warehouses and customer regions: a region-wide problem is one region incident, a warehouse's is its own.
      // Each spike is published as its incident opens, before the incident is saved.
      await observeOrders(
        events.map(orderFactOf),
        store,
        detector,
        warehouseAndRegionScopes,
        async (spike) => {
          await publishSpike(spike, detectedAt);
        },
      );
      metrics.addMetric('OrderEventsCounted', MetricUnit.Count, events.length);
    },
  });
}

export const handler = instrument(run, observability);
