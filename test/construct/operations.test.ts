import { App, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ProactiveAgentsStack } from '../../lib/proactive-agents-stack';
import { remediationSagaDefinition } from '../../lib/saga-definition';
import { alarmNotificationsOf } from '../../local/cloudwatch/alarm-actions';
import { PolicyEvaluator } from '../../local/iam/policy-evaluator';
import { ResolvedTemplate, type CloudTemplate } from '../../local/template';
import { synthStack } from './stack-fixture';

type Alarm = {
  MetricName?: string;
  Namespace?: string;
  Dimensions?: { Name: string; Value: unknown }[];
  Metrics?: unknown[];
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
        (alarm.Dimensions ?? []).some((dimension) => JSON.stringify(dimension.Value) === JSON.stringify(ref)),
      )
      .map((alarm) => `${String(alarm.Namespace)}/${String(alarm.MetricName)}`)
      .sort();
  // The operator API's function and the live channel's are watched like every agent.
  const agents = [
    ...Object.values(stack.agents),
    stack.operatorApi.handler,
    stack.liveEvents.push,
    stack.liveEvents.connectionHandler,
    stack.recoveryWatch.check,
  ];
  /** The alarm with this construct id under Operations. */
  const resources = (template.toJSON() as { Resources: Record<string, { Properties: Alarm }> }).Resources;
  const alarmNamed = (name: string) => resources[id(stack.operations.node.findChild(name))]!.Properties;

  it('notifies the encrypted operators topic on every alarm and on its recovery', () => {
    const topic = { Ref: id(stack.operations.topic) };
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) {
      // A count or a rate alarms once it reaches its threshold; a KPI's bound is still met at its target.
      const kpi = ['TimeToResolution', 'RatioAfterResolution'].includes(String(alarm.MetricName));
      expect(alarm).toMatchObject({
        AlarmActions: [topic],
        OKActions: [topic],
        ComparisonOperator: kpi ? 'GreaterThanThreshold' : 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
    const key = stack.operations.node.findChild('TopicKey') as never;
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [id(key), 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('lets CloudWatch publish every alarm and recovery to the topic, through its topic policy and its key', async () => {
    // enforceSSL's topic policy replaces SNS's default one: the topic must allow the alarms itself. Decided by IAM
    // policy evaluation of the synthesized topic and key policies, as the sandbox decides each alarm action.
    const resolved = new ResolvedTemplate(
      template.toJSON() as CloudTemplate,
      { region: 'eu-west-1', accountId: '123456789012', endpoint: '' },
      '/nonexistent',
    );
    const notifications = await alarmNotificationsOf(resolved, new PolicyEvaluator('123456789012'));
    expect(notifications.size).toBe(alarms.length);
    for (const [alarm, byState] of notifications) {
      expect([alarm, byState.ALARM?.map((n) => [n.delivered, n.reason])]).toEqual([
        alarm,
        [[true, undefined]],
      ]);
      expect([alarm, byState.OK?.map((n) => [n.delivered, n.reason])]).toEqual([alarm, [[true, undefined]]]);
    }
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
            JSON.stringify(alarm.Dimensions ?? []).includes(id(agent.queue!)),
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

  it('alarms when a remediated incident gets no recovery watch: the datapoint the saga reports when it cannot start one', () => {
    // The metric and dimension the saga's ReportWatchNotStarted state writes (statemachines/remediation-saga.asl.json).
    const asl = JSON.stringify(remediationSagaDefinition());
    expect(asl).toContain('RecoveryWatchesNotStarted');
    expect(alarmNamed('RecoveryWatchNotStarted')).toEqual(
      expect.objectContaining({
        Namespace: 'ProactiveAgents',
        MetricName: 'RecoveryWatchesNotStarted',
        Dimensions: [{ Name: 'service', Value: 'remediation-saga' }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    );
  });

  it("alarms when the model refuses the planning agent's calls for its rate limit", () => {
    expect(alarmNamed('PlanningAgentModelThrottles')).toEqual(
      expect.objectContaining({
        Namespace: 'ProactiveAgents',
        MetricName: 'ModelThrottles',
        Dimensions: [{ Name: 'service', Value: 'planning-agent' }],
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 1,
      }),
    );
  });

  it('alarms when a remediation misses its KPI: resolved more than 30 minutes after its spike', () => {
    expect(alarmNamed('KpiTimeToResolution')).toEqual(
      expect.objectContaining({
        Namespace: 'ProactiveAgents',
        MetricName: 'TimeToResolution',
        Dimensions: [{ Name: 'service', Value: 'learning-agent' }],
        Statistic: 'Maximum',
        Period: 3600,
        EvaluationPeriods: 1,
        Threshold: 1800,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmDescription: expect.stringContaining('planning-agent, time-to-resolution'),
      }),
    );
  });

  it('alarms when a scope is not back to baseline: over 2× its baseline ratio in the hour after resolution', () => {
    expect(alarmNamed('KpiRatioAfterResolution')).toEqual(
      expect.objectContaining({
        Namespace: 'ProactiveAgents',
        MetricName: 'RatioAfterResolution',
        Dimensions: [{ Name: 'service', Value: 'recovery-watch' }],
        Statistic: 'Maximum',
        Period: 3600,
        EvaluationPeriods: 1,
        Threshold: 2,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmDescription: expect.stringContaining('monitoring-agent, ratio-back-to-baseline'),
      }),
    );
  });

  it('alarms on a surge of policy denials: 5 within five minutes', () => {
    expect(alarmNamed('PolicyDenialSurge')).toEqual(
      expect.objectContaining({
        Namespace: 'ProactiveAgents',
        MetricName: 'PolicyDenials',
        Dimensions: [{ Name: 'service', Value: 'policy-agent' }],
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 5,
      }),
    );
  });

  it('alarms on the override rate: operator rejections over the decisions they answered in an hour', () => {
    const metric = (metricName: string) => ({
      Metric: {
        Namespace: 'ProactiveAgents',
        MetricName: metricName,
        Dimensions: [{ Name: 'service', Value: 'operator-api' }],
      },
      Period: 3600,
      Stat: 'Sum',
    });
    const alarm = alarmNamed('OverrideRate');
    expect(alarm).toEqual(
      expect.objectContaining({
        Threshold: 0.25,
        EvaluationPeriods: 1,
        Metrics: [
          expect.objectContaining({ Id: 'expr_1', Expression: 'FILL(overrides, 0) / decisions' }),
          { Id: 'overrides', MetricStat: metric('OperatorOverrides'), ReturnData: false },
          { Id: 'decisions', MetricStat: metric('OperatorDecisions'), ReturnData: false },
        ],
      }),
    );
    expect(alarm.MetricName).toBeUndefined();
  });

  it('takes the override-rate threshold from configuration, and refuses one outside (0, 1]', () => {
    const configured = (overrideRateThreshold: number) => {
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
      return new ProactiveAgentsStack(app, 'Configured', {
        archiveRetention: Duration.days(7),
        overrideRateThreshold,
        env: { account: '123456789012', region: 'eu-west-1' },
      });
    };
    const other = configured(0.4);
    const rateId = other.getLogicalId(
      other.operations.node.findChild('OverrideRate').node.defaultChild as never,
    );
    const rate = (Template.fromStack(other).toJSON() as { Resources: Record<string, { Properties: Alarm }> })
      .Resources[rateId]!.Properties;
    expect(rate.Threshold).toBe(0.4);
    expect(() => configured(1.5)).toThrow('overrideRateThreshold must be in (0, 1], got 1.5');
  });

  it('shows alarms, sagas, agents, backlogs, dead letters, model calls, denials and the override rate on the dashboard', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard!.Properties!.DashboardBody);
    for (const title of [
      'Alarms',
      'Saga executions',
      'Agent errors and throttles',
      'Stream backlog: age of the oldest message (s)',
      'Events in per agent',
      'Dead-letter queues: messages',
      'Model calls, throttles and tokens',
      'Governance: policy denials, override rate',
    ])
      expect(body).toContain(`\\"title\\":\\"${title}\\"`);
    for (const metric of [
      'ModelCalls',
      'ModelThrottles',
      'InputTokens',
      'OutputTokens',
      'PolicyDenials',
      'EventsIn',
    ])
      expect(body).toContain(`\\"${metric}\\"`);
    expect(body).toContain('FILL(overrides, 0) / decisions');
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
      // The operator console (CloudFront).
      'OperatorConsoleUrl',
      // The consoles' push channel (WebSocket, IAM on $connect).
      'OperatorLiveEventsUrl',
      'OperatorTopicArn',
      // The operators' user pool: administrators add the people who may sign in to the console.
      'OperatorUserPoolId',
      'StateMachineArn',
    ]);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});
