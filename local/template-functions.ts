import * as path from 'node:path';
import { asEnvironment, sandboxFunctionEnvironment } from './function-environment';
import { checkEnvironmentSize, LocalFunction } from './lambda/local-function';
import { ResolvedTemplate } from './template';
import type { SandboxTracing } from './xray/sandbox-tracing';

/** Where the template's functions run: the sandbox's endpoints, credentials, tracing, logs and metrics. */
export interface TemplateFunctionsContext {
  readonly region: string;
  /** The sandbox's AWS-compatible endpoint (HTTP/1.1). */
  readonly endpoint: string;
  /** The same endpoint over cleartext HTTP/2 (Bedrock runtime's client speaks only HTTP/2). */
  readonly http2Endpoint: string;
  /** DynamoDB (dynalite, in its own thread). */
  readonly dynamoUrl: string;
  /** The access key id STS knows a role by: each function signs as its role. */
  accessKeyFor(roleArn: string): string | undefined;
  /** X-Ray, when the sandbox collects traces: traced functions are those whose TracingConfig says so. */
  readonly traces: SandboxTracing | undefined;
  /** Where each function's log file goes; none: logs are discarded. */
  readonly logDir: string | undefined;
  /** Each line a function writes to stdout (Powertools Metrics writes EMF records there). */
  onStdout(line: string): void;
}

/**
 * The template's Lambda functions by logical id, each a worker-thread runtime with the environment Lambda would
 * give it; a function whose variables exceed Lambda's 4 KB is refused, as CreateFunction refuses it.
 */
export function createTemplateFunctions(
  template: ResolvedTemplate,
  context: TemplateFunctionsContext,
): Map<string, LocalFunction> {
  const { region } = context;
  // Environment sizes are measured with queue URLs as AWS spells them, not with the sandbox's loopback address
  // (whose port varies). Referenced names stay the sandbox's (logical ids), which are shorter than the names
  // CloudFormation generates: a function within a few dozen bytes per reference of 4 KB may pass here only.
  const awsShaped = new ResolvedTemplate(
    template.template,
    { ...template.env, endpoint: `https://sqs.${region}.amazonaws.com` },
    template.assemblyDir,
  );
  const functions = new Map<string, LocalFunction>();
  for (const [logicalId, resource] of template.resourcesOfType('AWS::Lambda::Function')) {
    const p = resource.Properties ?? {};
    const templateVariables = (p.Environment as { Variables?: unknown } | undefined)?.Variables ?? {};
    const variables = template.resolve(templateVariables) as Record<string, unknown>;
    const functionName = template.physicalName(logicalId);
    const memorySize = Number(p.MemorySize ?? 128);
    const timeoutSeconds = Number(p.Timeout ?? 3);
    // CreateFunction refuses a function whose variables exceed 4 KB (the ones the sandbox adds are Lambda's own).
    checkEnvironmentSize(functionName, asEnvironment(awsShaped.resolve(templateVariables)));
    const environment = sandboxFunctionEnvironment(asEnvironment(variables), {
      region,
      functionName,
      memorySize,
      // Signed as the function's role: STS knows the caller by its access key id.
      accessKeyId: context.accessKeyFor(String(template.resolve(p.Role))) ?? 'sandbox',
      endpoint: context.endpoint,
      http2Endpoint: context.http2Endpoint,
      dynamoUrl: context.dynamoUrl,
    });
    const codeDir = template.assetDir(logicalId);
    const handler = typeof p.Handler === 'string' ? p.Handler : 'index.handler';
    // X-Ray (option `traces`): the function's TracingConfig decides, as on AWS.
    const mode = (p.TracingConfig as { Mode?: unknown } | undefined)?.Mode;
    const tracingMode = mode === 'Active' || mode === 'PassThrough' ? mode : undefined;
    const traces = tracingMode ? context.traces : undefined;
    if (traces) Object.assign(environment, traces.functionEnvironment(codeDir, handler));
    const fn = new LocalFunction(
      {
        functionName,
        functionArn: template.arn(logicalId),
        codeDir,
        handler,
        timeoutSeconds,
        memorySize,
        environment,
      },
      context.logDir ? path.join(context.logDir, `${functionName}.log`) : undefined,
    );
    fn.onStdout = (line) => context.onStdout(line);
    if (traces && tracingMode) fn.tracing = traces.forFunction(fn.config, tracingMode);
    functions.set(logicalId, fn);
  }
  return functions;
}
