import type { ResolvedTemplate } from '../template';

/** An IAM policy document as the template holds it, resolved. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly Record<string, unknown>[] | Record<string, unknown>;
}

/** A role of the template: its ARN as the sandbox names it, trust policy and identity policies. */
export interface TemplateRole {
  readonly logicalId: string;
  readonly arn: string;
  readonly trustPolicy: PolicyDocument;
  readonly identityPolicies: readonly { readonly name: string; readonly policy: PolicyDocument }[];
  /** `MaxSessionDuration` (seconds). */
  readonly maxSessionSeconds: number;
}

/**
 * The template's IAM roles with their policies: trust policies, inline `Policies`, and the `AWS::IAM::Policy`
 * resources attached to them (`Roles`). Managed policies are not read (the app attaches none to its roles).
 */
export class TemplateIam {
  private readonly roles = new Map<string, TemplateRole>();

  constructor(template: ResolvedTemplate) {
    const attached = new Map<string, { name: string; policy: PolicyDocument }[]>();
    for (const [logicalId, resource] of template.resourcesOfType('AWS::IAM::Policy')) {
      const p = template.resolve(resource.Properties ?? {}) as {
        PolicyName?: string;
        PolicyDocument: PolicyDocument;
        Roles?: string[];
      };
      for (const roleName of p.Roles ?? []) {
        const list = attached.get(roleName) ?? [];
        list.push({ name: p.PolicyName ?? logicalId, policy: p.PolicyDocument });
        attached.set(roleName, list);
      }
    }
    for (const [logicalId, resource] of template.resourcesOfType('AWS::IAM::Role')) {
      const p = template.resolve(resource.Properties ?? {}) as {
        AssumeRolePolicyDocument: PolicyDocument;
        Policies?: { PolicyName: string; PolicyDocument: PolicyDocument }[];
        MaxSessionDuration?: unknown;
      };
      const name = template.physicalName(logicalId);
      const arn = template.arn(logicalId);
      this.roles.set(arn, {
        logicalId,
        arn,
        trustPolicy: p.AssumeRolePolicyDocument,
        identityPolicies: [
          ...(p.Policies ?? []).map((inline) => ({ name: inline.PolicyName, policy: inline.PolicyDocument })),
          ...(attached.get(name) ?? []),
        ],
        maxSessionSeconds: Number(p.MaxSessionDuration ?? 3600),
      });
    }
  }

  /** The role with this ARN, if the template has it. */
  role(arn: string): TemplateRole | undefined {
    return this.roles.get(arn);
  }
}
