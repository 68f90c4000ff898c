import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { DynamoLiveConnections } from '../adapters/dynamodb-live-connections';
import { parseConfig, requiredText } from './shared/config';
import { createObservability, instrument } from './shared/observability';

const observability = createObservability();
const { logger, tracer } = observability;

const config = parseConfig(z.object({ CONNECTIONS_TABLE_NAME: requiredText }), process.env);
const connections = new DynamoLiveConnections(
  config.CONNECTIONS_TABLE_NAME,
  tracer.captureAWSv3Client(new DynamoDBClient({})),
);

/**
 * The WebSocket API's `$connect` and `$disconnect` routes as API Gateway hands them to Lambda: the route, the
 * connection and, on `$connect` (IAM-authorized), who signed the request.
 */
const connectionEvent = z.object({
  requestContext: z.object({
    routeKey: z.enum(['$connect', '$disconnect']),
    connectionId: z.string().min(1),
    /** Epoch milliseconds. */
    connectedAt: z.number().int().nonnegative(),
    identity: z
      .object({
        userArn: z.string().nullish(),
        cognitoIdentityId: z.string().nullish(),
      })
      .optional(),
  }),
});

/** The request event is not a `$connect`/`$disconnect` event of API Gateway: the message names the field. */
class ConnectionEventInvalid extends Error {
  override readonly name = 'ConnectionEventInvalid';
}

/**
 * Records a console's connection on `$connect` (API Gateway has checked its SigV4 signature and the operator role's
 * `execute-api:Invoke` on the route before calling) and forgets it on `$disconnect`. API Gateway accepts the
 * connection when this answers 200.
 */
export async function run(event: unknown): Promise<{ statusCode: number }> {
  const parsed = connectionEvent.safeParse(event);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    const field = issue?.path.map(String).join('.') || '(event)';
    throw new ConnectionEventInvalid(`${field}: ${issue?.message ?? 'not a connection event'}`);
  }
  const { routeKey, connectionId, connectedAt, identity } = parsed.data.requestContext;
  if (routeKey === '$connect') {
    const caller = identity?.userArn ?? identity?.cognitoIdentityId ?? 'unknown';
    await connections.add({ connectionId, connectedAt: new Date(connectedAt).toISOString(), caller });
    logger.info('console connected', { connectionId, caller });
  } else {
    await connections.remove(connectionId);
    logger.info('console disconnected', { connectionId });
  }
  return { statusCode: 200 };
}

export const handler = instrument(run, observability);
