import {
  InvalidToken,
  SendTaskSuccessCommand,
  SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import type { EventBridgeEvent } from 'aws-lambda';
import { parseEvent } from '../domain/contracts/parse';
import { createObservability, instrument } from './shared/observability';

const observability = createObservability();
const { logger, tracer } = observability;
const sfn = tracer.captureAWSv3Client(new SFNClient({}));

/** The saga has moved on (timed out, compensated): answering again changes nothing. */
const sagaMovedOn = (error: unknown): error is Error =>
  error instanceof TaskTimedOut || error instanceof TaskDoesNotExist || error instanceof InvalidToken;

/** Resumes the saga's waiting task with the fulfillment agent's answer. */
export async function run(event: EventBridgeEvent<string, unknown>): Promise<void> {
  const answer = parseEvent(event, ['reroute_complete', 'reroute_reverted']);
  const { taskToken, ...output } = answer.detail;
  try {
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
  } catch (error) {
    if (sagaMovedOn(error)) {
      logger.warn('the saga no longer waits for this answer', {
        correlationId: output.correlationId,
        error: error.name,
      });
      return;
    }
    throw error;
  }
}

export const handler = instrument(run, observability);
