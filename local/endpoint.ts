import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Activity } from './activity';

/**
 * One AWS JSON-protocol service behind the endpoint: `operation` is the part of X-Amz-Target after the dot;
 * `traceHeader` the request's `X-Amzn-Trace-Id` (the X-Ray SDK adds it to traced clients' requests).
 */
type JsonService = (operation: string, body: Record<string, unknown>, traceHeader?: string) => unknown;

/**
 * A REST service's answer: `body` is sent as JSON; `raw` (a blob payload, e.g. AppConfig's configuration) is
 * sent as it is, with the content type in `headers`.
 */
export interface RestResult {
  status: number;
  body?: unknown;
  raw?: Uint8Array;
  headers?: Record<string, string>;
  errorType?: string;
}

/** A REST service behind the endpoint, by path prefix (Bedrock runtime, the OpenSearch collection, AppConfig). */
export type RestService = (method: string, path: string, body: unknown) => RestResult | Promise<RestResult>;

/**
 * An AWS query-protocol service (form-encoded `Action=…` request, XML answer), such as STS. `callerKeyId` is the
 * access key id the request was signed with (from its SigV4 `Authorization` header).
 */
export type QueryService = (
  params: URLSearchParams,
  callerKeyId: string | undefined,
) => Promise<{ status: number; xml: string }>;

/** The access key id and service of a SigV4 `Authorization` header (`Credential=<key>/<date>/<region>/<service>/…`). */
function signatureScopeOf(
  authorization: string | undefined,
): { accessKeyId: string; service: string } | undefined {
  const [, accessKeyId, service] =
    /Credential=([^/,\s]+)\/[^/]+\/[^/]+\/([^/]+)\//.exec(authorization ?? '') ?? [];
  return accessKeyId === undefined || service === undefined ? undefined : { accessKeyId, service };
}

/**
 * A service that reads the request itself (its headers, for SigV4) and answers it: API Gateway's management API.
 * `body` is the request's body, already read.
 */
type RawService = (request: IncomingMessage, response: ServerResponse, body: Buffer) => Promise<void>;

/** A WebSocket upgrade request, as node:http's `upgrade` event gives it. */
type UpgradeService = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Whether `url` is `prefix` or below it. */
const under = (url: string, prefix: string) =>
  url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}?`);

export interface ServiceRoute {
  /** The X-Amz-Target prefix, e.g. `AWSEvents`, `AWSStepFunctions`, `AmazonSQS`. */
  readonly prefix: string;
  /** `1.0` or `1.1`. */
  readonly jsonVersion: string;
  readonly handle: JsonService;
}

/**
 * The sandbox's AWS endpoint on loopback: AWS JSON 1.0/1.1 requests routed by `X-Amz-Target`, errors as
 * `{"__type", "message"}` with status 400, so the ordinary SDK clients and the CLI work against it.
 */
export class LocalEndpoint {
  private server?: Server;
  private http2: Http2Server | undefined;
  private readonly routes = new Map<string, ServiceRoute>();
  private readonly restRoutes = new Map<string, RestService>();
  private readonly queryRoutes = new Map<string, QueryService>();
  private readonly rawRoutes = new Map<string, RawService>();
  private readonly upgradeRoutes = new Map<string, UpgradeService>();
  /** Sockets handed to an upgrade route: the server no longer tracks them, so close() ends them. */
  private readonly upgraded = new Set<Duplex>();

  constructor(private readonly activity: Activity) {}

  route(route: ServiceRoute): void {
    this.routes.set(route.prefix, route);
  }

  /** Serves requests whose path starts with `prefix` (and carry no X-Amz-Target); the handler sees the rest. */
  restRoute(prefix: string, handle: RestService): void {
    this.restRoutes.set(prefix, handle);
  }

  /** Serves form-encoded query-protocol requests signed for `service` (the SigV4 signing name, e.g. `sts`). */
  queryRoute(service: string, handle: QueryService): void {
    this.queryRoutes.set(service, handle);
  }

  /** Serves requests under `prefix` with `handle`, which reads the request and answers it itself. */
  rawRoute(prefix: string, handle: RawService): void {
    this.rawRoutes.set(prefix, handle);
  }

  /** Hands WebSocket upgrade requests under `prefix` to `handle`; any other upgrade is answered 404. */
  upgradeRoute(prefix: string, handle: UpgradeService): void {
    this.upgradeRoutes.set(prefix, handle);
  }

  async listen(port = 0): Promise<string> {
    const server = createServer((request, response) => {
      this.activity.begin();
      response.once('close', () => this.activity.end());
      void this.serve(request, response);
    });
    this.server = server;
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = request.url ?? '/';
      const handle = [...this.upgradeRoutes].find(([prefix]) => under(url, prefix))?.[1];
      if (handle === undefined) {
        socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
        return;
      }
      this.upgraded.add(socket);
      socket.once('close', () => this.upgraded.delete(socket));
      handle(request, socket, head);
    });
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const { port: bound } = server.address() as AddressInfo;
    return `http://127.0.0.1:${bound}`;
  }

  /**
   * The same routes over cleartext HTTP/2 (prior knowledge): the SDK's Bedrock runtime client speaks HTTP/2 only.
   */
  async listenHttp2(): Promise<string> {
    const http2 = createHttp2Server((request, response) => {
      this.activity.begin();
      response.once('close', () => this.activity.end());
      void this.serve(request as unknown as IncomingMessage, response as unknown as ServerResponse);
    });
    this.http2 = http2;
    await new Promise<void>((resolve) => http2.listen(0, '127.0.0.1', resolve));
    const { port } = http2.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    if (this.http2) {
      const http2 = this.http2;
      this.http2 = undefined;
      await new Promise<void>((resolve) => http2.close(() => resolve()));
    }
    const server = this.server;
    if (!server) return;
    for (const socket of this.upgraded) socket.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async serveRest(request: IncomingMessage, response: ServerResponse, text: string): Promise<void> {
    const url = request.url ?? '/';
    const [prefix, route] =
      [...this.restRoutes].find(([p]) => url === p || url.startsWith(`${p}/`) || url.startsWith(`${p}?`)) ??
      [];
    const send = (
      status: number,
      body: unknown,
      errorType?: string,
      raw?: Uint8Array,
      headers: Record<string, string> = {},
    ) => {
      const payload = raw ?? (body === undefined ? '' : JSON.stringify(body));
      response.writeHead(status, {
        'content-type': 'application/json',
        ...headers,
        'content-length': Buffer.byteLength(payload),
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      });
      response.end(request.method === 'HEAD' ? undefined : payload);
    };
    if (prefix === undefined || route === undefined) {
      send(404, { message: `The sandbox serves nothing at ${url}.` }, 'ResourceNotFoundException');
      return;
    }
    let body: unknown;
    try {
      body = text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      send(400, { message: 'The request body is not valid JSON.' }, 'ValidationException');
      return;
    }
    try {
      const result = await route(request.method ?? 'GET', url.slice(prefix.length) || '/', body);
      send(result.status, result.body, result.errorType, result.raw, result.headers);
    } catch (error) {
      send(500, { message: (error as Error).message }, 'InternalServerException');
    }
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = request.url ?? '/';
    const raw = [...this.rawRoutes].find(([prefix]) => under(url, prefix))?.[1];
    if (raw !== undefined) {
      await raw(request, response, Buffer.concat(chunks)).catch((error: unknown) => {
        if (response.headersSent) {
          response.end();
          return;
        }
        const text = JSON.stringify({ message: (error as Error).message });
        response.writeHead(500, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
          'x-amzn-errortype': 'InternalServerErrorException',
        });
        response.end(text);
      });
      return;
    }
    const target = String(request.headers['x-amz-target'] ?? '');
    const scope = signatureScopeOf(request.headers.authorization);
    const query = scope && !target ? this.queryRoutes.get(scope.service) : undefined;
    if (query && String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
      const { status, xml } = await query(
        new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
        scope?.accessKeyId,
      ).catch((error: unknown) => ({
        status: 500,
        xml: `<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>${(error instanceof Error ? error.message : String(error)).replace(/[<&>]/g, ' ')}</Message></Error></ErrorResponse>`,
      }));
      response.writeHead(status, {
        'content-type': 'text/xml',
        'content-length': Buffer.byteLength(xml),
        'x-amzn-requestid': `sandbox-${Date.now().toString(36)}`,
      });
      response.end(xml);
      return;
    }
    if (!target) {
      await this.serveRest(request, response, Buffer.concat(chunks).toString('utf8'));
      return;
    }
    const [prefix = '', operation = ''] = target.split('.');
    const route = this.routes.get(prefix);
    const contentType = `application/x-amz-json-${route?.jsonVersion ?? '1.1'}`;
    const reply = (status: number, body: unknown, errorType?: string) => {
      const text = JSON.stringify(body);
      response.writeHead(status, {
        'content-type': contentType,
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': `sandbox-${Date.now().toString(36)}`,
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      });
      response.end(text);
    };
    if (!route) {
      reply(
        400,
        { __type: 'UnknownOperationException', message: `The sandbox serves no target "${target}".` },
        'UnknownOperationException',
      );
      return;
    }
    let body: Record<string, unknown>;
    try {
      const text = Buffer.concat(chunks).toString('utf8');
      body = text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      reply(
        400,
        { __type: 'SerializationException', message: 'The request body is not valid JSON.' },
        'SerializationException',
      );
      return;
    }
    try {
      const traceHeader = request.headers['x-amzn-trace-id'];
      reply(
        200,
        (await route.handle(operation, body, typeof traceHeader === 'string' ? traceHeader : undefined)) ??
          {},
      );
    } catch (error) {
      const e = error as Error;
      const name = e.name && e.name !== 'Error' ? e.name : 'InternalFailure';
      reply(name === 'InternalFailure' ? 500 : 400, { __type: name, message: e.message }, name);
    }
  }
}
