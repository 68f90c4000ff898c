import { randomUUID } from 'node:crypto';
import type { IamCaller } from './iam-caller';

/** `06/Dec/2026:23:52:39 +0000`, as `requestContext.requestTime`. */
function clfTime(at: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(at.getUTCDate())}/${String(months[at.getUTCMonth()])}/${at.getUTCFullYear()}:${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())} +0000`;
}

/** What every event of one connection carries: where it came in, and who opened it. */
export interface WebSocketConnectionContext {
  readonly apiId: string;
  readonly stage: string;
  /** The host the client connected to (`requestContext.domainName`). */
  readonly domainName: string;
  readonly connectionId: string;
  /** Epoch milliseconds. */
  readonly connectedAt: number;
  readonly sourceIp: string;
  readonly userAgent: string;
  /** The caller `$connect`'s IAM authorization found; none on a route without authorization. */
  readonly caller?: IamCaller;
}

/** The request context API Gateway gives each WebSocket event (`$context` of the WebSocket mapping reference). */
function requestContext(
  connection: WebSocketConnectionContext,
  routeKey: string,
  eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT',
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const now = new Date();
  const requestId = randomUUID();
  const { caller } = connection;
  return {
    routeKey,
    eventType,
    extendedRequestId: requestId,
    requestTime: clfTime(now),
    messageDirection: 'IN',
    stage: connection.stage,
    connectedAt: connection.connectedAt,
    requestTimeEpoch: now.getTime(),
    identity: {
      ...(caller
        ? {
            accountId: caller.accountId,
            accessKey: caller.accessKey,
            caller: caller.callerId,
            user: caller.userId,
            userArn: caller.userArn,
            cognitoIdentityId: null,
            cognitoIdentityPoolId: null,
            cognitoAuthenticationType: null,
            cognitoAuthenticationProvider: null,
            principalOrgId: null,
          }
        : {}),
      sourceIp: connection.sourceIp,
      userAgent: connection.userAgent,
    },
    requestId,
    domainName: connection.domainName,
    connectionId: connection.connectionId,
    apiId: connection.apiId,
    ...extra,
  };
}

/** Single- and multi-value maps of a request's headers or query parameters, as API Gateway's proxy events hold. */
function valueMaps(entries: Iterable<[string, string]>): {
  single: Record<string, string>;
  multi: Record<string, string[]>;
} {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of entries) {
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  return { single, multi };
}

/**
 * The `$connect` event: the upgrade request's headers and query (the presigned signature's parameters among
 * them, as API Gateway passes them), and the caller IAM authorization found.
 */
export function connectEvent(
  connection: WebSocketConnectionContext,
  headers: Iterable<[string, string]>,
  rawQueryString: string,
): Record<string, unknown> {
  const header = valueMaps(headers);
  const query = valueMaps(new URLSearchParams(rawQueryString));
  return {
    headers: header.single,
    multiValueHeaders: header.multi,
    ...(Object.keys(query.single).length > 0
      ? { queryStringParameters: query.single, multiValueQueryStringParameters: query.multi }
      : {}),
    requestContext: requestContext(connection, '$connect', 'CONNECT'),
    isBase64Encoded: false,
  };
}

/** A message the client sent, for the route its selection expression chose (or `$default`). */
export function messageEvent(
  connection: WebSocketConnectionContext,
  routeKey: string,
  data: Buffer,
  binary: boolean,
): Record<string, unknown> {
  return {
    requestContext: requestContext(connection, routeKey, 'MESSAGE', { messageId: randomUUID() }),
    body: binary ? data.toString('base64') : data.toString('utf8'),
    isBase64Encoded: binary,
  };
}

/** The `$disconnect` event, with the close code and reason (from the client, or the side that closed). */
export function disconnectEvent(
  connection: WebSocketConnectionContext,
  statusCode: number,
  reason: string,
): Record<string, unknown> {
  return {
    headers: { Host: connection.domainName, 'X-Forwarded-For': connection.sourceIp },
    multiValueHeaders: { Host: [connection.domainName], 'X-Forwarded-For': [connection.sourceIp] },
    requestContext: requestContext(connection, '$disconnect', 'DISCONNECT', {
      disconnectStatusCode: statusCode,
      disconnectReason: reason,
    }),
    isBase64Encoded: false,
  };
}

/** The route a message goes to: the value of `$request.body.<path>` when a route has it as key, else `$default`. */
export function selectRoute(
  selectionExpression: string,
  routeKeys: ReadonlySet<string>,
  data: Buffer,
  binary: boolean,
): string | undefined {
  const path = /^\$request\.body\.(.+)$/.exec(selectionExpression)?.[1];
  if (path !== undefined && !binary) {
    let value: unknown;
    try {
      value = JSON.parse(data.toString('utf8')) as unknown;
    } catch {
      value = undefined;
    }
    for (const field of path.split('.')) {
      value =
        typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[field] : undefined;
    }
    if (typeof value === 'string' && routeKeys.has(value) && !value.startsWith('$')) return value;
  }
  return routeKeys.has('$default') ? '$default' : undefined;
}
