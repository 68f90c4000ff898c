import type { ResolvedTemplate } from '../template';

/** A route of a WebSocket API, from the template's `AWS::ApiGatewayV2::Route` and its Lambda proxy integration. */
export interface WebSocketRoute {
  /** `$connect`, `$disconnect`, `$default`, or a value of the route selection expression. */
  readonly routeKey: string;
  /** `NONE` or `AWS_IAM` (`AWS_IAM` is allowed on `$connect` only, as API Gateway allows it). */
  readonly authorizationType: string;
  /** The Lambda function ARN its integration invokes. */
  readonly functionArn: string;
}

/** A WebSocket API of the template (`AWS::ApiGatewayV2::Api`, `ProtocolType: WEBSOCKET`), its stages and routes. */
export interface WebSocketApiDefinition {
  readonly logicalId: string;
  /** Its `Name`, else its logical id. */
  readonly name: string;
  /** The sandbox's api id (its logical id, as `Ref` resolves it here). */
  readonly apiId: string;
  /** `$request.body.<field>`: which field of a JSON message names its route. */
  readonly routeSelectionExpression: string;
  /** The names of its `AWS::ApiGatewayV2::Stage`s. */
  readonly stages: readonly string[];
  readonly routes: readonly WebSocketRoute[];
}

/** Something in the template the sandbox cannot serve for a WebSocket API: the message names the resource. */
class WebSocketApiTemplateError extends Error {
  override readonly name = 'WebSocketApiTemplateError';
}

/** `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function arn>/invocations`, or the ARN itself. */
const INVOCATION_URI = /:lambda:path\/[^/]+\/functions\/(arn:[^/]+:lambda:[^/]+)\/invocations$/;

/** The function a Lambda proxy integration invokes, or undefined for any other integration. */
function functionOf(integration: Record<string, unknown>): string | undefined {
  if (integration.IntegrationType !== 'AWS_PROXY') return undefined;
  const uri = String(integration.IntegrationUri);
  const wrapped = INVOCATION_URI.exec(uri);
  if (wrapped) return wrapped[1];
  return /^arn:[^:]+:lambda:/.test(uri) ? uri : undefined;
}

/**
 * The template's WebSocket APIs with their stages, routes and Lambda proxy integrations. An integration of another
 * kind, an authorization other than NONE/AWS_IAM, or route responses (which send a function's answer back to the
 * client) are refused by name: the sandbox would serve them differently from API Gateway.
 */
export function webSocketApisOf(template: ResolvedTemplate): WebSocketApiDefinition[] {
  const apis = template
    .resourcesOfType('AWS::ApiGatewayV2::Api')
    .filter(([, resource]) => resource.Properties?.ProtocolType === 'WEBSOCKET');
  const apiIds = new Set(apis.map(([logicalId]) => template.ref(logicalId)));
  const ofWebSocketApi = (properties: Record<string, unknown>) => apiIds.has(String(properties.ApiId));

  const integrations = new Map<string, string>();
  for (const [logicalId, resource] of template.resourcesOfType('AWS::ApiGatewayV2::Integration')) {
    const p = template.resolve(resource.Properties ?? {}) as Record<string, unknown>;
    if (!ofWebSocketApi(p)) continue;
    const functionArn = functionOf(p);
    if (functionArn === undefined) {
      throw new WebSocketApiTemplateError(
        `${logicalId}: the sandbox serves Lambda proxy integrations only, not ${String(p.IntegrationType)} ${String(p.IntegrationUri)}`,
      );
    }
    integrations.set(template.ref(logicalId), functionArn);
  }
  for (const [logicalId, resource] of template.resourcesOfType('AWS::ApiGatewayV2::RouteResponse')) {
    const p = template.resolve(resource.Properties ?? {}) as Record<string, unknown>;
    if (ofWebSocketApi(p)) {
      throw new WebSocketApiTemplateError(
        `${logicalId}: the sandbox does not serve route responses (a function's answer sent back to the client)`,
      );
    }
  }
  const routes: { apiId: string; route: WebSocketRoute }[] = [];
  for (const [logicalId, resource] of template.resourcesOfType('AWS::ApiGatewayV2::Route')) {
    const p = template.resolve(resource.Properties ?? {}) as Record<string, unknown>;
    if (!ofWebSocketApi(p)) continue;
    const target = typeof p.Target === 'string' ? p.Target : '';
    const functionArn = integrations.get(target.replace(/^integrations\//, ''));
    if (functionArn === undefined) {
      throw new WebSocketApiTemplateError(`${logicalId}: no Lambda integration at "${target}"`);
    }
    const authorizationType = typeof p.AuthorizationType === 'string' ? p.AuthorizationType : 'NONE';
    if (authorizationType !== 'NONE' && authorizationType !== 'AWS_IAM') {
      throw new WebSocketApiTemplateError(
        `${logicalId}: AuthorizationType ${authorizationType}: the sandbox serves AWS_IAM and NONE`,
      );
    }
    routes.push({
      apiId: String(p.ApiId),
      route: { routeKey: String(p.RouteKey), authorizationType, functionArn },
    });
  }
  const stages = template.resourcesOfType('AWS::ApiGatewayV2::Stage').map(([, resource]) => {
    const p = template.resolve(resource.Properties ?? {}) as Record<string, unknown>;
    return { apiId: String(p.ApiId), stageName: String(p.StageName) };
  });
  return apis.map(([logicalId, resource]) => {
    const apiId = template.ref(logicalId);
    const name = template.resolve(resource.Properties?.Name);
    const selection = template.resolve(resource.Properties?.RouteSelectionExpression);
    return {
      logicalId,
      name: typeof name === 'string' ? name : logicalId,
      apiId,
      routeSelectionExpression: typeof selection === 'string' ? selection : '$request.body.action',
      stages: stages.filter((s) => s.apiId === apiId).map((s) => s.stageName),
      routes: routes.filter((r) => r.apiId === apiId).map((r) => r.route),
    };
  });
}
