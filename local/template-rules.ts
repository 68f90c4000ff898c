import { archivePattern, type LocalArchive } from './eventbridge/api';
import type { RuleTarget } from './eventbridge/bus';
import type { ResolvedTemplate } from './template';

/** An enabled rule of the bus, as the template declares it. */
export interface TemplateRule {
  readonly name: string;
  readonly pattern: unknown;
  readonly targets: RuleTarget[];
}

/**
 * The enabled rules of one bus with their targets: input, input path or transformer, retry policy (EventBridge's
 * defaults where the template has none: 185 attempts, 24 hours) and dead-letter queue.
 */
export function templateRules(
  template: ResolvedTemplate,
  bus: { name: string; arn: string },
): TemplateRule[] {
  const rules: TemplateRule[] = [];
  for (const [logicalId, resource] of template.resourcesOfType('AWS::Events::Rule')) {
    const p = template.resolve(resource.Properties ?? {}) as Record<string, unknown>;
    if (p.EventBusName !== bus.name && p.EventBusName !== bus.arn) continue;
    if (p.State === 'DISABLED' || !p.EventPattern) continue;
    const targets = ((p.Targets ?? []) as Record<string, unknown>[]).map((t): RuleTarget => ({
      id: String(t.Id),
      arn: String(t.Arn),
      input: t.Input as string | undefined,
      inputPath: t.InputPath as string | undefined,
      inputTransformer: t.InputTransformer
        ? {
            inputPathsMap: (t.InputTransformer as { InputPathsMap?: Record<string, string> }).InputPathsMap,
            inputTemplate: String((t.InputTransformer as { InputTemplate: unknown }).InputTemplate),
          }
        : undefined,
      maximumRetryAttempts: Number(
        (t.RetryPolicy as { MaximumRetryAttempts?: unknown } | undefined)?.MaximumRetryAttempts ?? 185,
      ),
      maximumEventAgeSeconds: Number(
        (t.RetryPolicy as { MaximumEventAgeInSeconds?: unknown } | undefined)?.MaximumEventAgeInSeconds ??
          86_400,
      ),
      deadLetterArn: (t.DeadLetterConfig as { Arn?: string } | undefined)?.Arn,
    }));
    rules.push({ name: typeof p.Name === 'string' ? p.Name : logicalId, pattern: p.EventPattern, targets });
  }
  return rules;
}

/** The bus's archives: name, ARN, the events they keep and for how long (0: for ever). */
export function templateArchives(
  template: ResolvedTemplate,
  region: string,
  accountId: string,
): LocalArchive[] {
  return template.resourcesOfType('AWS::Events::Archive').map(([logicalId, resource]) => {
    const p = template.resolve(resource.Properties ?? {}) as Record<string, unknown>;
    const name = typeof p.ArchiveName === 'string' ? p.ArchiveName : logicalId;
    return {
      name,
      arn: `arn:aws:events:${region}:${accountId}:archive/${name}`,
      pattern: archivePattern(p.EventPattern),
      retentionDays: Number(p.RetentionDays ?? 0),
    };
  });
}
