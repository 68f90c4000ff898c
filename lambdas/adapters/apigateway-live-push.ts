import {
  ApiGatewayManagementApiClient,
  GoneException,
  LimitExceededException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { PostToConnection } from '../domain/operator/live-broadcast';

/** Waits before each new try of a post refused with LimitExceededException (ms): two more tries, then skipped. */
const LIMIT_BACKOFF_MS = [100, 400];

/**
 * Posts to WebSocket connections through API Gateway's management API (`PostToConnection` on the stage's callback
 * URL, `https://<api id>.execute-api.<region>.amazonaws.com/<stage>`):
 * - a connection that no longer exists answers 410 Gone: reported as `gone`, so the caller forgets it;
 * - `LimitExceededException` ("more than the allowed number of requests per unit of time or the WebSocket client
 *   side buffer is full": a console that does not read, a tab in the background) is tried again twice, after 100
 *   and 400 ms, and then reported as `skipped`: that console misses this message (it reads the incidents again on
 *   its next refresh), and the others are not sent it again by a retry of the whole invocation;
 * - `PayloadTooLargeException` is `skipped` at once: the same message would be refused again;
 * - any other error propagates.
 */
export function apiGatewayPost(
  client: ApiGatewayManagementApiClient,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): PostToConnection {
  const utf8 = new TextEncoder();
  return async (connectionId, data) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.send(
          new PostToConnectionCommand({ ConnectionId: connectionId, Data: utf8.encode(data) }),
        );
        return 'delivered';
      } catch (error) {
        if (error instanceof GoneException) return 'gone';
        if (error instanceof PayloadTooLargeException) return 'skipped';
        if (!(error instanceof LimitExceededException)) throw error;
        const wait = LIMIT_BACKOFF_MS[attempt];
        if (wait === undefined) return 'skipped';
        await sleep(wait);
      }
    }
  };
}
