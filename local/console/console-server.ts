import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConsoleConfig } from '../../console/src/config';
import type { Sandbox } from '../sandbox';
import { proxyToApi } from './api-proxy';
import { LiveEvents } from './live-events';
import { serveStatic } from './static-files';
import { serveTrace } from './trace-route';

/** Where the console reads an incident's waterfall: `/local/traces/<correlationId>` (percent-encoded). */
const TRACE_ROUTE = '/local/traces/';

/** The operator API's name in the template (`InteractionApi`'s `apiName`). */
const OPERATOR_API_NAME = 'proactive-agents-operator';
/** The live events WebSocket API's name in the template (`LiveEventsApi`). */
const LIVE_API_NAME = 'proactive-agents-live';

export interface ConsoleServerOptions {
  /** The built console (`console/dist`). */
  readonly distDir: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** @default '127.0.0.1': the server signs as the operator, so it answers this machine only */
  readonly host?: string;
  /** @default OPERATOR_API_NAME */
  readonly apiName?: string;
  /**
   * AWS sign-in mode (`npm run console -- --sign-in`): `config.json` names the sandbox's Cognito stand-in (`auth`),
   * the operator HTTP API's own URL and the live WebSocket API's, so the browser signs in and signs its requests as
   * on AWS; `/api` and `/events` are not used. @default false (the server signs `/api/*` and streams `/events`)
   */
  readonly signIn?: boolean;
  /** The live events WebSocket API's name in sign-in mode. @default LIVE_API_NAME */
  readonly liveApiName?: string;
}

/**
 * The operator console in the sandbox (`npm run console`): serves the built console, its `config.json`, `/api/*`
 * as the operator HTTP API signed as the sandbox operator, `/events`, every event put on the bus as
 * server-sent events, and `/local/traces/<id>`, an incident's X-Ray waterfall from the sandbox's collector. It starts before the sandbox (so a browser opened at once sees every event), and follows
 * the sandbox once `attach`ed. In sign-in mode (`signIn`) its `config.json` sends the browser to the sandbox's own
 * APIs and Cognito stand-in instead, as the deployed console's does (served once the sandbox is attached).
 */
export class ConsoleServer {
  readonly live = new LiveEvents();
  private sandbox?: Sandbox;

  private constructor(
    private readonly server: Server,
    private readonly options: ConsoleServerOptions,
  ) {}

  static async start(options: ConsoleServerOptions): Promise<ConsoleServer> {
    const server = createServer();
    const instance = new ConsoleServer(server, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      instance.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`console server error: ${(error as Error).message}`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    return instance;
  }

  /** `http://127.0.0.1:<port>/` */
  get url(): string {
    const address = this.server.address() as AddressInfo;
    return `http://${address.address}:${address.port}/`;
  }

  /** Follows a sandbox: its bus feeds `/events`, its operator API answers `/api/*`. */
  attach(sandbox: Sandbox): void {
    this.sandbox = sandbox;
    sandbox.bus.onEvent(this.live.publish);
  }

  async close(): Promise<void> {
    this.live.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /**
   * Sign-in mode: the console reaches the sandbox's APIs and Cognito stand-in itself, as on AWS; undefined until the
   * sandbox is attached.
   */
  private signInConfig(): ConsoleConfig | undefined {
    const sandbox = this.sandbox;
    if (sandbox === undefined) return undefined;
    const apiBase = sandbox.httpApis?.endpoints[this.options.apiName ?? OPERATOR_API_NAME];
    const live = sandbox.webSocketApis?.stages.find(
      (stage) => stage.name === (this.options.liveApiName ?? LIVE_API_NAME),
    );
    if (apiBase === undefined || sandbox.cognito === undefined) {
      throw new Error('sign-in mode: the template has no operator HTTP API or no Cognito user pool');
    }
    return {
      apiBase,
      ...(live === undefined ? {} : { liveUrl: live.url }),
      region: sandbox.template.env.region,
      traces: { kind: 'local', base: '/traces/', api: TRACE_ROUTE },
      auth: sandbox.cognito.signInSettings(sandbox.endpoint),
      environment: 'sandbox · AWS sign-in',
    };
  }

  private config(): ConsoleConfig {
    return {
      apiBase: '/api',
      eventsUrl: '/events',
      region: this.sandbox?.template.env.region ?? 'us-east-1',
      traces: { kind: 'local', base: '/traces/', api: TRACE_ROUTE },
      environment: 'sandbox',
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = req.url ?? '/';
    const pathname = raw.split('?')[0] ?? '/';
    if (pathname === '/api' || pathname.startsWith('/api/')) {
      await proxyToApi(req, res, raw.slice('/api'.length) || '/', {
        target: () => this.sandbox?.httpApis?.endpoints[this.options.apiName ?? OPERATOR_API_NAME],
        region: this.sandbox?.template.env.region,
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end();
      return;
    }
    if (pathname === '/events') {
      this.live.connect(res);
      return;
    }
    if (pathname.startsWith(TRACE_ROUTE)) {
      await serveTrace(this.sandbox, pathname.slice(TRACE_ROUTE.length), res);
      return;
    }
    if (pathname === '/config.json') {
      const config = this.options.signIn === true ? this.signInConfig() : this.config();
      if (config === undefined) {
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '2' });
        res.end('the sandbox is starting: reload in a moment');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(config));
      return;
    }
    await serveStatic(this.options.distDir, pathname, res);
  }
}
