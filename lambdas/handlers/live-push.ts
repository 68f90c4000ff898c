import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { apiGatewayPost } from '../adapters/apigateway-live-push';
import { DynamoLiveConnections } from '../adapters/dynamodb-live-connections';
import {
  fitFrame,
  platformEventMessage,
  WEBSOCKET_MESSAGE_LIMIT_BYTES,
  type LiveSocketFrame,
} from '../domain/contracts/live-message';
import { broadcast, BroadcastFailed } from '../domain/operator/live-broadcast';
import { numberOr, parseConfig, requiredText } from './shared/config';
import { parseEventBridgeEnvelope } from './shared/event-envelope';
import { createObservability, instrument } from './shared/observability';

const observability = createObservability();
const { logger, tracer, metrics } = observability;

const config = parseConfig(
  z.object({
    CONNECTIONS_TABLE_NAME: requiredText,
    /** The stage's callback URL (`https://<api id>.execute-api.<region>.amazonaws.com/<stage>`): PostToConnection. */
    WEBSOCKET_CALLBACK_URL: z.url({ error: 'required: an https URL' }),
    /** Posts in flight at once. */
    PUSH_CONCURRENCY: numberOr(16, z.number().int().min(1).max(128)),
    /** Connections read per Scan page. */
    CONNECTIONS_PAGE_SIZE: numberOr(100, z.number().int().min(1).max(1000)),
  }),
  process.env,
);

const connections = new DynamoLiveConnections(
  config.CONNECTIONS_TABLE_NAME,
  tracer.captureAWSv3Client(new DynamoDBClient({})),
  config.CONNECTIONS_PAGE_SIZE,
);
const post = apiGatewayPost(
  tracer.captureAWSv3Client(new ApiGatewayManagementApiClient({ endpoint: config.WEBSOCKET_CALLBACK_URL })),
);

/**
 * Sends one platform event to every console connected to the WebSocket API, as the compact message the sandbox's
 * server-sent events carry (`platformEventMessage`), cut to API Gateway's 128 KB (the cut named in the message).
 * Connections found gone are removed; any other failure fails the invocation once every connection was tried, so
 * Lambda retries it and then keeps it in the function's dead-letter queue.
 */
export async function run(event: unknown): Promise<void> {
  const envelope = parseEventBridgeEnvelope(event);
  const frame = fitFrame(
    platformEventMessage(envelope),
    (message): LiveSocketFrame => ({ kind: 'platform', message }),
    WEBSOCKET_MESSAGE_LIMIT_BYTES,
  );
  if (frame.message.truncated !== undefined) {
    logger.warn('message cut to fit a WebSocket message', {
      eventId: envelope.id,
      truncated: frame.message.truncated,
    });
  }
  try {
    const outcome = await broadcast(JSON.stringify(frame), connections, post, config.PUSH_CONCURRENCY);
    metrics.addMetric('ConsolesReached', MetricUnit.Count, outcome.delivered);
    metrics.addMetric('ConnectionsGone', MetricUnit.Count, outcome.gone);
    metrics.addMetric('ConsolesSkipped', MetricUnit.Count, outcome.skipped);
    if (outcome.skipped > 0) {
      logger.warn('some consoles could not take the event', { eventId: envelope.id, ...outcome });
    }
  } catch (error) {
    if (error instanceof BroadcastFailed) {
      metrics.addMetric('ConsolesReached', MetricUnit.Count, error.outcome.delivered);
      metrics.addMetric('ConnectionsGone', MetricUnit.Count, error.outcome.gone);
      metrics.addMetric('ConsolesSkipped', MetricUnit.Count, error.outcome.skipped);
      metrics.addMetric('PushFailures', MetricUnit.Count, error.outcome.failed);
      logger.error('some consoles could not be sent the event', {
        eventId: envelope.id,
        ...error.outcome,
        failures: error.failures.map(({ connectionId, error: cause }) => ({
          connectionId,
          error: cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause),
        })),
      });
    }
    throw error;
  }
}

export const handler = instrument(run, observability);
