import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { mapLimited } from '../adapters/concurrency';
import { sources } from '../domain/contracts/registry';
import type { CapacityChanged, WarehouseUpdated } from '../domain/contracts/retail';
import { parseConfig } from './shared/config';
import { networkStore, networkVariables } from './shared/network';
import { createObservability, instrument } from './shared/observability';
import { streamPublishing } from './shared/rejections';
import { consumeStream, streamVariables } from './shared/stream';

const observability = createObservability();
const { logger, tracer, metrics } = observability;
const config = parseConfig(z.object({ ...networkVariables, ...streamVariables }), process.env);
const network = networkStore(tracer.captureAWSv3Client(new DynamoDBClient({})), config);
const { rejector } = streamPublishing(config, sources.fulfillment, observability);

/**
 * Keeps the fulfillment network table current from the warehouse services' events: `warehouse_updated`
 * replaces a warehouse's description, `capacity_changed` its capacity. Each applies only if its event time is
 * not older than what the table holds, so redelivery and any arrival order leave the newest description.
 */
export async function run(event: SQSEvent): Promise<SQSBatchResponse> {
  return consumeStream(event, {
    agent: 'fulfillment-network',
    accepted: ['warehouse_updated', 'capacity_changed'],
    rejector,
    logger,
    maxReceiveCount: config.MAX_RECEIVE_COUNT,
    process: async (events) => {
      const applied = await mapLimited(events, 8, (e) =>
        e.detailType === 'warehouse_updated'
          ? network.declare(e.detail as WarehouseUpdated, e.time)
          : network.setCapacity(e.detail.warehouseId, (e.detail as CapacityChanged).capacity, e.time),
      );
      const stale = applied.filter((done) => !done).length;
      metrics.addMetric('NetworkUpdatesApplied', MetricUnit.Count, applied.length - stale);
      if (stale > 0) logger.info('older network updates ignored', { count: stale });
    },
  });
}

export const handler = instrument(run, observability);
