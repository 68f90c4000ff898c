import type { ResolvedTemplate } from '../template';
import type { Decision, PolicyEvaluator } from './policy-evaluator';
import type { PolicyDocument } from './template-iam';

/**
 * Whether an AWS service (`cloudwatch.amazonaws.com` publishing to an encrypted topic, `events.amazonaws.com`
 * sending to an encrypted queue) may use the key a resource is encrypted with: `keyReference` is the resource's
 * key property as the template resolves it (a key id or ARN, or an alias of the template, `alias/…` or its ARN). The
 * key's policy must allow the service kms:GenerateDataKey and kms:Decrypt with the request's `context`; a key the
 * template does not hold (an AWS managed key such as `alias/aws/sns`, whose policy lets no other service use it) is
 * refused (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
 */
export async function serviceMayUseKey(
  template: ResolvedTemplate,
  evaluator: PolicyEvaluator,
  service: string,
  keyReference: unknown,
  context: Readonly<Record<string, string>>,
): Promise<Decision> {
  if (typeof keyReference !== 'string') {
    return { allowed: false, reason: `the key reference ${JSON.stringify(keyReference)} names no key` };
  }
  let key = keyReference;
  for (const [, resource] of template.resourcesOfType('AWS::KMS::Alias')) {
    const p = template.resolve(resource.Properties ?? {}) as { AliasName?: unknown; TargetKeyId?: unknown };
    if (typeof p.AliasName !== 'string' || typeof p.TargetKeyId !== 'string') continue;
    const aliasArn = `arn:aws:kms:${template.env.region}:${template.env.accountId}:${p.AliasName}`;
    if (keyReference === p.AliasName || keyReference === aliasArn) key = p.TargetKeyId;
  }
  const logicalId = template.logicalIdOf(key);
  const resource = logicalId === undefined ? undefined : template.resource(logicalId);
  if (logicalId === undefined || resource?.Type !== 'AWS::KMS::Key') {
    return {
      allowed: false,
      reason: `${service} cannot be shown to be allowed to use ${key}: no key of the template (an AWS managed key lets no other service use it)`,
    };
  }
  const keyPolicy = (template.resolve(resource.Properties ?? {}) as { KeyPolicy?: PolicyDocument }).KeyPolicy;
  if (!keyPolicy) return { allowed: false, reason: `the key ${key} has no key policy` };
  for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
    const decision = await evaluator.evaluate({
      principal: service,
      action,
      resource: template.arn(logicalId),
      identityPolicies: [],
      resourcePolicy: keyPolicy,
      context,
    });
    if (!decision.allowed) return decision;
  }
  return { allowed: true };
}
