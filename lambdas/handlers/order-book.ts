import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DeadLetterRejector } from '../adapters/dead-letter-rejector';
import { DynamoOrderBook } from '../adapters/dynamodb-order-book';
import { requireEnv } from './shared/environment';
import { createObservability, instrument } from './shared/observability';
import { consumeStream } from './shared/stream';

const observability = createObservability();
const { logger, tracer, metrics } = observability;
const book = new DynamoOrderBook(
  requireEnv('ORDERS_TABLE_NAME'),
  tracer.captureAWSv3Client(new DynamoDBClient({})),
);
const rejector = new DeadLetterRejector(
  requireEnv('DEAD_LETTER_QUEUE_URL'),
  tracer.captureAWSv3Client(new SQSClient({})),
);

/** Keeps the fulfillment agent's order book: which warehouse holds which open order. */
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
        })),
      );
      metrics.addMetric('OrderFactsApplied', MetricUnit.Count, events.length);
    },
  });
}

export const handler = instrument(run, observability);
