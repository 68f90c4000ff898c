import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DeadLetterRejector } from '../../adapters/dead-letter-rejector';
import type { EventPublisher } from '../../adapters/event-publisher';
import type { Observability } from './observability';

/**
 * The agent's dead-letter queue (`DEAD_LETTER_QUEUE_URL`): each event kept there for good is also announced as
 * `agent_error` from the agent's `source`. Best effort: a refused announcement is logged and counted
 * (`RejectionsUnannounced`), and the event stays in the queue with its reason all the same.
 */
export function deadLetterRejector(
  queueUrl: string,
  publisher: EventPublisher,
  source: string,
  { logger, tracer, metrics }: Observability,
): DeadLetterRejector {
  return new DeadLetterRejector(queueUrl, tracer.captureAWSv3Client(new SQSClient({})), {
    publisher,
    source,
    onUnannounced: (error) => {
      logger.warn('event kept in the DLQ, but agent_error not published', {
        error: error instanceof Error ? error : String(error),
      });
      metrics.addMetric('RejectionsUnannounced', MetricUnit.Count, 1);
    },
  });
}
