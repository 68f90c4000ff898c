import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { DeadLetterRejector } from '../../adapters/dead-letter-rejector';
import { ContractViolation } from '../../domain/contracts/errors';
import { parseEvent, type ParsedEvent } from '../../domain/contracts/parse';
import type { DetailType } from '../../domain/contracts/registry';

export interface StreamOptions<T extends DetailType> {
  readonly agent: string;
  readonly accepted: readonly T[];
  readonly rejector: DeadLetterRejector;
  readonly logger: Logger;
  /** Processes the batch's valid events together (so counters are written once per batch, not per event). */
  readonly process: (events: ParsedEvent<T>[]) => Promise<void>;
}

/**
 * Consumes one SQS batch of EventBridge events. An event that breaks its contract is kept in the DLQ with the
 * reason and not retried; if processing the valid events fails, they are all reported as batch item failures,
 * so SQS redelivers them (processing is idempotent) and redrives them to the DLQ after `maxReceiveCount`.
 */
export async function consumeStream<T extends DetailType>(
  event: SQSEvent,
  options: StreamOptions<T>,
): Promise<SQSBatchResponse> {
  const failures: string[] = [];
  const valid: { messageId: string; event: ParsedEvent<T> }[] = [];
  for (const record of event.Records) {
    try {
      valid.push({ messageId: record.messageId, event: parseEvent(record.body, options.accepted) });
    } catch (error) {
      if (!(error instanceof ContractViolation)) throw error;
      options.logger.warn('event rejected', {
        messageId: record.messageId,
        reason: error.message,
        field: error.field,
      });
      try {
        await options.rejector.reject(record.body, {
          agent: options.agent,
          errorType: error.name,
          errorMessage: error.message,
          field: error.field,
        });
      } catch (sendError) {
        options.logger.error('could not keep the rejected event; leaving it to the redrive policy', {
          messageId: record.messageId,
          error: sendError as Error,
        });
        failures.push(record.messageId);
      }
    }
  }
  if (valid.length > 0) {
    try {
      await options.process(valid.map((v) => v.event));
    } catch (error) {
      options.logger.error('batch failed; its events will be redelivered', {
        error: error as Error,
        count: valid.length,
      });
      failures.push(...valid.map((v) => v.messageId));
    }
  }
  return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
}
