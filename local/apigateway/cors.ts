import type { ResolvedTemplate } from '../template';

/** An HTTP API's `CorsConfiguration`, resolved (origins through the sandbox's URL rewrite). */
export interface CorsConfiguration {
  readonly allowOrigins: readonly string[];
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly maxAge?: number;
  readonly allowCredentials: boolean;
}

const list = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

/** The API's CORS configuration, or undefined when it has none (API Gateway then answers no preflight). */
export function corsOf(
  template: ResolvedTemplate,
  apiLogicalId: string,
  rewriteUrl: (url: string) => string = (url) => url,
): CorsConfiguration | undefined {
  const raw = template.resource(apiLogicalId).Properties?.CorsConfiguration;
  if (raw === undefined) return undefined;
  const p = template.resolve(raw) as Record<string, unknown>;
  return {
    allowOrigins: list(p.AllowOrigins).map(rewriteUrl),
    allowMethods: list(p.AllowMethods).map((m) => m.toUpperCase()),
    allowHeaders: list(p.AllowHeaders).map((h) => h.toLowerCase()),
    exposeHeaders: list(p.ExposeHeaders),
    ...(typeof p.MaxAge === 'number' ? { maxAge: p.MaxAge } : {}),
    allowCredentials: p.AllowCredentials === true,
  };
}

const allowed = (cors: CorsConfiguration, origin: string) =>
  cors.allowOrigins.includes('*') || cors.allowOrigins.includes(origin);

/**
 * API Gateway's answer to a CORS preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`), given
 * before routing and authorization: the allowed origin, methods and headers when the origin, the method and every
 * requested header are allowed; no CORS headers otherwise (the browser then refuses the request).
 */
export function preflightHeaders(
  cors: CorsConfiguration,
  origin: string,
  requestMethod: string,
  requestHeaders: string,
): Record<string, string> {
  const headers = requestHeaders
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const methodAllowed =
    cors.allowMethods.includes('*') || cors.allowMethods.includes(requestMethod.toUpperCase());
  const headersAllowed =
    cors.allowHeaders.includes('*') || headers.every((header) => cors.allowHeaders.includes(header));
  if (!allowed(cors, origin) || !methodAllowed || !headersAllowed) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': cors.allowMethods.join(','),
    ...(headers.length > 0 ? { 'access-control-allow-headers': cors.allowHeaders.join(',') } : {}),
    ...(cors.maxAge === undefined ? {} : { 'access-control-max-age': String(cors.maxAge) }),
    ...(cors.allowCredentials ? { 'access-control-allow-credentials': 'true' } : {}),
  };
}

/** The CORS headers API Gateway adds to an answer to an allowed origin's request. */
export function responseCorsHeaders(
  cors: CorsConfiguration,
  origin: string | undefined,
): Record<string, string> {
  if (origin === undefined || !allowed(cors, origin)) return {};
  return {
    'access-control-allow-origin': origin,
    vary: 'origin',
    ...(cors.exposeHeaders.length > 0
      ? { 'access-control-expose-headers': cors.exposeHeaders.join(',') }
      : {}),
    ...(cors.allowCredentials ? { 'access-control-allow-credentials': 'true' } : {}),
  };
}
