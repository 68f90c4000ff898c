import type { ResolvedTemplate } from '../template';

/** A route of an HTTP API, from the template's `AWS::ApiGatewayV2::Route` and its integration. */
export interface HttpApiRoute {
  /** `GET /incidents/{id}/timeline`, `ANY /{proxy+}` or `$default`. */
  readonly routeKey: string;
  readonly method: string;
  /** The route's path template; absent for `$default`. */
  readonly path?: string;
  /** `NONE` or `AWS_IAM` (the sandbox serves no JWT or Lambda authorizer). */
  readonly authorizationType: string;
  /** The Lambda function ARN of its `AWS_PROXY` integration. */
  readonly functionArn: string;
  readonly payloadFormatVersion: string;
}

/** An HTTP API of the template (`AWS::ApiGatewayV2::Api`, `ProtocolType: HTTP`) with its routes. */
export interface HttpApiDefinition {
  readonly logicalId: string;
  /** Its `Name`, else its logical id. */
  readonly name: string;
  /** The sandbox's api id (its logical id, as `Ref` resolves it here). */
  readonly apiId: string;
  readonly routes: readonly HttpApiRoute[];
}

/** A route key the sandbox cannot serve, or an integration other than Lambda proxy: the message names it. */
class HttpApiTemplateError extends Error {
  override readonly name = 'HttpApiTemplateError';
}

const text = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : fallback);

/** The template's HTTP APIs, their routes and Lambda proxy integrations. */
export function httpApisOf(template: ResolvedTemplate): HttpApiDefinition[] {
  const integrations = new Map<string, { functionArn: string; payloadFormatVersion: string }>();
  for (const [logicalId, resource] of template.resourcesOfType('AWS::ApiGatewayV2::Integration')) {
    const p = template.resolve(resource.Properties ?? {}) as Record<string, unknown>;
    if (p.IntegrationType !== 'AWS_PROXY' || !String(p.IntegrationUri).includes(':lambda:')) {
      throw new HttpApiTemplateError(
        `${logicalId}: the sandbox serves Lambda proxy integrations only, not ${String(p.IntegrationType)} ${String(p.IntegrationUri)}`,
      );
    }
    integrations.set(template.ref(logicalId), {
      functionArn: String(p.IntegrationUri),
      payloadFormatVersion: text(p.PayloadFormatVersion, '2.0'),
    });
  }
  const routes = template.resourcesOfType('AWS::ApiGatewayV2::Route').map(([logicalId, resource]) => {
    const p = template.resolve(resource.Properties ?? {}) as Record<string, unknown>;
    const routeKey = String(p.RouteKey);
    const target = text(p.Target, '');
    const integration = integrations.get(target.replace(/^integrations\//, ''));
    if (!integration) throw new HttpApiTemplateError(`${logicalId}: no Lambda integration at "${target}"`);
    const [method = '', path] = routeKey === '$default' ? ['ANY'] : routeKey.split(' ');
    return {
      apiId: String(p.ApiId),
      route: {
        routeKey,
        method,
        ...(path === undefined ? {} : { path }),
        authorizationType: text(p.AuthorizationType, 'NONE'),
        ...integration,
      },
    };
  });
  return template
    .resourcesOfType('AWS::ApiGatewayV2::Api')
    .filter(([, resource]) => resource.Properties?.ProtocolType === 'HTTP')
    .map(([logicalId, resource]) => {
      const apiId = template.ref(logicalId);
      const name = resource.Properties?.Name;
      return {
        logicalId,
        name: typeof name === 'string' ? name : logicalId,
        apiId,
        routes: routes.filter((r) => r.apiId === apiId).map((r) => r.route),
      };
    });
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The route a request matches, with its path parameters (as received: still percent-encoded). */
export function matchRoute(
  routes: readonly HttpApiRoute[],
  method: string,
  rawPath: string,
): { route: HttpApiRoute; pathParameters: Record<string, string> } | undefined {
  const candidates: {
    route: HttpApiRoute;
    pathParameters: Record<string, string>;
    score: readonly [number, number, number];
  }[] = [];
  for (const route of routes) {
    if (route.path === undefined) continue;
    if (route.method !== 'ANY' && route.method !== method) continue;
    const names: string[] = [];
    const pattern = route.path
      .split('/')
      .map((segment) => {
        const [, name, greedy] = /^\{([^}+]+)(\+?)\}$/.exec(segment) ?? [];
        if (name === undefined) return escape(segment);
        names.push(name);
        return greedy === '+' ? '(.+)' : '([^/]+)';
      })
      .join('/');
    const match = new RegExp(`^${pattern}/?$`).exec(rawPath);
    if (!match) continue;
    const literal = route.path.split('/').filter((s) => !s.startsWith('{')).length;
    const greedy = route.path.includes('+}') ? 1 : 0;
    // One capturing group per name, none optional: a match has a value for each.
    const captured: [string, string][] = [];
    for (const [i, name] of names.entries()) {
      const value = match[i + 1];
      if (value === undefined) throw new Error(`route ${route.path}: no value captured for {${name}}`);
      captured.push([name, value]);
    }
    candidates.push({
      route,
      pathParameters: Object.fromEntries(captured),
      // API Gateway prefers the most specific route: literal segments, then no greedy variable, then a method.
      score: [literal, -greedy, route.method === 'ANY' ? 0 : 1],
    });
  }
  candidates.sort(({ score: a }, { score: b }) => b[0] - a[0] || b[1] - a[1] || b[2] - a[2]);
  const best = candidates[0];
  if (best) return { route: best.route, pathParameters: best.pathParameters };
  const fallback = routes.find((route) => route.routeKey === '$default');
  return fallback ? { route: fallback, pathParameters: {} } : undefined;
}
