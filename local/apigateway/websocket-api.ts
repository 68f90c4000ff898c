import { randomBytes } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Activity } from '../activity';
import { IamAuthorizationError, type IamCaller, type IamCallers } from './iam-caller';
import {
  connectEvent,
  disconnectEvent,
  messageEvent,
  selectRoute,
  type WebSocketConnectionContext,
} from './websocket-events';
import type { WebSocketApiDefinition, WebSocketRoute } from './websocket-routes';

/** What the sandbox gives a WebSocket API: where it is, a way to invoke a function, its activity count. */
export interface WebSocketApiHost {
  readonly region: string;
  readonly accountId: string;
  readonly activity: Activity;
  /** Invokes a function synchronously; resolves to its result, rejects with its error. */
  readonly invoke: (functionArn: string, event: unknown) => Promise<unknown>;
}

/** A connection the API holds open: its socket, what its events carry, when it was last active. */
export interface LiveSocket {
  readonly socket: WebSocket;
  readonly context: WebSocketConnectionContext;
  lastActiveAt: number;
}

/** API Gateway's limit on one WebSocket message: 128 KB. */
export const MESSAGE_LIMIT_BYTES = 128 * 1024;

/** A connection id as API Gateway spells them: 16 characters ending in `=`. */
const newConnectionId = () => `${randomBytes(11).toString('base64url')}=`;

/** Answers an upgrade request with an HTTP error instead of the handshake, as API Gateway refuses `$connect`. */
function refuse(socket: Duplex, status: number, message: string, errorType?: string): void {
  const body = JSON.stringify({ message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'content-type: application/json\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      (errorType === undefined ? '' : `x-amzn-errortype: ${errorType}\r\n`) +
      'connection: close\r\n\r\n' +
      body,
  );
}

/** A Lambda proxy answer's status: its `statusCode`, else 200 (a function that answers nothing accepts). */
function statusOf(result: unknown): number {
  if (typeof result === 'object' && result !== null && 'statusCode' in result) {
    const status = Number(result.statusCode);
    return Number.isInteger(status) ? status : 502;
  }
  return 200;
}

/**
 * One WebSocket API of the template, as API Gateway serves each stage at `wss://<api id>…/<stage>` (here under the
 * sandbox endpoint's `/execute-api/<api id>/<stage>`): on upgrade, `$connect`'s IAM authorization (the presigned
 * URL's SigV4 signature, and `execute-api:Invoke` on the route for the caller), then its Lambda integration, whose
 * non-2xx answer refuses the connection; each message to the route its selection expression picks (or
 * `$default`; with neither, the client is answered `Forbidden`, as API Gateway answers); `$disconnect` when either
 * side closes. Open connections are kept by id for the management API (connection-management.ts).
 */
export class LocalWebSocketApi {
  readonly connections = new Map<string, LiveSocket>();
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: MESSAGE_LIMIT_BYTES });
  private readonly routes: ReadonlyMap<string, WebSocketRoute>;
  private closing = false;

  constructor(
    readonly definition: WebSocketApiDefinition,
    private readonly host: WebSocketApiHost,
    private readonly callers: IamCallers,
    /** `/execute-api/<api id>`: where the sandbox endpoint serves this API. */
    readonly pathPrefix: string,
  ) {
    this.routes = new Map(definition.routes.map((route) => [route.routeKey, route]));
  }

  /** `arn:aws:execute-api:<region>:<account>:<api id>/<rest>`: what IAM authorizes. */
  resourceArn(rest: string): string {
    return `arn:aws:execute-api:${this.host.region}:${this.host.accountId}:${this.definition.apiId}/${rest}`;
  }

  /** A WebSocket upgrade request for `<prefix>/<stage>`: authorized, `$connect`ed, then accepted or refused. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A client that goes away mid-handshake must not crash the sandbox: its socket's errors end here.
    socket.on('error', () => undefined);
    void this.host.activity
      .track(() => this.handshake(request, socket, head))
      .catch((error: unknown) => {
        console.warn(`WebSocket API ${this.definition.name}: ${(error as Error).message}`);
        if (socket.writable) refuse(socket, 500, 'Internal server error');
      });
  }

  private async handshake(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = request.url ?? '/';
    const queryAt = url.indexOf('?');
    const rawPath = queryAt < 0 ? url : url.slice(0, queryAt);
    const rawQueryString = queryAt < 0 ? '' : url.slice(queryAt + 1);
    const stage = decodeURIComponent(rawPath.slice(this.pathPrefix.length + 1));
    if (!this.definition.stages.includes(stage)) {
      refuse(socket, 403, 'Forbidden', 'ForbiddenException');
      return;
    }
    const headers: [string, string][] = [];
    // Node's raw headers alternate name and value.
    for (let i = 0; ; i += 2) {
      const name = request.rawHeaders[i];
      const value = request.rawHeaders[i + 1];
      if (name === undefined || value === undefined) break;
      headers.push([name, value]);
    }
    const lower = Object.fromEntries(headers.map(([name, value]) => [name.toLowerCase(), value]));
    const connect = this.routes.get('$connect');
    let caller: IamCaller | undefined;
    if (connect?.authorizationType === 'AWS_IAM') {
      try {
        caller = await this.callers.authorize(
          {
            method: 'GET',
            host: lower.host ?? '',
            rawPath,
            rawQueryString,
            headers: lower,
            body: Buffer.alloc(0),
          },
          this.resourceArn(`${stage}/$connect`),
        );
      } catch (error) {
        if (!(error instanceof IamAuthorizationError)) throw error;
        refuse(socket, error.status, error.message, 'ForbiddenException');
        return;
      }
    }
    const context: WebSocketConnectionContext = {
      apiId: this.definition.apiId,
      stage,
      domainName: lower.host ?? '',
      connectionId: newConnectionId(),
      connectedAt: Date.now(),
      sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
      userAgent: lower['user-agent'] ?? '',
      ...(caller === undefined ? {} : { caller }),
    };
    if (connect !== undefined) {
      let status: number;
      try {
        status = statusOf(
          await this.host.invoke(connect.functionArn, connectEvent(context, headers, rawQueryString)),
        );
      } catch {
        // API Gateway answers a failed integration without its error: the function's logs have it.
        refuse(socket, 500, 'Internal server error');
        return;
      }
      if (status < 200 || status > 299) {
        refuse(socket, status, STATUS_CODES[status] ?? 'Error');
        return;
      }
    }
    if (this.closing || socket.destroyed) return;
    this.server.handleUpgrade(request, socket, head, (ws) => this.accept(ws, context));
  }

  private accept(ws: WebSocket, context: WebSocketConnectionContext): void {
    const live: LiveSocket = { socket: ws, context, lastActiveAt: Date.now() };
    this.connections.set(context.connectionId, live);
    ws.on('error', () => undefined);
    ws.on('message', (data: RawData, binary: boolean) => {
      live.lastActiveAt = Date.now();
      void this.host.activity.track(() => this.receive(live, data, binary));
    });
    ws.on('close', (code: number, reason: Buffer) => {
      this.connections.delete(context.connectionId);
      if (this.closing) return;
      const disconnect = this.routes.get('$disconnect');
      if (disconnect === undefined) return;
      void this.host.activity.track(() =>
        this.host
          .invoke(disconnect.functionArn, disconnectEvent(context, code, reason.toString('utf8')))
          .then(
            () => undefined,
            // The connection is gone either way; the function's failure is in its logs and invocation errors.
            (error: unknown) =>
              console.warn(
                `WebSocket API ${this.definition.name}: $disconnect of ${context.connectionId} failed: ${(error as Error).message}`,
              ),
          ),
      );
    });
  }

  /** A client's message, to its route; with no route, or a failed integration, the client is told why. */
  private async receive(live: LiveSocket, data: RawData, binary: boolean): Promise<void> {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    const routeKey = selectRoute(
      this.definition.routeSelectionExpression,
      new Set(this.routes.keys()),
      bytes,
      binary,
    );
    const { connectionId } = live.context;
    const answer = (message: string) =>
      live.socket.send(JSON.stringify({ message, connectionId, requestId: randomBytes(8).toString('hex') }));
    const route = routeKey === undefined ? undefined : this.routes.get(routeKey);
    if (routeKey === undefined || route === undefined) {
      answer('Forbidden');
      return;
    }
    try {
      await this.host.invoke(route.functionArn, messageEvent(live.context, routeKey, bytes, binary));
    } catch {
      answer('Internal server error');
    }
  }

  /** Closes every connection without `$disconnect` (the sandbox is stopping: its functions are too). */
  close(): void {
    this.closing = true;
    for (const live of this.connections.values()) live.socket.terminate();
    this.connections.clear();
    this.server.close();
  }
}
