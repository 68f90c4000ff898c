import type { Decision, PolicyEvaluator } from '../iam/policy-evaluator';
import { serviceMayUseKey } from '../iam/service-key-access';
import type { PolicyDocument, TemplateIam } from '../iam/template-iam';
import type { ResolvedTemplate } from '../template';

/** Why EventBridge could not deliver to a target: an error code of its dead-letter messages, and AWS's reason. */
export interface DeliveryRefusal {
  readonly errorCode: 'NO_PERMISSIONS' | 'FAILED_TO_ASSUME_ROLE';
  readonly errorMessage: string;
}

/** What the template lets EventBridge do for one target of one rule. */
export interface TargetPermission {
  /** Set when delivering to the target is refused. */
  readonly refused?: DeliveryRefusal;
  /** Set when the target's dead-letter queue refuses EventBridge: such an event is dropped, with a metric. */
  readonly deadLetterRefused?: string;
}

/** EventBridge's service principal: what it sends to queues, invokes functions and assumes target roles as. */
const EVENTS = 'events.amazonaws.com';

/** The rule and target a permission is for. */
export const targetKey = (ruleName: string, targetId: string): string => `${ruleName}\u0000${targetId}`;

/**
 * What AWS lets EventBridge do for each rule target of the template, decided once by IAM policy evaluation of its
 * policies, as AWS decides each delivery (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html):
 * - an SQS target or dead-letter queue: its queue policy (`AWS::SQS::QueuePolicy`; without one only the account's
 *   own principals may send, never a service) must let `events.amazonaws.com` send with the rule as
 *   `aws:SourceArn`, and a queue encrypted with a customer managed key must let it use the key;
 * - a Lambda target: the function's resource policy (its `AWS::Lambda::Permission`s) must let it invoke;
 * - a Step Functions target: EventBridge assumes the target's `RoleArn` (its trust policy must let it), whose
 *   policies must allow `states:StartExecution` on the state machine.
 * A refused delivery is not retried: EventBridge sends the event to the target's dead-letter queue at once, with
 * `NO_PERMISSIONS` or `FAILED_TO_ASSUME_ROLE` (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html).
 */
export async function targetPermissionsOf(
  template: ResolvedTemplate,
  iam: TemplateIam,
  evaluator: PolicyEvaluator,
): Promise<Map<string, TargetPermission>> {
  const { accountId } = template.env;
  const queuePolicies = new Map<string, PolicyDocument>();
  for (const [, resource] of template.resourcesOfType('AWS::SQS::QueuePolicy')) {
    const p = template.resolve(resource.Properties ?? {}) as {
      PolicyDocument: PolicyDocument;
      Queues?: unknown;
    };
    for (const queue of Array.isArray(p.Queues) ? p.Queues : []) {
      const logicalId = template.logicalIdOf(String(queue));
      if (logicalId !== undefined) queuePolicies.set(template.arn(logicalId), p.PolicyDocument);
    }
  }
  const functionPolicies = lambdaResourcePolicies(template);

  const allowed = async (
    action: string,
    resource: string,
    resourcePolicy: PolicyDocument | undefined,
    ruleArn: string,
  ): Promise<Decision> => {
    if (!resourcePolicy) {
      return {
        allowed: false,
        reason: `User: ${EVENTS} is not authorized to perform: ${action} on resource: ${resource} because no resource-based policy allows it`,
      };
    }
    return evaluator.evaluate({
      principal: EVENTS,
      action,
      resource,
      identityPolicies: [],
      resourcePolicy,
      context: { 'aws:SourceArn': ruleArn, 'aws:SourceAccount': accountId, 'aws:SecureTransport': 'true' },
    });
  };
  const queueAllows = async (queueArn: string, ruleArn: string): Promise<Decision> => {
    const logicalId = template.logicalIdOf(queueArn);
    if (logicalId === undefined) return { allowed: true };
    const send = await allowed('sqs:SendMessage', queueArn, queuePolicies.get(queueArn), ruleArn);
    if (!send.allowed) return send;
    const keyId = (
      template.resolve(template.resource(logicalId).Properties ?? {}) as { KmsMasterKeyId?: unknown }
    ).KmsMasterKeyId;
    if (keyId === undefined) return { allowed: true };
    return serviceMayUseKey(template, evaluator, EVENTS, keyId, {
      'aws:SourceArn': ruleArn,
      'aws:SourceAccount': accountId,
    });
  };

  const permissions = new Map<string, TargetPermission>();
  for (const [logicalId, resource] of template.resourcesOfType('AWS::Events::Rule')) {
    const p = template.resolve(resource.Properties ?? {}) as { Targets?: Record<string, unknown>[] };
    const ruleArn = template.arn(logicalId);
    const ruleName = template.physicalName(logicalId);
    for (const target of p.Targets ?? []) {
      const arn = String(target.Arn);
      const service = arn.split(':')[2];
      let decision: Decision = { allowed: true };
      let errorCode: DeliveryRefusal['errorCode'] = 'NO_PERMISSIONS';
      if (service === 'sqs') {
        decision = await queueAllows(arn, ruleArn);
      } else if (service === 'lambda') {
        const fn = template.logicalIdOf(arn);
        if (fn !== undefined) {
          decision = await allowed(
            'lambda:InvokeFunction',
            template.arn(fn),
            functionPolicies.get(fn),
            ruleArn,
          );
        }
      } else if (service === 'states') {
        const roleArn = typeof target.RoleArn === 'string' ? target.RoleArn : undefined;
        const role = roleArn === undefined ? undefined : iam.role(roleArn);
        if (!role) {
          errorCode = 'FAILED_TO_ASSUME_ROLE';
          decision = {
            allowed: false,
            reason:
              roleArn === undefined
                ? 'a Step Functions target needs a RoleArn for EventBridge to start executions with'
                : `no role ${roleArn} in the template`,
          };
        } else {
          const trust = await allowed('sts:AssumeRole', role.arn, role.trustPolicy, ruleArn);
          if (!trust.allowed) {
            errorCode = 'FAILED_TO_ASSUME_ROLE';
            decision = trust;
          } else {
            decision = await evaluator.evaluate({
              principal: role.arn,
              action: 'states:StartExecution',
              resource: arn,
              identityPolicies: role.identityPolicies,
              context: {},
            });
          }
        }
      }
      const deadLetterArn = (target.DeadLetterConfig as { Arn?: unknown } | undefined)?.Arn;
      const deadLetter =
        typeof deadLetterArn === 'string'
          ? await queueAllows(deadLetterArn, ruleArn)
          : { allowed: true as const };
      permissions.set(targetKey(ruleName, String(target.Id)), {
        ...(decision.allowed ? {} : { refused: { errorCode, errorMessage: decision.reason } }),
        ...(deadLetter.allowed ? {} : { deadLetterRefused: deadLetter.reason }),
      });
    }
  }
  return permissions;
}

/**
 * Each function's resource-based policy, as Lambda builds it from its `AWS::Lambda::Permission`s: one statement
 * per permission, a service principal or an account, `SourceArn` as `ArnLike aws:SourceArn` and `SourceAccount`
 * as `StringEquals aws:SourceAccount`.
 */
function lambdaResourcePolicies(template: ResolvedTemplate): Map<string, PolicyDocument> {
  const statements = new Map<string, Record<string, unknown>[]>();
  for (const [, resource] of template.resourcesOfType('AWS::Lambda::Permission')) {
    const p = template.resolve(resource.Properties ?? {}) as Record<string, unknown>;
    const fn = template.logicalIdOf(String(p.FunctionName));
    if (fn === undefined) continue;
    const principal = String(p.Principal);
    const condition: Record<string, Record<string, string>> = {};
    if (typeof p.SourceArn === 'string') condition.ArnLike = { 'aws:SourceArn': p.SourceArn };
    if (typeof p.SourceAccount === 'string')
      condition.StringEquals = { 'aws:SourceAccount': p.SourceAccount };
    const list = statements.get(fn) ?? [];
    list.push({
      Effect: 'Allow',
      Principal: principal.endsWith('.amazonaws.com') ? { Service: principal } : { AWS: principal },
      Action: String(p.Action),
      Resource: template.arn(fn),
      ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
    });
    statements.set(fn, list);
  }
  return new Map([...statements].map(([fn, list]) => [fn, { Version: '2012-10-17', Statement: list }]));
}
