import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DeadLetterRejector } from '../adapters/dead-letter-rejector';
import { DynamoOrderBook } from '../adapters/dynamodb-order-book';
import { requireEnv } from './shared/environment';
import { networkStoreFromEnv } from './shared/network';
import { createObservability, instrument } from './shared/observability';
import { consumeStream } from './shared/stream';

const observability = createObservability();
const { logger, tracer, metrics } = observability;
const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));
const book = new DynamoOrderBook(requireEnv('ORDERS_TABLE_NAME'), dynamodb);
const network = networkStoreFromEnv(dynamodb);
const rejector = new DeadLetterRejector(
  requireEnv('DEAD_LETTER_QUEUE_URL'),
  tracer.captureAWSv3Client(new SQSClient({})),
);

/**
 * Keeps the fulfillment agent's order book (which warehouse holds which open order), and makes a warehouse
 * first seen in orders known to the fulfillment network at once (each warehouse and region pair is written
 * once per warm instance).
 */
export async function run(event: SQSEvent): Promise<SQSBatchResponse> {
  return consumeStream(event, {
    agent: 'fulfillment-order-book',
    accepted: ['order_placed', 'order_cancelled'],
    rejector,
    logger,
    maxReceiveCount: Number(process.env.MAX_RECEIVE_COUNT ?? 3),
    process: async (events) => {
      await book.apply(
        events.map((e) => ({
          kind: e.detailType === 'order_placed' ? ('placed' as const) : ('cancelled' as const),
          orderId: e.detail.orderId,
          warehouseId: e.detail.warehouseId,
          region: e.detail.region,
          time: e.time,
          ...(typeof e.detail.total === 'number' ? { totalCents: Math.round(e.detail.total * 100) } : {}),
        })),
      );
      const placed = events.filter((e) => e.detailType === 'order_placed');
      if (placed.length > 0) {
        const added = await network.observe(
          placed.map((e) => ({ warehouseId: e.detail.warehouseId, region: e.detail.region })),
          placed[0]!.time,
        );
        if (added > 0) metrics.addMetric('NetworkRoutesObserved', MetricUnit.Count, added);
      }
      metrics.addMetric('OrderFactsApplied', MetricUnit.Count, events.length);
    },
  });
}

export const handler = instrument(run, observability);
