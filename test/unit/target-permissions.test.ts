import { DeliveryAccounting } from '../../local/accounting';
import { Activity } from '../../local/activity';
import { VirtualClock } from '../../local/clock';
import type { MetricIdentity } from '../../local/cloudwatch/metric-store';
import { LocalEventBus } from '../../local/eventbridge/bus';
import {
  targetKey,
  targetPermissionsOf,
  type TargetPermission,
} from '../../local/eventbridge/target-permissions';
import { PolicyEvaluator } from '../../local/iam/policy-evaluator';
import { TemplateIam } from '../../local/iam/template-iam';
import type { DroppedDelivery } from '../../local/sandbox-options';
import { LocalQueue, LocalSqs } from '../../local/sqs';
import { TargetDelivery } from '../../local/target-delivery';
import { ResolvedTemplate, type TemplateResource } from '../../local/template';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const RULE_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:rule/bus/Rule`;
const queueArn = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;

const sendFromRule = (queue: string, sourceArn: unknown = { 'Fn::GetAtt': ['Rule', 'Arn'] }) => ({
  Effect: 'Allow',
  Principal: { Service: 'events.amazonaws.com' },
  Action: 'sqs:SendMessage',
  Resource: { 'Fn::GetAtt': [queue, 'Arn'] },
  Condition: { ArnEquals: { 'aws:SourceArn': sourceArn } },
});
const queuePolicy = (queue: string, ...statements: unknown[]): TemplateResource => ({
  Type: 'AWS::SQS::QueuePolicy',
  Properties: { Queues: [{ Ref: queue }], PolicyDocument: { Version: '2012-10-17', Statement: statements } },
});

/** A custom bus, its rule with one target (`target`) and a dead-letter queue, and whatever else is given. */
function templateWith(target: Record<string, unknown>, resources: Record<string, TemplateResource>) {
  return new ResolvedTemplate(
    {
      Resources: {
        Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'bus' } },
        Rule: {
          Type: 'AWS::Events::Rule',
          Properties: {
            Name: 'Rule',
            EventBusName: { Ref: 'Bus' },
            EventPattern: { source: ['retail.orders'] },
            Targets: [
              { Id: 'Target0', DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['Dlq', 'Arn'] } }, ...target },
            ],
          },
        },
        Dlq: { Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: true } },
        ...resources,
      },
    },
    { region: REGION, accountId: ACCOUNT, endpoint: 'http://127.0.0.1:1' },
    '/nonexistent',
  );
}

async function permissionOf(template: ResolvedTemplate): Promise<TargetPermission | undefined> {
  return (await targetPermissionsOf(template, new TemplateIam(template), new PolicyEvaluator(ACCOUNT))).get(
    targetKey('Rule', 'Target0'),
  );
}

const queueTarget = { Arn: { 'Fn::GetAtt': ['Buffer', 'Arn'] } };
const buffer: TemplateResource = { Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: true } };
const dlqPolicy = queuePolicy('Dlq', sendFromRule('Dlq'));

describe('EventBridge target permissions in the sandbox, decided by IAM evaluation of the template’s policies', () => {
  it('delivers to a queue whose policy lets this rule send, and refuses a queue without one or for another rule', async () => {
    const allowed = templateWith(queueTarget, {
      Buffer: buffer,
      Policy: queuePolicy('Buffer', sendFromRule('Buffer')),
      dlqPolicy,
    });
    expect(await permissionOf(allowed)).toEqual({});
    // No queue policy: a queue's default lets only its own account's principals send, never a service.
    expect(await permissionOf(templateWith(queueTarget, { Buffer: buffer, dlqPolicy }))).toEqual({
      refused: {
        errorCode: 'NO_PERMISSIONS',
        errorMessage: expect.stringContaining(`sqs:SendMessage on resource: ${queueArn('Buffer')}`),
      },
    });
    const otherRule = queuePolicy('Buffer', sendFromRule('Buffer', `${RULE_ARN}-other`));
    expect(
      (await permissionOf(templateWith(queueTarget, { Buffer: buffer, Policy: otherRule, dlqPolicy })))
        ?.refused,
    ).toMatchObject({ errorCode: 'NO_PERMISSIONS' });
  });

  it('invokes a function only with a Lambda permission for events.amazonaws.com from this rule', async () => {
    const fn: TemplateResource = { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'agent' } };
    const target = { Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] } };
    const permission = (sourceArn: unknown): TemplateResource => ({
      Type: 'AWS::Lambda::Permission',
      Properties: {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': ['Fn', 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: sourceArn,
      },
    });
    expect(
      await permissionOf(
        templateWith(target, {
          Fn: fn,
          Permission: permission({ 'Fn::GetAtt': ['Rule', 'Arn'] }),
          dlqPolicy,
        }),
      ),
    ).toEqual({});
    expect((await permissionOf(templateWith(target, { Fn: fn, dlqPolicy })))?.refused).toMatchObject({
      errorCode: 'NO_PERMISSIONS',
      errorMessage: expect.stringContaining('lambda:InvokeFunction'),
    });
    expect(
      (
        await permissionOf(
          templateWith(target, { Fn: fn, Permission: permission(`${RULE_ARN}-other`), dlqPolicy }),
        )
      )?.refused,
    ).toMatchObject({ errorCode: 'NO_PERMISSIONS' });
  });

  it('starts executions with the target role: one EventBridge may assume and that may StartExecution', async () => {
    const machine: TemplateResource = {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: { StateMachineName: 'saga' },
    };
    const role = (service: string, actions: string[]): TemplateResource => ({
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: 'events-role',
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
        },
        Policies: [
          {
            PolicyName: 'start',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: actions, Resource: { Ref: 'Machine' } }],
            },
          },
        ],
      },
    });
    const target = { Arn: { Ref: 'Machine' }, RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] } };
    const withRole = (r: TemplateResource) => templateWith(target, { Machine: machine, Role: r, dlqPolicy });
    expect(await permissionOf(withRole(role('events.amazonaws.com', ['states:StartExecution'])))).toEqual({});
    expect(
      (await permissionOf(withRole(role('lambda.amazonaws.com', ['states:StartExecution']))))?.refused,
    ).toMatchObject({
      errorCode: 'FAILED_TO_ASSUME_ROLE',
    });
    expect(
      (await permissionOf(withRole(role('events.amazonaws.com', ['states:DescribeExecution']))))?.refused,
    ).toMatchObject({
      errorCode: 'NO_PERMISSIONS',
      errorMessage: expect.stringContaining('states:StartExecution'),
    });
    expect(
      (await permissionOf(templateWith({ Arn: { Ref: 'Machine' } }, { Machine: machine, dlqPolicy })))
        ?.refused,
    ).toMatchObject({ errorCode: 'FAILED_TO_ASSUME_ROLE', errorMessage: expect.stringContaining('RoleArn') });
  });

  it('sends to a queue encrypted with a customer managed key only when its key policy lets EventBridge use it', async () => {
    const key = (...statements: unknown[]): TemplateResource => ({
      Type: 'AWS::KMS::Key',
      Properties: { KeyPolicy: { Version: '2012-10-17', Statement: statements } },
    });
    const encrypted: TemplateResource = {
      Type: 'AWS::SQS::Queue',
      Properties: { KmsMasterKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } },
    };
    const eventsMayUseKey = {
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
    };
    const policy = queuePolicy('Buffer', sendFromRule('Buffer'));
    expect(
      await permissionOf(
        templateWith(queueTarget, {
          Buffer: encrypted,
          Key: key(eventsMayUseKey),
          Policy: policy,
          dlqPolicy,
        }),
      ),
    ).toEqual({});
    expect(
      (
        await permissionOf(
          templateWith(queueTarget, { Buffer: encrypted, Key: key(), Policy: policy, dlqPolicy }),
        )
      )?.refused,
    ).toMatchObject({
      errorCode: 'NO_PERMISSIONS',
      errorMessage: expect.stringContaining('kms:GenerateDataKey'),
    });
    const managed: TemplateResource = {
      Type: 'AWS::SQS::Queue',
      Properties: { KmsMasterKeyId: 'alias/aws/sqs' },
    };
    expect(
      (await permissionOf(templateWith(queueTarget, { Buffer: managed, Policy: policy, dlqPolicy })))
        ?.refused,
    ).toMatchObject({ errorCode: 'NO_PERMISSIONS', errorMessage: expect.stringContaining('alias/aws/sqs') });
  });

  it('names a dead-letter queue whose policy refuses EventBridge', async () => {
    const allowed = queuePolicy('Buffer', sendFromRule('Buffer'));
    expect(await permissionOf(templateWith(queueTarget, { Buffer: buffer, Policy: allowed }))).toEqual({
      deadLetterRefused: expect.stringContaining(`sqs:SendMessage on resource: ${queueArn('Dlq')}`),
    });
  });
});

describe('a delivery EventBridge is not permitted: not retried, kept in the DLQ with NO_PERMISSIONS, or dropped and counted', () => {
  function busDelivering(permission: TargetPermission) {
    const clock = new VirtualClock(Date.parse('2026-11-20T00:00:00Z'));
    const activity = new Activity();
    const sqs = new LocalSqs();
    const queue = (name: string) =>
      new LocalQueue(name, queueArn(name), `http://127.0.0.1:1/${ACCOUNT}/${name}`, 30, clock);
    const [target, dlq] = [queue('Buffer'), queue('Dlq')];
    sqs.add(target);
    sqs.add(dlq);
    const metrics: MetricIdentity[] = [];
    const droppedDeliveries: DroppedDelivery[] = [];
    const delivery = new TargetDelivery({
      clock,
      activity,
      sqs,
      accounting: new DeliveryAccounting(),
      asyncConfigs: new Map(),
      consumerOfQueue: new Map(),
      functionNamed: () => undefined,
      startExecution: () => undefined,
      putMetric: (metric) => metrics.push(metric),
      invocationErrors: [],
      droppedDeliveries,
    });
    const bus = new LocalEventBus(
      'bus',
      `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/bus`,
      { region: REGION, accountId: ACCOUNT },
      clock,
      activity,
      (t, input, event) => delivery.dispatch(t, input, event.id),
      delivery.deadLetterSink('bus'),
    );
    bus.addRule('Rule', { source: ['retail.orders'] }, [
      {
        id: 'Target0',
        arn: target.arn,
        deadLetterArn: dlq.arn,
        maximumRetryAttempts: 185,
        maximumEventAgeSeconds: 86_400,
        ...permission,
      },
    ]);
    bus.putEvents([
      { EventBusName: 'bus', Source: 'retail.orders', DetailType: 'order_placed', Detail: '{}' },
    ]);
    return { activity, clock, target, dlq, metrics, droppedDeliveries };
  }

  it('sends the event to the target’s DLQ at once, with the error code and reason, and never to the target', async () => {
    const refused = {
      errorCode: 'NO_PERMISSIONS' as const,
      errorMessage: 'User: events.amazonaws.com is not authorized',
    };
    const { activity, clock, target, dlq, metrics } = busDelivering({ refused });
    await activity.settled();
    expect(clock.nextTimerAt()).toBeUndefined(); // no retry scheduled
    expect(target.messages).toEqual([]);
    expect(dlq.messages).toHaveLength(1);
    expect(dlq.messages[0]!.messageAttributes).toMatchObject({
      RULE_ARN: { StringValue: RULE_ARN },
      ERROR_CODE: { StringValue: 'NO_PERMISSIONS' },
      ERROR_MESSAGE: { StringValue: refused.errorMessage },
      RETRY_ATTEMPTS: { StringValue: '0' },
    });
    expect(metrics.map((m) => m.metricName)).toEqual(['FailedInvocations']);
  });

  it('drops the event, counted in InvocationsFailedToBeSentToDlq, when the DLQ refuses EventBridge too', async () => {
    const { activity, dlq, metrics, droppedDeliveries } = busDelivering({
      refused: { errorCode: 'NO_PERMISSIONS', errorMessage: 'target refused' },
      deadLetterRefused: 'dlq refused',
    });
    await activity.settled();
    expect(dlq.messages).toEqual([]);
    expect(metrics.map((m) => m.metricName)).toEqual(['FailedInvocations', 'InvocationsFailedToBeSentToDlq']);
    expect(droppedDeliveries).toEqual([
      expect.objectContaining({
        destination: dlq.arn,
        reason: 'dlq refused',
        cause: 'NO_PERMISSIONS: target refused',
      }),
    ]);
  });
});
