import { synthStack } from './stack-fixture';

type Alarm = {
  MetricName: string;
  Namespace: string;
  Dimensions: { Name: string; Value: unknown }[];
  Threshold: number;
  ComparisonOperator: string;
  TreatMissingData: string;
  AlarmActions: unknown[];
  OKActions: unknown[];
};

describe('Operations: alarms on by default, the operators topic and the dashboard', () => {
  const { stack, template } = synthStack();
  const id = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as never);
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
    (resource) => resource.Properties as Alarm,
  );
  /** `Namespace/MetricName` of each alarm on a resource, found by the `Ref` (or name) in its dimensions. */
  const watched = (ref: unknown) =>
    alarms
      .filter((alarm) =>
        alarm.Dimensions.some((dimension) => JSON.stringify(dimension.Value) === JSON.stringify(ref)),
      )
      .map((alarm) => `${alarm.Namespace}/${alarm.MetricName}`)
      .sort();
  const agents = Object.values(stack.agents);

  it('notifies the encrypted operators topic on every alarm and on its recovery', () => {
    const topic = { Ref: id(stack.operations.topic) };
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({
        AlarmActions: [topic],
        OKActions: [topic],
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
    const key = stack.operations.node.findChild('TopicKey') as never;
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [id(key), 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('alarms on every function: errors and throttles', () => {
    for (const agent of agents) {
      expect([agent.node.id, watched({ Ref: id(agent.function) })]).toEqual([
        agent.node.id,
        ['AWS/Lambda/Errors', 'AWS/Lambda/Throttles'],
      ]);
    }
  });

  it('alarms on every dead-letter queue holding a message, and on every stream falling behind', () => {
    const queueName = (queue: { node: { defaultChild?: unknown } }) => ({
      'Fn::GetAtt': [id(queue), 'QueueName'],
    });
    expect(watched(queueName(stack.backbone.deadLetterQueue))).toEqual([
      'AWS/SQS/ApproximateNumberOfMessagesVisible',
    ]);
    for (const agent of agents) {
      expect(watched(queueName(agent.deadLetterQueue))).toEqual([
        'AWS/SQS/ApproximateNumberOfMessagesVisible',
      ]);
      if (agent.queue) {
        expect(watched(queueName(agent.queue))).toEqual(['AWS/SQS/ApproximateAgeOfOldestMessage']);
        const age = alarms.find(
          (alarm) =>
            alarm.MetricName === 'ApproximateAgeOfOldestMessage' &&
            JSON.stringify(alarm.Dimensions).includes(id(agent.queue!)),
        )!;
        expect(age.Threshold).toBe(300);
      }
    }
  });

  it('alarms on saga executions that fail or time out, and on every rule that cannot deliver', () => {
    expect(watched({ Ref: id(stack.saga.stateMachine) })).toEqual([
      'AWS/States/ExecutionsFailed',
      'AWS/States/ExecutionsTimedOut',
    ]);
    const rules = [stack.saga.rule, ...agents.flatMap((agent) => (agent.rule ? [agent.rule] : []))];
    for (const rule of rules) expect(watched({ Ref: id(rule) })).toEqual(['AWS/Events/FailedInvocations']);
  });

  it('outputs what an operator needs after a deploy', () => {
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual([
      'DashboardName',
      // The episodic table, for `npm run trace -- <correlationId> --table <name>`.
      'EpisodicTableName',
      'EventBusName',
      'NetworkTableName',
      // The operator HTTP API's stage URL.
      'OperatorApiUrl',
      'OperatorTopicArn',
      'StateMachineArn',
    ]);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});
