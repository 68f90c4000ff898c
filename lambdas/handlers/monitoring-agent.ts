import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DeadLetterRejector } from '../adapters/dead-letter-rejector';
import { DynamoWindowStore } from '../adapters/dynamodb-window-store';
import { EventPublisher } from '../adapters/event-publisher';
import { SettledWindowCache } from '../adapters/settled-window-cache';
import { parseDetail } from '../domain/contracts/parse';
import { sources } from '../domain/contracts/registry';
import { resolveDetectorConfig } from '../domain/monitoring/detector';
import { observeOrders } from '../domain/monitoring/monitor';
import { orderFactOf, warehouseAndRegionScopes } from '../domain/monitoring/windows';
import { jsonEnv, requireEnv } from './shared/environment';
import { createObservability, instrument } from './shared/observability';
import { consumeStream } from './shared/stream';

const observability = createObservability();
const { logger, tracer, metrics } = observability;
const config = resolveDetectorConfig(jsonEnv('DETECTOR_CONFIG', {}));
// Settled windows (over half an hour old) are read once per warm instance; see SettledWindowCache.
const store = new SettledWindowCache(
  new DynamoWindowStore(
    requireEnv('COUNTERS_TABLE_NAME'),
    tracer.captureAWSv3Client(new DynamoDBClient({})),
    undefined,
    config.windowMinutes,
  ),
  6 * config.windowMinutes,
);
const publisher = new EventPublisher(
  requireEnv('EVENT_BUS_NAME'),
  tracer.captureAWSv3Client(new EventBridgeClient({})),
);
const rejector = new DeadLetterRejector(
  requireEnv('DEAD_LETTER_QUEUE_URL'),
  tracer.captureAWSv3Client(new SQSClient({})),
);

/** Counts a batch of order events into event-time windows and publishes one spike per new incident. */
export async function run(event: SQSEvent): Promise<SQSBatchResponse> {
  return consumeStream(event, {
    agent: 'monitoring-agent',
    accepted: ['order_placed', 'order_cancelled'],
    rejector,
    logger,
    maxReceiveCount: Number(process.env.MAX_RECEIVE_COUNT ?? 3),
    process: async (events) => {
      // Warehouses and customer regions: a region-wide problem is one region incident, a warehouse's is its own.
      const spikes = await observeOrders(events.map(orderFactOf), store, config, warehouseAndRegionScopes);
      metrics.addMetric('OrderEventsCounted', MetricUnit.Count, events.length);
      if (spikes.length === 0) return;
      // Detected as of the newest fact seen: event time, so replays reproduce the same timeline.
      const detectedAt = events.reduce(
        (latest, e) => (Date.parse(e.time) > Date.parse(latest) ? e.time : latest),
        events[0]!.time,
      );
      await publisher.publish(
        spikes.map((spike) => ({
          source: sources.monitoring,
          detailType: 'order_cancellation_spike',
          detail: parseDetail('order_cancellation_spike', spike),
          time: detectedAt,
        })),
      );
      for (const spike of spikes) {
        await store.markPublished(spike.incidentKey);
        logger.info('cancellation spike', {
          incidentKey: spike.incidentKey,
          observedRatio: spike.observedRatio,
        });
      }
      metrics.addMetric('CancellationSpikes', MetricUnit.Count, spikes.length);
    },
  });
}

export const handler = instrument(run, observability);
