import { localExecuteApiUrl } from './apigateway/execute-api-url';

/** A resolved `Environment.Variables` map as Lambda keeps it: every value a string. */
export const asEnvironment = (variables: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(variables as Record<string, unknown>).map(([k, v]) => [k, String(v)]));

/** Where a function of the sandbox is, and where the sandbox's stand-ins listen. */
export interface SandboxFunctionContext {
  readonly region: string;
  readonly functionName: string;
  readonly memorySize: number;
  /** The key its requests are signed with: STS knows the function's role by it. */
  readonly accessKeyId: string;
  /** The sandbox's AWS-compatible endpoint (HTTP/1.1). */
  readonly endpoint: string;
  /** The same endpoint over cleartext HTTP/2 (Bedrock runtime's client speaks only HTTP/2). */
  readonly http2Endpoint: string;
  /** DynamoDB (dynalite, in its own thread). */
  readonly dynamoUrl: string;
}

/**
 * The environment a function runs with in the sandbox: the template's variables, what the Lambda runtime sets
 * (region, function name, memory, version), fake credentials of its role, and the AWS SDK pointed at the
 * sandbox's stand-ins service by service (`AWS_ENDPOINT_URL_*`). A variable holding an API Gateway URL (a WebSocket
 * stage's callback URL, which code hands its management API client as the endpoint, where `AWS_ENDPOINT_URL_*`
 * cannot reach) holds the sandbox's address of the same API instead.
 */
export function sandboxFunctionEnvironment(
  variables: Readonly<Record<string, string>>,
  fn: SandboxFunctionContext,
): Record<string, string> {
  return {
    ...withLocalExecuteApiUrls(variables, fn.endpoint),
    AWS_REGION: fn.region,
    AWS_DEFAULT_REGION: fn.region,
    AWS_ACCESS_KEY_ID: fn.accessKeyId,
    AWS_SECRET_ACCESS_KEY: 'sandbox',
    AWS_ENDPOINT_URL_STS: fn.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: fn.dynamoUrl,
    AWS_ENDPOINT_URL_EVENTBRIDGE: fn.endpoint,
    AWS_ENDPOINT_URL_SFN: fn.endpoint,
    AWS_ENDPOINT_URL_SQS: fn.endpoint,
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: `${fn.http2Endpoint}/bedrock`,
    AWS_ENDPOINT_URL_APPCONFIGDATA: `${fn.endpoint}/appconfigdata`,
    AWS_ENDPOINT_URL_CLOUDWATCH: fn.endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    TZ: 'UTC',
  };
}

/** The variables with each `https://<api id>.execute-api.…` URL replaced by the sandbox endpoint's address of it. */
function withLocalExecuteApiUrls(
  variables: Readonly<Record<string, string>>,
  endpoint: string,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [name, localExecuteApiUrl(value, endpoint) ?? value]),
  );
}
