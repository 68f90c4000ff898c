/** Where the sandbox endpoint serves API Gateway's WebSocket APIs: `<endpoint>/execute-api/<api id>/<stage>`. */
export const EXECUTE_API_PATH = '/execute-api';

/** `https://<api id>.execute-api.<region>.amazonaws.com[/<path>]`, as a template's `callbackUrl` resolves. */
const AWS_URL = /^https:\/\/([^./]+)\.execute-api\.[^./]+\.amazonaws\.com(\/[^?#]*)?$/;

/**
 * The sandbox's address for an API Gateway URL (a WebSocket stage's callback URL in a function's variables, which
 * its management API client is given as its endpoint): the same API and path under the sandbox endpoint's
 * `/execute-api/<api id>`. Undefined when `url` is not an execute-api URL.
 */
export function localExecuteApiUrl(url: string, endpoint: string): string | undefined {
  const [, apiId, path = ''] = AWS_URL.exec(url) ?? [];
  if (apiId === undefined) return undefined;
  return `${endpoint}${EXECUTE_API_PATH}/${apiId}${path}`;
}
