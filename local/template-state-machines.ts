import type { LocalStepFunctions } from './stepfunctions/local-step-functions';
import type { ResolvedTemplate } from './template';

const str = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/**
 * The template's state machines on the sandbox's Step Functions: each definition with its
 * `DefinitionSubstitutions` applied (as CloudFormation applies them), its type, role and tracing.
 */
export function createTemplateStateMachines(template: ResolvedTemplate, sfn: LocalStepFunctions): void {
  for (const [logicalId, resource] of template.resourcesOfType('AWS::StepFunctions::StateMachine')) {
    const p = resource.Properties ?? {};
    let definition = str(template.resolve(p.DefinitionString ?? p.Definition));
    const substitutions = template.resolve(p.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(substitutions))
      definition = definition.split(`\${${key}}`).join(String(value));
    sfn.createStateMachine({
      stateMachineArn: template.arn(logicalId),
      name: template.physicalName(logicalId),
      definition,
      type: p.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
      ...(p.RoleArn === undefined ? {} : { roleArn: String(template.resolve(p.RoleArn)) }),
      tracingEnabled: (p.TracingConfiguration as { Enabled?: unknown } | undefined)?.Enabled === true,
    });
  }
}
