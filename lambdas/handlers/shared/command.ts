import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DeadLetterRejector } from '../../adapters/dead-letter-rejector';
import type { EventPublisher } from '../../adapters/event-publisher';
import { ContractViolation } from '../../domain/contracts/errors';
import { parseDetail, type ParsedEvent } from '../../domain/contracts/parse';
import type { DetailType } from '../../domain/contracts/registry';
import { requiredText } from './config';
import { parseEventBridgeEvent } from './event-envelope';

/** What every saga command carries; its answer echoes it (the task token resumes the saga). */
export interface CommandEnvelope {
  readonly correlationId: string;
  readonly planId: string;
  readonly taskId: string;
  readonly idempotencyKey: string;
  readonly taskToken: string;
}

/** The envelope fields an answer repeats. */
export const commandFields = (command: CommandEnvelope) => ({
  schemaVersion: 1 as const,
  correlationId: command.correlationId,
  planId: command.planId,
  taskId: command.taskId,
  idempotencyKey: command.idempotencyKey,
  taskToken: command.taskToken,
});

/** The variables of a command agent (besides its effects'): its bus, its dead-letter queue, its idempotency table. */
export const commandVariables = {
  EVENT_BUS_NAME: requiredText,
  DEAD_LETTER_QUEUE_URL: requiredText,
  IDEMPOTENCY_TABLE_NAME: requiredText,
};

/**
 * Powertools idempotency for command handlers: one effect per idempotency key, however often EventBridge, Lambda
 * or the saga's retries deliver the command (records kept a week).
 */
export const commandIdempotency = (dynamodb: DynamoDBClient, tableName: string) => ({
  persistenceStore: new DynamoDBPersistenceLayer({
    tableName,
    awsSdkV3Client: dynamodb,
  }),
  config: new IdempotencyConfig({ eventKeyJmesPath: 'idempotencyKey', expiresAfterSeconds: 7 * 86_400 }),
});

/** A command carried out: the answer's detail-type and detail. */
export interface CommandAnswer {
  readonly answer: DetailType;
  readonly detail: unknown;
}

export interface CommandAgent<T extends DetailType, A extends CommandAnswer> {
  readonly agent: string;
  /** The source the agent answers as. */
  readonly source: string;
  readonly commands: readonly T[];
  readonly rejector: DeadLetterRejector;
  readonly publisher: EventPublisher;
  readonly logger: Logger;
  readonly metrics: Metrics;
  perform(command: ParsedEvent<T>): Promise<A>;
  /**
   * The error as a command that cannot be carried out (with the field it names, if any), answered with
   * `command_failed`; undefined for an unexpected error, which propagates so that Lambda retries it.
   */
  failure(error: unknown): { readonly error: Error; readonly field?: string } | undefined;
  /** After the answer is published (metrics of the outcome). */
  done?(answer: A): void;
}

/**
 * Runs one saga command: a command that breaks its contract goes to the agent's dead-letter queue with the field
 * named; one that cannot be carried out is answered with `command_failed` at once, so the saga's waiting task
 * fails with the reason instead of timing out; otherwise its outcome event answers it.
 */
export async function runCommand<T extends DetailType, A extends CommandAnswer>(
  event: unknown,
  agent: CommandAgent<T, A>,
): Promise<void> {
  const { logger, metrics, publisher } = agent;
  let parsed: ParsedEvent<T>;
  try {
    parsed = parseEventBridgeEvent(event, agent.commands);
  } catch (error) {
    if (!(error instanceof ContractViolation)) throw error;
    logger.warn('command rejected', { reason: error.message, field: error.field });
    await agent.rejector.reject(JSON.stringify(event), {
      agent: agent.agent,
      errorType: error.name,
      errorMessage: error.message,
      field: error.field,
    });
    return;
  }
  // Every command contract carries the envelope (contracts/platform.ts, contracts/operations.ts).
  const command = parsed.detail as unknown as CommandEnvelope;

  let answer: A;
  try {
    answer = await agent.perform(parsed);
  } catch (thrown) {
    const failure = agent.failure(thrown);
    if (failure === undefined) throw thrown;
    const { error, field } = failure;
    logger.warn('command failed', {
      correlationId: command.correlationId,
      command: parsed.detailType,
      error: error.name,
      reason: error.message,
    });
    metrics.addMetric('CommandsFailed', MetricUnit.Count, 1);
    await publisher.publish([
      {
        source: agent.source,
        detailType: 'command_failed',
        detail: parseDetail('command_failed', {
          ...commandFields(command),
          commandType: parsed.detailType,
          error: error.name,
          reason: error.message,
          ...(field === undefined ? {} : { field }),
        }),
      },
    ]);
    return;
  }

  await publisher.publish([
    { source: agent.source, detailType: answer.answer, detail: parseDetail(answer.answer, answer.detail) },
  ]);
  agent.done?.(answer);
  logger.info('command done', { correlationId: command.correlationId, command: parsed.detailType });
}
