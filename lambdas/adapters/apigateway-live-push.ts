import {
  ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { PostToConnection } from '../domain/operator/live-broadcast';

/**
 * Posts to WebSocket connections through API Gateway's management API (`PostToConnection` on the stage's callback
 * URL, `https://<api id>.execute-api.<region>.amazonaws.com/<stage>`). A connection that no longer exists answers
 * 410 Gone: reported as `gone`, so the caller forgets it; any other error propagates.
 */
export function apiGatewayPost(client: ApiGatewayManagementApiClient): PostToConnection {
  const utf8 = new TextEncoder();
  return async (connectionId, data) => {
    try {
      await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: utf8.encode(data) }));
      return 'delivered';
    } catch (error) {
      if (error instanceof GoneException) return 'gone';
      throw error;
    }
  };
}
