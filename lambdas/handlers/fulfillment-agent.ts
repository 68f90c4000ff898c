import { makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { STSClient } from '@aws-sdk/client-sts';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { z } from 'zod';
import { DynamoOrderBook } from '../adapters/dynamodb-order-book';
import { StsTaskSessions } from '../adapters/sts-task-sessions';
import type {
  RebalanceRegion,
  RerouteOrders,
  RevertRebalance,
  RevertReroute,
} from '../domain/contracts/platform';
import { sources, type DetailType } from '../domain/contracts/registry';
import { FulfillmentError, FulfillmentInputError } from '../domain/fulfillment/errors';
import { rebalanceRegion, rerouteOrders, revertReroute } from '../domain/fulfillment/reroute';
import {
  TaskSessionTagInvalid,
  taskSessionTags,
  type TagSource,
  type TaskSessionTags,
} from '../domain/governance/task-session';
import { commandFields, commandIdempotency, commandVariables, runCommand } from './shared/command';
import { parseConfig, requiredText } from './shared/config';
import { networkStore, networkVariables } from './shared/network';
import { createObservability, instrument } from './shared/observability';
import { streamPublishing } from './shared/rejections';

const observability = createObservability();
const { logger, tracer, metrics } = observability;
const AGENT = 'fulfillment-agent';
const config = parseConfig(
  z.object({
    ORDERS_TABLE_NAME: requiredText,
    TASK_ROLE_ARN: requiredText,
    ...networkVariables,
    ...commandVariables,
  }),
  process.env,
);
// The function's own role reads the network and keeps the idempotency records; the order book (orders, journals,
// capacity ledgers) is written with the task's session, which may touch only its own reroute's journal.
const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));
const network = networkStore(dynamodb, config);
const ordersTable = config.ORDERS_TABLE_NAME;
const sessions = new StsTaskSessions({
  roleArn: config.TASK_ROLE_ARN,
  sts: tracer.captureAWSv3Client(new STSClient({})),
  open: (credentials) =>
    new DynamoOrderBook(ordersTable, tracer.captureAWSv3Client(new DynamoDBClient({ credentials }))),
});
const { publisher, rejector } = streamPublishing(config, sources.fulfillment, observability);

// A command's effect happens once per idempotency key, however often EventBridge or Lambda redeliver it.
const idempotency = commandIdempotency(dynamodb, config.IDEMPOTENCY_TABLE_NAME);
type Command = RerouteOrders | RebalanceRegion | RevertReroute | RevertRebalance;

/**
 * The session tags of a command's task: the incident and task, the warehouse or region it acts on, and the
 * reroute journal it writes (its own idempotency key) or reverts.
 */
function tagsOf(command: Command): TaskSessionTags {
  const { parameters } = command;
  const entity: { warehouse?: TagSource; region?: TagSource } =
    'fromWarehouseId' in parameters
      ? { warehouse: { value: parameters.fromWarehouseId, field: 'parameters.fromWarehouseId' } }
      : { region: { value: parameters.region, field: 'parameters.region' } };
  const journal =
    'rerouteIdempotencyKey' in parameters
      ? { value: parameters.rerouteIdempotencyKey, field: 'parameters.rerouteIdempotencyKey' }
      : { value: command.idempotencyKey, field: 'idempotencyKey' };
  return taskSessionTags(AGENT, {
    correlationId: command.correlationId,
    taskId: command.taskId,
    ...entity,
    journal,
  });
}

// The session is opened inside the idempotent function: a redelivery answered from its record assumes no role.
const reroute = makeIdempotent(
  async (command: RerouteOrders) =>
    rerouteOrders(
      { ...command.parameters, idempotencyKey: command.idempotencyKey },
      await sessions.for(tagsOf(command)),
      network,
    ),
  idempotency,
);
const rebalance = makeIdempotent(
  async (command: RebalanceRegion) =>
    rebalanceRegion(
      { ...command.parameters, idempotencyKey: command.idempotencyKey },
      await sessions.for(tagsOf(command)),
      network,
    ),
  idempotency,
);
const revert = makeIdempotent(
  async (command: RevertReroute | RevertRebalance) =>
    revertReroute(command.parameters, await sessions.for(tagsOf(command))),
  idempotency,
);
const commands = ['reroute_orders', 'rebalance_region', 'revert_reroute', 'revert_rebalance'] as const;

/** Carries out one command; returns the answer's detail-type and detail. */
async function perform(
  detailType: (typeof commands)[number],
  command: Command,
): Promise<{ answer: DetailType; detail: unknown; moved?: number; restored?: number }> {
  switch (detailType) {
    case 'reroute_orders': {
      const outcome = await reroute(command as RerouteOrders);
      return {
        answer: 'reroute_complete',
        detail: { ...commandFields(command), ...outcome, schemaVersion: 2 },
        moved: outcome.reroutedCount,
      };
    }
    case 'rebalance_region': {
      const outcome = await rebalance(command as RebalanceRegion);
      return {
        answer: 'region_rebalanced',
        detail: { ...commandFields(command), ...outcome, schemaVersion: 2 },
        moved: outcome.reroutedCount,
      };
    }
    case 'revert_reroute': {
      const { parameters } = command as RevertReroute;
      const outcome = await revert(command as RevertReroute);
      return {
        answer: 'reroute_reverted',
        detail: { ...commandFields(command), fromWarehouseId: parameters.fromWarehouseId, ...outcome },
        restored: outcome.restoredCount,
      };
    }
    case 'revert_rebalance': {
      const { parameters } = command as RevertRebalance;
      const outcome = await revert(command as RevertRebalance);
      return {
        answer: 'rebalance_reverted',
        detail: { ...commandFields(command), region: parameters.region, ...outcome },
        restored: outcome.restoredCount,
      };
    }
  }
}

/**
 * Runs the fulfillment commands (`reroute_orders`, `rebalance_region` and their compensations) and answers each
 * with its outcome event, or with `command_failed` when it cannot be carried out — so the saga's waiting task
 * fails at once with the reason rather than timing out. Unexpected errors propagate: Lambda retries them.
 */
export async function run(event: EventBridgeEvent<string, unknown>, context?: Context): Promise<void> {
  if (context) idempotency.config.registerLambdaContext(context);
  await runCommand(event, {
    agent: AGENT,
    source: sources.fulfillment,
    commands,
    rejector,
    publisher,
    logger,
    metrics,
    perform: (command) => perform(command.detailType, command.detail),
    failure: (error) =>
      // A value the task's session cannot be tagged with fails the task (its field named), as a refused one does.
      error instanceof FulfillmentInputError || error instanceof TaskSessionTagInvalid
        ? { error, field: error.field }
        : error instanceof FulfillmentError
          ? { error }
          : undefined,
    done: (answer) => {
      if (answer.moved !== undefined) metrics.addMetric('OrdersRerouted', MetricUnit.Count, answer.moved);
      if (answer.restored !== undefined)
        metrics.addMetric('OrdersRestored', MetricUnit.Count, answer.restored);
    },
  });
}

export const handler = instrument(run, observability);
