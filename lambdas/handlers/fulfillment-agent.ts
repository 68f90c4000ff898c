import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { DeadLetterRejector } from '../adapters/dead-letter-rejector';
import { DynamoOrderBook } from '../adapters/dynamodb-order-book';
import { EventPublisher } from '../adapters/event-publisher';
import { ContractViolation } from '../domain/contracts/errors';
import { parseDetail, parseEvent } from '../domain/contracts/parse';
import type { RerouteOrders, RevertReroute } from '../domain/contracts/platform';
import { sources } from '../domain/contracts/registry';
import type { FulfillmentNetwork } from '../domain/fulfillment/assignment';
import { rerouteOrders, revertReroute } from '../domain/fulfillment/reroute';
import { jsonEnv, requireEnv } from './shared/environment';
import { createObservability, instrument } from './shared/observability';

const observability = createObservability();
const { logger, tracer, metrics } = observability;
const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));
const book = new DynamoOrderBook(requireEnv('ORDERS_TABLE_NAME'), dynamodb);
const network = jsonEnv('FULFILLMENT_NETWORK', { warehouses: [] }) as FulfillmentNetwork;
const publisher = new EventPublisher(
  requireEnv('EVENT_BUS_NAME'),
  tracer.captureAWSv3Client(new EventBridgeClient({})),
);
const rejector = new DeadLetterRejector(
  requireEnv('DEAD_LETTER_QUEUE_URL'),
  tracer.captureAWSv3Client(new SQSClient({})),
);

// A command's effect happens once per idempotency key, however often EventBridge or Lambda redeliver it.
const idempotency = {
  persistenceStore: new DynamoDBPersistenceLayer({
    tableName: requireEnv('IDEMPOTENCY_TABLE_NAME'),
    awsSdkV3Client: dynamodb,
  }),
  config: new IdempotencyConfig({ eventKeyJmesPath: 'idempotencyKey', expiresAfterSeconds: 7 * 86_400 }),
};
const reroute = makeIdempotent(
  (command: RerouteOrders) =>
    rerouteOrders({ ...command.parameters, idempotencyKey: command.idempotencyKey }, book, network),
  idempotency,
);
const revert = makeIdempotent(
  (command: RevertReroute) => revertReroute(command.parameters, book),
  idempotency,
);

const commandFields = (c: RerouteOrders | RevertReroute) => ({
  schemaVersion: 1 as const,
  correlationId: c.correlationId,
  planId: c.planId,
  taskId: c.taskId,
  idempotencyKey: c.idempotencyKey,
  taskToken: c.taskToken,
});

/** Runs `reroute_orders` and `revert_reroute` commands and answers with `reroute_complete` / `reroute_reverted`. */
export async function run(event: EventBridgeEvent<string, unknown>, context?: Context): Promise<void> {
  if (context) idempotency.config.registerLambdaContext(context);
  let command;
  try {
    command = parseEvent(event, ['reroute_orders', 'revert_reroute']);
  } catch (error) {
    if (!(error instanceof ContractViolation)) throw error;
    logger.warn('command rejected', { reason: error.message, field: error.field });
    await rejector.reject(JSON.stringify(event), {
      agent: 'fulfillment-agent',
      errorType: error.name,
      errorMessage: error.message,
      field: error.field,
    });
    return;
  }

  if (command.detailType === 'reroute_orders') {
    const detail = command.detail as RerouteOrders;
    const outcome = await reroute(detail);
    await publisher.publish([
      {
        source: sources.fulfillment,
        detailType: 'reroute_complete',
        detail: parseDetail('reroute_complete', { ...commandFields(detail), ...outcome }),
      },
    ]);
    metrics.addMetric('OrdersRerouted', MetricUnit.Count, outcome.reroutedCount);
    logger.info('reroute complete', { correlationId: detail.correlationId, rerouted: outcome.reroutedCount });
  } else {
    const detail = command.detail as RevertReroute;
    const outcome = await revert(detail);
    await publisher.publish([
      {
        source: sources.fulfillment,
        detailType: 'reroute_reverted',
        detail: parseDetail('reroute_reverted', { ...commandFields(detail), ...outcome }),
      },
    ]);
    metrics.addMetric('OrdersRestored', MetricUnit.Count, outcome.restoredCount);
  }
}

export const handler = instrument(run, observability);
