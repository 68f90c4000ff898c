import { alarmNotificationsOf } from '../../local/cloudwatch/alarm-actions';
import { PolicyEvaluator } from '../../local/iam/policy-evaluator';
import { ResolvedTemplate, type TemplateResource } from '../../local/template';

const ACCOUNT = '123456789012';
const TOPIC_ARN = `arn:aws:sns:us-east-1:${ACCOUNT}:Topic`;

/** What the topic policy `enforceSSL` writes: a Deny only, which replaces SNS's default policy. */
const sslOnly = {
  Sid: 'AllowPublishThroughSSLOnly',
  Effect: 'Deny',
  Principal: '*',
  Action: 'sns:Publish',
  Resource: { Ref: 'Topic' },
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
};
const alarmsMayPublish = (sourceArn: string) => ({
  Effect: 'Allow',
  Principal: { Service: 'cloudwatch.amazonaws.com' },
  Action: 'sns:Publish',
  Resource: { Ref: 'Topic' },
  Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT }, ArnLike: { 'aws:SourceArn': sourceArn } },
});
const keyAdmin = {
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
  Action: 'kms:*',
  Resource: '*',
};
const cloudWatchMayUseKey = {
  Effect: 'Allow',
  Principal: { Service: 'cloudwatch.amazonaws.com' },
  Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
  Resource: '*',
  Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
};

/** One alarm notifying one topic on ALARM and OK, with the topic policy, topic and key given. */
function templateWith(resources: Record<string, TemplateResource>): ResolvedTemplate {
  return new ResolvedTemplate(
    {
      Resources: {
        Alarm: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: {
            AlarmName: 'queue-age',
            AlarmActions: [{ Ref: 'Topic' }],
            OKActions: [{ Ref: 'Topic' }],
          },
        },
        Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
        ...resources,
      },
    },
    { region: 'us-east-1', accountId: ACCOUNT, endpoint: '' },
    '/nonexistent',
  );
}
const topicPolicy = (...statements: unknown[]): TemplateResource => ({
  Type: 'AWS::SNS::TopicPolicy',
  Properties: {
    Topics: [{ Ref: 'Topic' }],
    PolicyDocument: { Version: '2012-10-17', Statement: statements },
  },
});
const encryptedTopic = (keyId: unknown): TemplateResource => ({
  Type: 'AWS::SNS::Topic',
  Properties: { KmsMasterKeyId: keyId },
});
const key = (...statements: unknown[]): TemplateResource => ({
  Type: 'AWS::KMS::Key',
  Properties: { KeyPolicy: { Version: '2012-10-17', Statement: statements } },
});

async function notificationsOf(template: ResolvedTemplate) {
  const byAlarm = await alarmNotificationsOf(template, new PolicyEvaluator(ACCOUNT));
  return byAlarm.get('Alarm');
}

describe('alarm actions in the sandbox: a notification reaches its topic only when AWS would let CloudWatch publish', () => {
  it('delivers to a topic with SNS’s default policy (no topic policy of its own), on ALARM and on OK', async () => {
    expect(await notificationsOf(templateWith({}))).toEqual({
      ALARM: [{ action: TOPIC_ARN, delivered: true }],
      OK: [{ action: TOPIC_ARN, delivered: true }],
    });
  });

  it('refuses when a topic policy replaced the default and allows nothing to CloudWatch (enforceSSL alone)', async () => {
    const notifications = await notificationsOf(templateWith({ Policy: topicPolicy(sslOnly) }));
    expect(notifications?.ALARM).toEqual([
      {
        action: TOPIC_ARN,
        delivered: false,
        reason: `User: cloudwatch.amazonaws.com is not authorized to perform: sns:Publish on resource: ${TOPIC_ARN} because no policy allows it`,
      },
    ]);
  });

  it('delivers when the topic policy lets this account’s alarms publish, and refuses another resource’s ARN', async () => {
    const alarms = `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:*`;
    expect(
      (await notificationsOf(templateWith({ Policy: topicPolicy(sslOnly, alarmsMayPublish(alarms)) })))
        ?.ALARM,
    ).toEqual([{ action: TOPIC_ARN, delivered: true }]);
    const other = `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:other-*`;
    expect(
      (await notificationsOf(templateWith({ Policy: topicPolicy(sslOnly, alarmsMayPublish(other)) })))?.ALARM,
    ).toEqual([expect.objectContaining({ delivered: false })]);
  });

  it('refuses an encrypted topic whose key policy does not let CloudWatch use the key, or the AWS managed key', async () => {
    const withKey = (...statements: unknown[]) =>
      templateWith({ Topic: encryptedTopic({ 'Fn::GetAtt': ['Key', 'Arn'] }), Key: key(...statements) });
    expect((await notificationsOf(withKey(keyAdmin, cloudWatchMayUseKey)))?.ALARM).toEqual([
      { action: TOPIC_ARN, delivered: true },
    ]);
    expect((await notificationsOf(withKey(keyAdmin)))?.ALARM).toEqual([
      {
        action: TOPIC_ARN,
        delivered: false,
        reason: expect.stringMatching(
          /^User: cloudwatch\.amazonaws\.com is not authorized to perform: kms:GenerateDataKey/,
        ),
      },
    ]);
    const byAlias = templateWith({
      Topic: encryptedTopic('alias/ops'),
      Key: key(keyAdmin, cloudWatchMayUseKey),
      Alias: { Type: 'AWS::KMS::Alias', Properties: { AliasName: 'alias/ops', TargetKeyId: { Ref: 'Key' } } },
    });
    expect((await notificationsOf(byAlias))?.ALARM).toEqual([{ action: TOPIC_ARN, delivered: true }]);
    expect((await notificationsOf(templateWith({ Topic: encryptedTopic('alias/aws/sns') })))?.ALARM).toEqual([
      { action: TOPIC_ARN, delivered: false, reason: expect.stringContaining('alias/aws/sns') },
    ]);
  });
});
