import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebSocket } from 'ws';
import { IamAuthorizationError, type IamCallers } from './iam-caller';
import { MESSAGE_LIMIT_BYTES, type LocalWebSocketApi } from './websocket-api';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `data` as text when it is UTF-8 (a text frame, as API Gateway sends a JSON message), else as bytes. */
function frameOf(data: Buffer): string | Buffer {
  try {
    return utf8.decode(data);
  } catch {
    return data;
  }
}

function reply(response: ServerResponse, status: number, body?: unknown, errorType?: string): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...(errorType === undefined ? {} : { 'x-amzn-errortype': errorType }),
  });
  response.end(text);
}

const MANAGEMENT_PATH = /^\/([^/]+)\/@connections\/([^/]+)$/;

/**
 * API Gateway's management API for one WebSocket API (`@aws-sdk/client-apigatewaymanagementapi` on the stage's
 * callback URL): `POST /<stage>/@connections/<id>` sends the body to the connection as one message (410
 * GoneException when the connection is not open, 413 above 128 KB), `GET` describes it, `DELETE` closes it. Each
 * request is SigV4-signed by a caller whose policies allow `execute-api:ManageConnections` on
 * `arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<METHOD>/@connections/<id>`, as on AWS.
 */
export async function manageConnection(
  api: LocalWebSocketApi,
  callers: IamCallers,
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
): Promise<void> {
  const url = request.url ?? '/';
  const queryAt = url.indexOf('?');
  const rawPath = queryAt < 0 ? url : url.slice(0, queryAt);
  const rawQueryString = queryAt < 0 ? '' : url.slice(queryAt + 1);
  const method = request.method ?? 'GET';
  const [, rawStage, rawConnectionId] = MANAGEMENT_PATH.exec(rawPath.slice(api.pathPrefix.length)) ?? [];
  const stage = rawStage === undefined ? undefined : decodeURIComponent(rawStage);
  if (
    stage === undefined ||
    rawConnectionId === undefined ||
    !api.definition.stages.includes(stage) ||
    !['POST', 'GET', 'DELETE'].includes(method)
  ) {
    reply(response, 404, { message: `No ${method} ${rawPath} on WebSocket API ${api.definition.name}` });
    return;
  }
  const connectionId = decodeURIComponent(rawConnectionId);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  try {
    await callers.authorize(
      { method, host: headers.host ?? '', rawPath, rawQueryString, headers, body },
      api.resourceArn(`${stage}/${method}/@connections/${connectionId}`),
      'execute-api:ManageConnections',
    );
  } catch (error) {
    if (!(error instanceof IamAuthorizationError)) throw error;
    reply(response, error.status, { message: error.message }, 'ForbiddenException');
    return;
  }
  const live = api.connections.get(connectionId);
  if (live === undefined || live.context.stage !== stage || live.socket.readyState !== WebSocket.OPEN) {
    reply(response, 410, { message: `Connection ${connectionId} is gone` }, 'GoneException');
    return;
  }
  if (method === 'POST') {
    if (body.length > MESSAGE_LIMIT_BYTES) {
      reply(
        response,
        413,
        { message: `Message of ${body.length} bytes exceeds the limit of ${MESSAGE_LIMIT_BYTES}` },
        'PayloadTooLargeException',
      );
      return;
    }
    await new Promise<void>((resolve, reject) =>
      live.socket.send(frameOf(body), (error) => (error ? reject(error) : resolve())),
    );
    reply(response, 200);
  } else if (method === 'GET') {
    reply(response, 200, {
      connectedAt: new Date(live.context.connectedAt).toISOString(),
      identity: { sourceIp: live.context.sourceIp, userAgent: live.context.userAgent },
      lastActiveAt: new Date(live.lastActiveAt).toISOString(),
    });
  } else {
    // Gone at once for the management API; the client's close handshake then sets off $disconnect.
    api.connections.delete(connectionId);
    live.socket.close(1000, 'closed by DeleteConnection');
    reply(response, 204);
  }
}
