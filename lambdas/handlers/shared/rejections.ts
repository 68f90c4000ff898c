import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DeadLetterRejector } from '../../adapters/dead-letter-rejector';
import type { EventPublisher } from '../../adapters/event-publisher';
import { eventPublisher, type Observability } from './observability';

/**
 * The agent's dead-letter queue (`DEAD_LETTER_QUEUE_URL`): each event kept there for good is also announced as
 * `agent_error` from the agent's `source`. Best effort: a refused announcement is logged and counted
 * (`RejectionsUnannounced`), and the event stays in the queue with its reason all the same.
 */
function deadLetterRejector(
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

/**
 * A stream agent's publisher on its bus and its dead-letter queue, whose kept events it announces as `agent_error`
 * from `source` (the agent's own source).
 */
export function streamPublishing(
  config: { readonly EVENT_BUS_NAME: string; readonly DEAD_LETTER_QUEUE_URL: string },
  source: string,
  observability: Observability,
): { publisher: EventPublisher; rejector: DeadLetterRejector } {
  const publisher = eventPublisher(config.EVENT_BUS_NAME, observability);
  return {
    publisher,
    rejector: deadLetterRejector(config.DEAD_LETTER_QUEUE_URL, publisher, source, observability),
  };
}
