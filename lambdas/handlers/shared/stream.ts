import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import type { DeadLetterRejector, Rejection } from '../../adapters/dead-letter-rejector';
import { ContractViolation } from '../../domain/contracts/errors';
import type { ParsedEvent } from '../../domain/contracts/parse';
import type { DetailType } from '../../domain/contracts/registry';
import { numberOr, requiredText } from './config';
import { parseEventRecord } from './event-envelope';

/**
 * The variables of a stream consumer (`AgentFunction` with a stream): its dead-letter queue, the queue's
 * `maxReceiveCount` (default 3), on whose last receive a failing event is kept there with its reason, and the bus
 * its rejections are announced on (`agent_error`).
 */
export const streamVariables = {
  EVENT_BUS_NAME: requiredText,
  DEAD_LETTER_QUEUE_URL: requiredText,
  MAX_RECEIVE_COUNT: numberOr(3, z.number().int('must be a whole number').positive('must be positive')),
};

export interface StreamOptions<T extends DetailType> {
  readonly agent: string;
  readonly accepted: readonly T[];
  readonly rejector: DeadLetterRejector;
  readonly logger: Logger;
  /**
   * The queue's `maxReceiveCount`: on its last receive a failing event is kept in the DLQ with the reason
   * (SQS's own redrive would move it there without one). @default - left to the redrive policy
   */
  readonly maxReceiveCount?: number;
  /** Processes valid events together (so counters are written once per batch, not per event). Idempotent. */
  readonly process: (events: ParsedEvent<T>[]) => Promise<void>;
}

const errorOf = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/**
 * Consumes one SQS batch of EventBridge events:
 * - an event that breaks its contract is kept in the DLQ with the reason, not retried (it would fail the same way);
 * - the valid events are processed together; if that fails, each is processed alone, so one poison pill does not
 *   hold back the rest of the batch — only the events that fail alone are reported as batch item failures;
 * - an event failing on its last receive goes to the DLQ with its error instead of being redriven without one.
 */
export async function consumeStream<T extends DetailType>(
  event: SQSEvent,
  options: StreamOptions<T>,
): Promise<SQSBatchResponse> {
  const failures: string[] = [];
  const keep = async (record: SQSRecord, rejection: Omit<Rejection, 'agent'>) => {
    try {
      await options.rejector.reject(record.body, { agent: options.agent, ...rejection });
    } catch (sendError) {
      options.logger.error('could not keep the event in the DLQ; leaving it to the redrive policy', {
        messageId: record.messageId,
        error: errorOf(sendError),
      });
      failures.push(record.messageId);
    }
  };

  const valid: { record: SQSRecord; event: ParsedEvent<T> }[] = [];
  for (const record of event.Records) {
    try {
      valid.push({ record, event: parseEventRecord(record, options.accepted) });
    } catch (error) {
      if (!(error instanceof ContractViolation)) throw error;
      options.logger.warn('event rejected', {
        messageId: record.messageId,
        reason: error.message,
        field: error.field,
      });
      await keep(record, { errorType: error.name, errorMessage: error.message, field: error.field });
    }
  }
  if (valid.length === 0)
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };

  // First the whole batch at once: the agents aggregate it (one counter update per scope and window, one order-book
  // transaction per 100 orders), which is what keeps a stream's writes per batch rather than per event.
  try {
    await options.process(valid.map((v) => v.event));
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  } catch (batchError) {
    options.logger.warn('batch failed; processing its events one by one', {
      error: errorOf(batchError),
      count: valid.length,
    });
  }
  // Then each event alone, in order (Powertools batch): those that still fail are the batch item failures, so one
  // poison pill does not hold back the rest; on its last receive an event is kept in the DLQ with its error.
  const parsed = new Map(valid.map((v) => [v.record.messageId, v.event]));
  const { batchItemFailures } = await processPartialResponse(
    { Records: valid.map((v) => v.record) },
    async (record: SQSRecord) => {
      const event = parsed.get(record.messageId);
      if (event === undefined)
        throw new Error(`message ${record.messageId} is not one of the batch's valid events`);
      try {
        await options.process([event]);
      } catch (error) {
        const e = errorOf(error);
        const receives = Number(record.attributes.ApproximateReceiveCount);
        if (options.maxReceiveCount !== undefined && receives >= options.maxReceiveCount) {
          options.logger.error('event failed on its last receive; kept in the DLQ', {
            messageId: record.messageId,
            error: e,
          });
          await keep(record, { errorType: e.name, errorMessage: e.message });
          return;
        }
        options.logger.warn('event failed; it will be redelivered', {
          messageId: record.messageId,
          error: e,
        });
        throw e;
      }
    },
    new BatchProcessor(EventType.SQS),
    { processInParallel: false, throwOnFullBatchFailure: false },
  );
  return {
    batchItemFailures: [...failures.map((itemIdentifier) => ({ itemIdentifier })), ...batchItemFailures],
  };
}
