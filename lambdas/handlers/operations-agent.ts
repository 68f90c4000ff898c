import { makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { z } from 'zod';
import { DynamoIntakeStore } from '../adapters/dynamodb-intake-store';
import { DynamoNotificationLog } from '../adapters/dynamodb-notification-log';
import { DynamoTicketStore } from '../adapters/dynamodb-ticket-store';
import type {
  CloseIncidentTicket,
  NotifyCustomers,
  OpenIncidentTicket,
  PauseWarehouseIntake,
  ResumeWarehouseIntake,
} from '../domain/contracts/operations';
import { sources, type DetailType } from '../domain/contracts/registry';
import type { TagSource } from '../domain/governance/task-session';
import { OperationsError } from '../domain/operations/errors';
import { pauseIntake, resumeIntake } from '../domain/operations/intake';
import { notifyCustomers } from '../domain/operations/notifications';
import { closeTicket, openTicket } from '../domain/operations/tickets';
import { commandFields } from './shared/command';
import { parseConfig, requiredText } from './shared/config';
import { createObservability, instrument } from './shared/observability';
import { taskAgentVariables, taskCommandAgent } from './shared/task-agent';

const observability = createObservability();
const { metrics } = observability;
const AGENT = 'operations-agent';
const config = parseConfig(
  z.object({
    NETWORK_TABLE_NAME: requiredText,
    OPERATIONS_TABLE_NAME: requiredText,
    ...taskAgentVariables,
  }),
  process.env,
);
// The function's own role: the idempotency records, events and its dead-letter queue. Effects on intake items,
// tickets and notifications run with the task's session (below), which may touch only the task's entities.
const networkTable = config.NETWORK_TABLE_NAME;
const operationsTable = config.OPERATIONS_TABLE_NAME;
// Idempotency keys are `<task prefix>#<correlation id>`.
const agent = taskCommandAgent(
  { name: AGENT, source: sources.operations },
  config,
  observability,
  (client) => ({
    intake: new DynamoIntakeStore(networkTable, client),
    tickets: new DynamoTicketStore(operationsTable, client),
    notifications: new DynamoNotificationLog(operationsTable, client),
  }),
);
const { idempotency } = agent;

/** A command with the business time it was issued at (the envelope's `time`). */
interface Issued<C> {
  readonly idempotencyKey: string;
  readonly command: C;
  readonly at: string;
}

/** The stores of a command's task session, tagged with the incident and task, and the entity it acts on. */
const sessionOf = (
  command: { correlationId: string; taskId: string },
  entities: { warehouse?: TagSource; region?: TagSource } = {},
) => agent.sessionFor({ correlationId: command.correlationId, taskId: command.taskId, ...entities });

/** A ticket's or notification's scope as a tag: the warehouse or the region it concerns. */
const scopeOf = (parameters: { scopeType: 'warehouse' | 'region'; scopeId: string }) => ({
  [parameters.scopeType]: { value: parameters.scopeId, field: 'parameters.scopeId' },
});

// Each effect runs inside the idempotent function, so a redelivery that Powertools answers from its record
// assumes no role at all.
const pause = makeIdempotent(async ({ command, at }: Issued<PauseWarehouseIntake>) => {
  const warehouse = { value: command.parameters.warehouseId, field: 'parameters.warehouseId' };
  const { intake } = await sessionOf(command, { warehouse });
  return pauseIntake(
    { warehouseId: command.parameters.warehouseId, idempotencyKey: command.idempotencyKey, at },
    intake,
  );
}, idempotency);
const resume = makeIdempotent(async ({ command, at }: Issued<ResumeWarehouseIntake>) => {
  const warehouse = { value: command.parameters.warehouseId, field: 'parameters.warehouseId' };
  const { intake } = await sessionOf(command, { warehouse });
  return resumeIntake({ ...command.parameters, at }, intake);
}, idempotency);
const open = makeIdempotent(async ({ command, at }: Issued<OpenIncidentTicket>) => {
  const { tickets } = await sessionOf(command, scopeOf(command.parameters));
  await openTicket(
    { ticketId: command.idempotencyKey, correlationId: command.correlationId, ...command.parameters },
    at,
    tickets,
  );
  return { ticketId: command.idempotencyKey };
}, idempotency);
const close = makeIdempotent(async ({ command, at }: Issued<CloseIncidentTicket>) => {
  const { tickets } = await sessionOf(command);
  return closeTicket(
    { ticketId: command.parameters.ticketId, correlationId: command.correlationId },
    at,
    tickets,
  );
}, idempotency);
const notify = makeIdempotent(async ({ command, at }: Issued<NotifyCustomers>) => {
  const { notifications } = await sessionOf(command, scopeOf(command.parameters));
  return notifyCustomers(
    {
      notificationId: command.idempotencyKey,
      correlationId: command.correlationId,
      ...command.parameters,
    },
    at,
    notifications,
  );
}, idempotency);

const commands = [
  'pause_warehouse_intake',
  'resume_warehouse_intake',
  'open_incident_ticket',
  'close_incident_ticket',
  'notify_customers',
] as const;
type CommandType = (typeof commands)[number];
type Command =
  PauseWarehouseIntake | ResumeWarehouseIntake | OpenIncidentTicket | CloseIncidentTicket | NotifyCustomers;

/** Carries out one command; returns the answer's detail-type and detail. */
async function perform(
  detailType: CommandType,
  command: Command,
  at: string,
): Promise<{ answer: DetailType; detail: unknown }> {
  const issued = { idempotencyKey: command.idempotencyKey, at };
  switch (detailType) {
    case 'pause_warehouse_intake': {
      const state = await pause({ ...issued, command: command as PauseWarehouseIntake });
      return { answer: 'warehouse_intake_paused', detail: { ...commandFields(command), ...state } };
    }
    case 'resume_warehouse_intake': {
      const state = await resume({ ...issued, command: command as ResumeWarehouseIntake });
      return { answer: 'warehouse_intake_resumed', detail: { ...commandFields(command), ...state } };
    }
    case 'open_incident_ticket': {
      const { parameters } = command as OpenIncidentTicket;
      const { ticketId } = await open({ ...issued, command: command as OpenIncidentTicket });
      return {
        answer: 'incident_ticket_opened',
        detail: { ...commandFields(command), ticketId, ...parameters, status: 'open' },
      };
    }
    case 'close_incident_ticket': {
      const { parameters } = command as CloseIncidentTicket;
      const { wasOpen } = await close({ ...issued, command: command as CloseIncidentTicket });
      return {
        answer: 'incident_ticket_closed',
        detail: { ...commandFields(command), ticketId: parameters.ticketId, status: 'closed', wasOpen },
      };
    }
    case 'notify_customers': {
      const { parameters } = command as NotifyCustomers;
      const { sentAt } = await notify({ ...issued, command: command as NotifyCustomers });
      return {
        answer: 'customers_notified',
        detail: {
          ...commandFields(command),
          notificationId: command.idempotencyKey,
          ...parameters,
          sentAt,
        },
      };
    }
  }
}

/**
 * Runs the operations commands (warehouse intake, incident tickets, customer notifications) and answers each
 * with its outcome event, or with `command_failed` when it cannot be carried out (its compensation already
 * ran), so the saga's waiting task fails at once. Unexpected errors propagate: Lambda retries them.
 */
export async function run(event: EventBridgeEvent<string, unknown>, context?: Context): Promise<void> {
  await agent.run(event, context, {
    commands,
    perform: (command) => perform(command.detailType, command.detail, command.time),
    failure: (error) => (error instanceof OperationsError ? { error } : undefined),
    done: () => metrics.addMetric('CommandsDone', MetricUnit.Count, 1),
  });
}

export const handler = instrument(run, observability);
