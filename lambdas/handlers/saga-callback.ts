import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import type { EventBridgeEvent } from 'aws-lambda';
import type { CommandFailed } from '../domain/contracts/platform';
import { commandAnswers } from '../domain/contracts/registry';
import { parseEventBridgeEvent } from './shared/event-envelope';
import { createObservability, instrument } from './shared/observability';

const observability = createObservability();
const { logger, tracer } = observability;
const sfn = tracer.captureAWSv3Client(new SFNClient({}));

/** The saga has moved on (timed out, compensated): answering again changes nothing. */
const sagaMovedOn = (error: unknown): error is Error =>
  error instanceof TaskTimedOut || error instanceof TaskDoesNotExist || error instanceof InvalidToken;

/** SendTaskFailure limits: `error` 256 characters, `cause` 32,768. */
const clip = (text: string, limit: number): string =>
  text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;

/**
 * Resumes the saga's waiting task with an agent's answer to its command: an outcome resumes it with
 * SendTaskSuccess, `command_failed` fails it at once with SendTaskFailure (its `error` is what the saga's
 * `Catch` matches, its `reason` the cause).
 */
export async function run(event: EventBridgeEvent<string, unknown>): Promise<void> {
  const answer = parseEventBridgeEvent(event, commandAnswers);
  const { taskToken, ...output } = answer.detail;
  try {
    if (answer.detailType === 'command_failed') {
      const failure = answer.detail as CommandFailed;
      await sfn.send(
        new SendTaskFailureCommand({
          taskToken,
          error: clip(failure.error, 256),
          cause: clip(failure.reason, 32_768),
        }),
      );
    } else {
      await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
    }
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
