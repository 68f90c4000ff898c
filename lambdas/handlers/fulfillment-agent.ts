import { makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { z } from 'zod';
import { DynamoOrderBook } from '../adapters/dynamodb-order-book';
import type {
  RebalanceRegion,
  RerouteOrders,
  RevertRebalance,
  RevertReroute,
} from '../domain/contracts/platform';
import { sources, type DetailType } from '../domain/contracts/registry';
import { FulfillmentError, FulfillmentInputError } from '../domain/fulfillment/errors';
import { rebalanceRegion, rerouteOrders, revertReroute } from '../domain/fulfillment/reroute';
import type { TagSource, TaskOfCommand } from '../domain/governance/task-session';
import { commandFields } from './shared/command';
import { parseConfig, requiredText } from './shared/config';
import { networkStore, networkVariables } from './shared/network';
import { createObservability, instrument } from './shared/observability';
import { taskAgentVariables, taskCommandAgent } from './shared/task-agent';

const observability = createObservability();
const { metrics } = observability;
const AGENT = 'fulfillment-agent';
const config = parseConfig(
  z.object({ ORDERS_TABLE_NAME: requiredText, ...networkVariables, ...taskAgentVariables }),
  process.env,
);
// The function's own role reads the network and keeps the idempotency records; the order book (orders, journals,
// capacity ledgers) is written with the task's session, which may touch only its own reroute's journal.
const ordersTable = config.ORDERS_TABLE_NAME;
const agent = taskCommandAgent(
  { name: AGENT, source: sources.fulfillment },
  config,
  observability,
  (client) => new DynamoOrderBook(ordersTable, client),
);
const { idempotency } = agent;
const network = networkStore(agent.dynamodb, config);
type Command = RerouteOrders | RebalanceRegion | RevertReroute | RevertRebalance;

/**
 * A command's task as its session is tagged: the incident and task, the warehouse or region it acts on, and the
 * reroute journal it writes (its own idempotency key) or reverts.
 */
function taskOf(command: Command): TaskOfCommand {
  const { parameters } = command;
  const entity: { warehouse?: TagSource; region?: TagSource } =
    'fromWarehouseId' in parameters
      ? { warehouse: { value: parameters.fromWarehouseId, field: 'parameters.fromWarehouseId' } }
      : { region: { value: parameters.region, field: 'parameters.region' } };
  const journal =
    'rerouteIdempotencyKey' in parameters
      ? { value: parameters.rerouteIdempotencyKey, field: 'parameters.rerouteIdempotencyKey' }
      : { value: command.idempotencyKey, field: 'idempotencyKey' };
  return { correlationId: command.correlationId, taskId: command.taskId, ...entity, journal };
}

// The session is opened inside the idempotent function: a redelivery answered from its record assumes no role.
const reroute = makeIdempotent(
  async (command: RerouteOrders) =>
    rerouteOrders(
      { ...command.parameters, idempotencyKey: command.idempotencyKey },
      await agent.sessionFor(taskOf(command)),
      network,
    ),
  idempotency,
);
const rebalance = makeIdempotent(
  async (command: RebalanceRegion) =>
    rebalanceRegion(
      { ...command.parameters, idempotencyKey: command.idempotencyKey },
      await agent.sessionFor(taskOf(command)),
      network,
    ),
  idempotency,
);
const revert = makeIdempotent(
  async (command: RevertReroute | RevertRebalance) =>
    revertReroute(command.parameters, await agent.sessionFor(taskOf(command))),
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
  await agent.run(event, context, {
    commands,
    perform: (command) => perform(command.detailType, command.detail),
    failure: (error) =>
      error instanceof FulfillmentInputError
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
