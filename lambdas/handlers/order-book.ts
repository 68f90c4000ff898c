import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { DynamoOrderBook } from '../adapters/dynamodb-order-book';
import { sources } from '../domain/contracts/registry';
import { parseConfig, requiredText } from './shared/config';
import { networkStore, networkVariables } from './shared/network';
import { createObservability, instrument } from './shared/observability';
import { streamPublishing } from './shared/rejections';
import { consumeStream, streamVariables } from './shared/stream';

const observability = createObservability();
const { logger, tracer, metrics } = observability;
const config = parseConfig(
  z.object({ ORDERS_TABLE_NAME: requiredText, ...networkVariables, ...streamVariables }),
  process.env,
);
const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));
const book = new DynamoOrderBook(config.ORDERS_TABLE_NAME, dynamodb);
const network = networkStore(dynamodb, config);
const { rejector } = streamPublishing(config, sources.fulfillment, observability);

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
    maxReceiveCount: config.MAX_RECEIVE_COUNT,
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
      const [firstPlaced] = placed;
      if (firstPlaced !== undefined) {
        const added = await network.observe(
          placed.map((e) => ({ warehouseId: e.detail.warehouseId, region: e.detail.region })),
          firstPlaced.time,
        );
        if (added > 0) metrics.addMetric('NetworkRoutesObserved', MetricUnit.Count, added);
      }
      metrics.addMetric('OrderFactsApplied', MetricUnit.Count, events.length);
    },
  });
}

export const handler = instrument(run, observability);
