import type { PolicyEvaluator } from '../iam/policy-evaluator';
import { serviceMayUseKey } from '../iam/service-key-access';
import type { PolicyDocument } from '../iam/template-iam';
import type { ResolvedTemplate } from '../template';
import type { AlarmState } from './alarm-evaluator';

/** What became of one alarm action when the alarm entered a state. */
export interface AlarmNotification {
  /** The action's ARN (an SNS topic's, for every alarm of this app). */
  readonly action: string;
  readonly delivered: boolean;
  /** Why it was not delivered, worded as the alarm's history words it on AWS. */
  readonly reason?: string;
}

/** Each alarm's notifications per state it may enter: what its AlarmActions, OKActions… would make of it. */
export type AlarmNotifications = ReadonlyMap<string, Partial<Record<AlarmState, AlarmNotification[]>>>;

const ACTION_PROPERTIES: Record<AlarmState, string> = {
  ALARM: 'AlarmActions',
  OK: 'OKActions',
  INSUFFICIENT_DATA: 'InsufficientDataActions',
};

/** The principal CloudWatch publishes alarm notifications as. */
const CLOUDWATCH = 'cloudwatch.amazonaws.com';

/**
 * Whether each alarm's actions would reach their SNS topics, decided once from the template: CloudWatch publishes as
 * the service principal `cloudwatch.amazonaws.com` (aws:SourceArn the alarm's ARN, aws:SourceAccount the account),
 * so the topic's access policy must allow it — SNS's default policy does (publishing open to the account), but a
 * topic policy of the template (`AWS::SNS::TopicPolicy`, e.g. the one `enforceSSL` writes) replaces it — and an
 * encrypted topic's key must let CloudWatch use it (kms:GenerateDataKey* and kms:Decrypt in the key policy; the AWS
 * managed key `alias/aws/sns` never does: https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html). A
 * refused notification is kept with AWS's reason, as the alarm's history keeps it; the alarm changes state anyway.
 */
export async function alarmNotificationsOf(
  template: ResolvedTemplate,
  evaluator: PolicyEvaluator,
): Promise<AlarmNotifications> {
  const topicPolicies = new Map<string, PolicyDocument>();
  for (const [, resource] of template.resourcesOfType('AWS::SNS::TopicPolicy')) {
    const p = template.resolve(resource.Properties ?? {}) as {
      PolicyDocument: PolicyDocument;
      Topics?: unknown;
    };
    for (const topic of Array.isArray(p.Topics) ? p.Topics : [])
      topicPolicies.set(String(topic), p.PolicyDocument);
  }
  const { accountId } = template.env;
  const deliver = async (alarmArn: string, action: string): Promise<AlarmNotification> => {
    if (!action.startsWith('arn:aws:sns:')) {
      return { action, delivered: false, reason: `the sandbox runs SNS actions only, not ${action}` };
    }
    const topicId = template.logicalIdOf(action);
    const topic = topicId === undefined ? undefined : template.resource(topicId);
    if (topicId === undefined || topic?.Type !== 'AWS::SNS::Topic') {
      return { action, delivered: false, reason: `no topic ${action} in the template` };
    }
    const context = {
      'aws:SourceAccount': accountId,
      'aws:SourceArn': alarmArn,
      'aws:SecureTransport': 'true',
    };
    const topicPolicy = topicPolicies.get(action);
    if (topicPolicy) {
      const decision = await evaluator.evaluate({
        principal: CLOUDWATCH,
        action: 'sns:Publish',
        resource: action,
        identityPolicies: [],
        resourcePolicy: topicPolicy,
        context,
      });
      if (!decision.allowed) return { action, delivered: false, reason: decision.reason };
    }
    const keyId = (template.resolve(topic.Properties ?? {}) as { KmsMasterKeyId?: unknown }).KmsMasterKeyId;
    if (keyId === undefined) return { action, delivered: true };
    const key = await serviceMayUseKey(template, evaluator, CLOUDWATCH, keyId, context);
    if (!key.allowed) return { action, delivered: false, reason: key.reason };
    return { action, delivered: true };
  };

  const notifications = new Map<string, Partial<Record<AlarmState, AlarmNotification[]>>>();
  for (const [logicalId, resource] of template.resourcesOfType('AWS::CloudWatch::Alarm')) {
    const properties = template.resolve(resource.Properties ?? {}) as Record<string, unknown>;
    const alarmArn = template.arn(logicalId);
    const byState: Partial<Record<AlarmState, AlarmNotification[]>> = {};
    // An alarm's ALARM and OK actions are usually the same topic: decided once.
    const decided = new Map<string, AlarmNotification>();
    for (const [state, property] of Object.entries(ACTION_PROPERTIES) as [AlarmState, string][]) {
      const actions = properties[property];
      if (!Array.isArray(actions) || actions.length === 0) continue;
      const delivered: AlarmNotification[] = [];
      for (const action of actions.map(String)) {
        const notification = decided.get(action) ?? (await deliver(alarmArn, action));
        decided.set(action, notification);
        delivered.push(notification);
      }
      byState[state] = delivered;
    }
    notifications.set(logicalId, byState);
  }
  return notifications;
}
