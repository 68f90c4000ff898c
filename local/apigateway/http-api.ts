import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Activity } from '../activity';
import type { LocalSts } from '../iam/local-sts';
import { PolicyEvaluator } from '../iam/policy-evaluator';
import { TemplateIam } from '../iam/template-iam';
import type { ResolvedTemplate } from '../template';
import { corsOf, preflightHeaders, responseCorsHeaders, type CorsConfiguration } from './cors';
import { IamAuthorizationError, IamCallers, type IamCaller } from './iam-caller';
import { httpApisOf, matchRoute, type HttpApiDefinition, type HttpApiRoute } from './routes';

/** What the sandbox gives its HTTP APIs: the template, STS (to know callers) and a way to invoke a function. */
export interface HttpApiHost {
  readonly template: ResolvedTemplate;
  readonly activity: Activity;
  readonly sts: LocalSts;
  /** Invokes a function synchronously; resolves to its result, rejects with its error. */
  readonly invoke: (functionArn: string, event: unknown) => Promise<unknown>;
  /** Maps the template's CORS origins to the local ones (local/distribution-origins.ts). @default - unchanged */
  readonly rewriteUrl?: (url: string) => string;
}

/** A Lambda proxy integration's answer in payload format 2.0. */
interface ProxyResultV2 {
  statusCode?: number;
  headers?: Record<string, string | number | boolean>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
}

const TEXT_BODY = /^(application\/(json|[\w.+-]*\+json|xml|x-www-form-urlencoded|javascript)|text\/)/i;

/** `06/Dec/2026:23:52:39 +0000`, as `requestContext.time`. */
function clfTime(at: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(at.getUTCDate())}/${String(months[at.getUTCMonth()])}/${at.getUTCFullYear()}:${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())} +0000`;
}

/**
 * One HTTP API of the template served on its own loopback port, as API Gateway serves its `$default` stage: routes
 * matched by method and path, IAM authorization (SigV4 for `execute-api`, the caller's policies) on `AWS_IAM`
 * routes, and each request handed to its Lambda integration as a payload format 2.0 event.
 */
class LocalHttpApi {
  private server?: Server;
  url = '';
  /** The API's `CorsConfiguration`: preflights answered before routing and authorization, as API Gateway does. */
  private readonly cors: CorsConfiguration | undefined;

  constructor(
    readonly definition: HttpApiDefinition,
    private readonly host: HttpApiHost,
    private readonly callers: IamCallers,
  ) {
    this.cors = corsOf(host.template, definition.logicalId, host.rewriteUrl);
  }

  async listen(): Promise<string> {
    const server = createServer((request, response) => {
      this.host.activity.begin();
      response.once('close', () => this.host.activity.end());
      this.serve(request, response).catch((error: unknown) => {
        if (!response.headersSent) this.reply(response, 500, { message: 'Internal Server Error' });
        console.warn(`HTTP API ${this.definition.name}: ${(error as Error).message}`);
      });
    });
    this.server = server;
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private reply(
    response: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) {
    const text = JSON.stringify(body);
    response.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'apigw-requestid': randomUUID(),
      ...headers,
    });
    response.end(text);
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = request.url ?? '/';
    const queryAt = url.indexOf('?');
    const rawPath = queryAt < 0 ? url : url.slice(0, queryAt);
    const rawQueryString = queryAt < 0 ? '' : url.slice(queryAt + 1);
    const method = request.method ?? 'GET';
    const origin = request.headers.origin;
    if (this.cors !== undefined && origin !== undefined) {
      const preflight = request.headers['access-control-request-method'];
      if (method === 'OPTIONS' && preflight !== undefined) {
        const headers = preflightHeaders(
          this.cors,
          origin,
          preflight,
          request.headers['access-control-request-headers'] ?? '',
        );
        response.writeHead(204, { ...headers, 'apigw-requestid': randomUUID() }).end();
        return;
      }
      for (const [name, value] of Object.entries(responseCorsHeaders(this.cors, origin))) {
        response.setHeader(name, value);
      }
    }
    const matched = matchRoute(this.definition.routes, method, rawPath);
    if (!matched) {
      this.reply(response, 404, { message: 'Not Found' });
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    let caller: IamCaller | undefined;
    if (matched.route.authorizationType === 'AWS_IAM') {
      try {
        caller = await this.callers.authorize(
          { method, host: headers.host ?? '', rawPath, rawQueryString, headers, body },
          this.routeArn(method, rawPath),
        );
      } catch (error) {
        if (!(error instanceof IamAuthorizationError)) throw error;
        this.reply(
          response,
          error.status,
          { message: error.message },
          { 'x-amzn-errortype': 'ForbiddenException' },
        );
        return;
      }
    } else if (matched.route.authorizationType !== 'NONE') {
      this.reply(response, 500, {
        message: `The sandbox serves AWS_IAM and NONE authorization, not ${matched.route.authorizationType}`,
      });
      return;
    }
    const event = this.eventOf(matched.route, matched.pathParameters, {
      method,
      rawPath,
      rawQueryString,
      headers,
      body,
      sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
      caller,
    });
    let result: unknown;
    try {
      result = await this.host.invoke(matched.route.functionArn, event);
    } catch {
      // API Gateway answers a failed integration without its error: the function's logs have it.
      this.reply(response, 500, { message: 'Internal Server Error' });
      return;
    }
    this.send(response, result);
  }

  /** `arn:aws:execute-api:<region>:<account>:<api id>/$default/<METHOD>/<path>`: what IAM authorizes. */
  private routeArn(method: string, rawPath: string): string {
    const { region, accountId } = this.host.template.env;
    return `arn:aws:execute-api:${region}:${accountId}:${this.definition.apiId}/$default/${method}${rawPath}`;
  }

  private eventOf(
    route: HttpApiRoute,
    pathParameters: Record<string, string>,
    request: {
      method: string;
      rawPath: string;
      rawQueryString: string;
      headers: Record<string, string>;
      body: Buffer;
      sourceIp: string;
      caller?: IamCaller | undefined;
    },
  ): Record<string, unknown> {
    const now = new Date();
    const { headers } = request;
    const query: Record<string, string> = {};
    for (const [name, value] of new URLSearchParams(request.rawQueryString)) {
      query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
    }
    const cookies = headers.cookie?.split(/;\s*/).filter(Boolean);
    const { cookie: _cookie, ...eventHeaders } = headers;
    const text = request.body.length === 0 || TEXT_BODY.test(headers['content-type'] ?? '');
    const host = headers.host ?? this.url.replace(/^http:\/\//, '');
    return {
      version: '2.0',
      routeKey: route.routeKey,
      rawPath: request.rawPath,
      rawQueryString: request.rawQueryString,
      ...(cookies && cookies.length > 0 ? { cookies } : {}),
      headers: eventHeaders,
      ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
      requestContext: {
        accountId: this.host.template.env.accountId,
        apiId: this.definition.apiId,
        ...(request.caller
          ? {
              authorizer: {
                iam: {
                  ...request.caller,
                  // Set for a Cognito identity pool's credentials (the console's operators), else null.
                  cognitoIdentity: request.caller.cognitoIdentity ?? null,
                  principalOrgId: null,
                },
              },
            }
          : {}),
        domainName: host,
        domainPrefix: host.split('.')[0],
        http: {
          method: request.method,
          path: request.rawPath,
          protocol: 'HTTP/1.1',
          sourceIp: request.sourceIp,
          userAgent: headers['user-agent'] ?? '',
        },
        requestId: randomUUID(),
        routeKey: route.routeKey,
        stage: '$default',
        time: clfTime(now),
        timeEpoch: now.getTime(),
      },
      ...(Object.keys(pathParameters).length > 0
        ? {
            pathParameters: Object.fromEntries(
              Object.entries(pathParameters).map(([name, value]) => [name, decodeURIComponent(value)]),
            ),
          }
        : {}),
      ...(request.body.length > 0
        ? { body: text ? request.body.toString('utf8') : request.body.toString('base64') }
        : {}),
      isBase64Encoded: !text,
    };
  }

  /** Payload format 2.0: a result with `statusCode` is the response; anything else is a 200 JSON body. */
  private send(response: ServerResponse, result: unknown): void {
    const structured =
      typeof result === 'object' && result !== null && 'statusCode' in result
        ? (result as ProxyResultV2)
        : { statusCode: 200, body: JSON.stringify(result), headers: { 'content-type': 'application/json' } };
    const body =
      structured.body === undefined
        ? Buffer.alloc(0)
        : Buffer.from(structured.body, structured.isBase64Encoded ? 'base64' : 'utf8');
    const headers: Record<string, string | string[]> = Object.fromEntries(
      Object.entries(structured.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]),
    );
    if (structured.cookies && structured.cookies.length > 0) headers['set-cookie'] = structured.cookies;
    response.writeHead(structured.statusCode ?? 200, {
      'content-type': 'application/json',
      ...headers,
      'content-length': body.length,
      'apigw-requestid': randomUUID(),
    });
    response.end(body);
  }
}

/** Every HTTP API of the template, each on its own loopback port: `endpoints` maps each API's name to its URL. */
export class LocalHttpApis {
  private constructor(private readonly apis: readonly LocalHttpApi[]) {}

  static async start(host: HttpApiHost): Promise<LocalHttpApis> {
    const { template } = host;
    const iam = new TemplateIam(template);
    // The functions' roles: the keys the sandbox gives each function (STS knows them already).
    const roleArns = template
      .resourcesOfType('AWS::Lambda::Function')
      .map(([, resource]) => String(template.resolve(resource.Properties?.Role)));
    const callers = new IamCallers(
      host.sts,
      new PolicyEvaluator(template.env.accountId),
      iam,
      roleArns,
      template.env.accountId,
    );
    const apis = httpApisOf(template).map((definition) => new LocalHttpApi(definition, host, callers));
    const served = new LocalHttpApis(apis);
    try {
      for (const api of apis) await api.listen();
    } catch (error) {
      await served.close();
      throw error;
    }
    return served;
  }

  /** Each API's URL by its name (e.g. `proactive-agents-operator`). */
  get endpoints(): Record<string, string> {
    return Object.fromEntries(this.apis.map((api) => [api.definition.name, api.url]));
  }

  async close(): Promise<void> {
    await Promise.all(this.apis.map((api) => api.close()));
  }
}
