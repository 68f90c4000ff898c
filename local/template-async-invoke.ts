import type { AsyncInvokeConfig } from './sandbox-options';
import type { ResolvedTemplate } from './template';

/**
 * The template's asynchronous invocation settings by function name (`AWS::Lambda::EventInvokeConfig`): retries,
 * event age and the on-failure destination, with Lambda's defaults (2 retries, 6 hours) where it says nothing.
 */
export function templateAsyncInvokeConfigs(template: ResolvedTemplate): Map<string, AsyncInvokeConfig> {
  const configs = new Map<string, AsyncInvokeConfig>();
  for (const [, resource] of template.resourcesOfType('AWS::Lambda::EventInvokeConfig')) {
    const p = template.resolve(resource.Properties ?? {}) as Record<string, unknown>;
    const destination = (p.DestinationConfig as { OnFailure?: { Destination?: string } } | undefined)
      ?.OnFailure?.Destination;
    configs.set(String(p.FunctionName), {
      maximumRetryAttempts: Number(p.MaximumRetryAttempts ?? 2),
      maximumEventAgeSeconds: Number(p.MaximumEventAgeInSeconds ?? 21_600),
      onFailureArn: destination,
    });
  }
  return configs;
}
