import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Activity } from '../activity';
import type { LocalSts } from '../iam/local-sts';
import { PolicyEvaluator } from '../iam/policy-evaluator';
import { TemplateIam } from '../iam/template-iam';
import type { ResolvedTemplate } from '../template';
import { manageConnection } from './connection-management';
import { EXECUTE_API_PATH } from './execute-api-url';
import { IamCallers } from './iam-caller';
import { LocalWebSocketApi } from './websocket-api';
import { ExecuteApiPolicies } from './websocket-route-policy';
import { webSocketApisOf } from './websocket-routes';

/** The routes of the sandbox endpoint the WebSocket APIs are served on (local/endpoint.ts). */
interface WebSocketMount {
  upgradeRoute(
    prefix: string,
    handle: (request: IncomingMessage, socket: Duplex, head: Buffer) => void,
  ): void;
  rawRoute(
    prefix: string,
    handle: (request: IncomingMessage, response: ServerResponse, body: Buffer) => Promise<void>,
  ): void;
}

/** What the sandbox gives its WebSocket APIs: the template, STS (to know callers), its endpoint, invocation. */
export interface WebSocketApisHost {
  readonly template: ResolvedTemplate;
  readonly activity: Activity;
  readonly sts: LocalSts;
  /** The endpoint's routes, and its URL (`http://127.0.0.1:<port>`). */
  readonly mount: WebSocketMount;
  readonly endpointUrl: string;
  /** Invokes a function synchronously; resolves to its result, rejects with its error. */
  readonly invoke: (functionArn: string, event: unknown) => Promise<unknown>;
}

/** One stage of a WebSocket API as the sandbox serves it. */
export interface ServedStage {
  /** The API's `Name`. */
  readonly name: string;
  readonly stage: string;
  /** `ws://127.0.0.1:<port>/execute-api/<api id>/<stage>`: what a console connects to (presigned). */
  readonly url: string;
  /** `$connect`'s authorization type, or `none` when the API has no `$connect` route. */
  readonly connectAuthorization: string;
}

/**
 * Every WebSocket API of the template, served on the sandbox endpoint under `/execute-api/<api id>/<stage>`: the
 * WebSocket upgrade (`$connect`, messages, `$disconnect`, see websocket-api.ts) and, on the same path as on AWS,
 * the management API the stage's callback URL points at (`<stage>/@connections/<id>`, connection-management.ts).
 * Functions holding the callback URL are given the local one (function-environment.ts). Callers are the
 * template's roles (each function's, the console's operator role), STS's sessions and the sandbox's operator key.
 */
export class LocalWebSocketApis {
  private constructor(
    private readonly apis: readonly LocalWebSocketApi[],
    private readonly endpointUrl: string,
  ) {}

  static start(host: WebSocketApisHost): LocalWebSocketApis {
    const { template } = host;
    const { region, accountId } = template.env;
    const roleArns = template.resourcesOfType('AWS::IAM::Role').map(([logicalId]) => template.arn(logicalId));
    const callers = new IamCallers(
      host.sts,
      new ExecuteApiPolicies(new PolicyEvaluator(accountId)),
      new TemplateIam(template),
      roleArns,
      accountId,
    );
    const apis = webSocketApisOf(template).map((definition) => {
      const prefix = `${EXECUTE_API_PATH}/${encodeURIComponent(definition.apiId)}`;
      const api = new LocalWebSocketApi(
        definition,
        { region, accountId, activity: host.activity, invoke: host.invoke },
        callers,
        prefix,
      );
      host.mount.upgradeRoute(prefix, (request, socket, head) => api.upgrade(request, socket, head));
      host.mount.rawRoute(prefix, (request, response, body) =>
        manageConnection(api, callers, request, response, body),
      );
      return api;
    });
    return new LocalWebSocketApis(apis, host.endpointUrl);
  }

  /** Each API's stages with the URL a console connects to. */
  get stages(): ServedStage[] {
    const ws = this.endpointUrl.replace(/^http/, 'ws');
    return this.apis.flatMap((api) =>
      api.definition.stages.map((stage) => ({
        name: api.definition.name,
        stage,
        url: `${ws}${api.pathPrefix}/${encodeURIComponent(stage)}`,
        connectAuthorization:
          api.definition.routes.find((route) => route.routeKey === '$connect')?.authorizationType ?? 'none',
      })),
    );
  }

  /** Closes every connection (without `$disconnect`: the sandbox is stopping). */
  close(): void {
    for (const api of this.apis) api.close();
  }
}

/** One line per served stage for the sandbox's report: the URL to connect to, and how `$connect` is authorized. */
export function webSocketApiLines(apis: LocalWebSocketApis): string[] {
  return apis.stages.map(
    (stage) =>
      `WebSocket API ${stage.name} (stage ${stage.stage}): ${stage.url}` +
      (stage.connectAuthorization === 'AWS_IAM'
        ? ' — $connect needs a URL presigned (SigV4, execute-api) by a caller allowed execute-api:Invoke on it'
        : ''),
  );
}
