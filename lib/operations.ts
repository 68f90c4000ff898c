import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AGENT_KPIS } from '../lambdas/domain/operator/kpis';
import type { AgentFunction } from './agent-function';
import type { EventBackbone } from './event-backbone';
import type { RemediationSaga } from './remediation-saga';

export interface OperationsProps {
  readonly backbone: EventBackbone;
  readonly agents: Readonly<Record<string, AgentFunction>>;
  readonly saga: RemediationSaga;
  /** A stream agent's oldest message may wait this long before its alarm fires. @default Duration.minutes(5) */
  readonly maxQueueAge?: Duration;
  /** The agents' Powertools metrics namespace. @default 'ProactiveAgents' */
  readonly metricsNamespace?: string;
  /** The agents that call a model: each alarms on `ModelThrottles` (Bedrock's rate limit). @default - none */
  readonly modelCallers?: readonly AgentFunction[];
  /** The policy decision point: it alarms on a surge of `PolicyDenials`. @default - no such alarm */
  readonly policyAgent?: AgentFunction;
  /** Denials within five minutes that make a surge. @default 5 */
  readonly policyDenialSurge?: number;
  /** The operator API's function: the override rate (`OperatorOverrides / OperatorDecisions`) alarms. @default - no such alarm */
  readonly operatorApi?: AgentFunction;
  /** Share of an hour's operator decisions that were overrides (rejections) at which the override rate alarms. @default 0.25 */
  readonly overrideRateThreshold?: number;
}

/** What an alarm watches, and how it reads a breach. */
interface AlarmSpec {
  readonly id: string;
  readonly description: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  /** @default GREATER_THAN_OR_EQUAL_TO_THRESHOLD */
  readonly comparison?: cloudwatch.ComparisonOperator;
}

/**
 * What operators watch, on by default: one alarm per failure mode — anything in a dead-letter queue, a stream
 * falling behind (age of its oldest message), agent errors and throttles, saga executions that failed or timed
 * out, rules that could not deliver — each notifying the operators' SNS topic; and a dashboard of the same.
 */
export class Operations extends Construct {
  /** Alarm notifications (and, later, escalations): subscribe the on-call here. */
  public readonly topic: sns.Topic;
  public readonly alarms: cloudwatch.Alarm[] = [];
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // A customer managed key: CloudWatch may publish to an encrypted topic only when the key lets it.
    const key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the operator notifications topic.',
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    this.topic = new sns.Topic(this, 'OperatorTopic', {
      displayName: 'Proactive Agents operator notifications',
      masterKey: key,
      enforceSSL: true,
    });
    // `enforceSSL` gives the topic a policy of its own, which replaces the default one SNS gives a topic (publishing
    // open to the account): without this statement CloudWatch may not publish to it, and every alarm's notification
    // fails, seen only in the alarm's history
    // (https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger). This account's alarms only.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAlarmNotifications',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    const notify = new actions.SnsAction(this.topic);
    const fiveMinutes = Duration.minutes(5);

    const specs: AlarmSpec[] = [];
    const namespace = props.metricsNamespace ?? 'ProactiveAgents';
    const custom = (agent: AgentFunction, metricName: string, period: Duration, label?: string) =>
      new cloudwatch.Metric({
        namespace,
        metricName,
        dimensionsMap: { service: agent.serviceName },
        period,
        statistic: 'Sum',
        ...(label === undefined ? {} : { label }),
      });
    const operatorApi = props.operatorApi;
    const overrideRate = operatorApi
      ? new cloudwatch.MathExpression({
          // Missing overrides in an hour with decisions are none; an hour without decisions has no rate.
          expression: 'FILL(overrides, 0) / decisions',
          usingMetrics: {
            overrides: custom(operatorApi, 'OperatorOverrides', Duration.hours(1)),
            decisions: custom(operatorApi, 'OperatorDecisions', Duration.hours(1)),
          },
          period: Duration.hours(1),
          label: 'Override rate (rejections / operator decisions)',
        })
      : undefined;
    const deadLetters = (queueId: string, queue: sqs.IQueue, what: string) =>
      specs.push({
        id: `${queueId}DeadLetters`,
        description: `${what}: a message is in the dead-letter queue (kept with its reason; redrive or inspect it).`,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        threshold: 1,
      });
    deadLetters('Rules', props.backbone.deadLetterQueue, 'Rule targets');
    const maxAge = props.maxQueueAge ?? fiveMinutes;
    for (const [name, agent] of Object.entries(props.agents)) {
      const label = labelOf(agent);
      deadLetters(label, agent.deadLetterQueue, `${label} (${name})`);
      specs.push(
        {
          id: `${label}Errors`,
          description: `${label}: invocations failed.`,
          metric: agent.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
          threshold: 1,
        },
        {
          id: `${label}Throttles`,
          description: `${label}: invocations were throttled (concurrency limit).`,
          metric: agent.function.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
          threshold: 1,
        },
      );
      if (agent.queue) {
        specs.push({
          id: `${label}QueueAge`,
          description: `${label}: its stream is falling behind (oldest message older than ${maxAge.toHumanString()}).`,
          metric: agent.queue.metricApproximateAgeOfOldestMessage({
            period: Duration.minutes(1),
            statistic: 'Maximum',
          }),
          threshold: maxAge.toSeconds(),
        });
      }
    }
    const { stateMachine } = props.saga;
    specs.push(
      {
        id: 'SagaFailed',
        description: 'Remediation sagas failed (planning failed, or a remediation was compensated).',
        metric: stateMachine.metricFailed({ period: fiveMinutes, statistic: 'Sum' }),
        threshold: 1,
      },
      {
        id: 'SagaTimedOut',
        description: 'Remediation sagas ran out of time.',
        metric: stateMachine.metricTimedOut({ period: fiveMinutes, statistic: 'Sum' }),
        threshold: 1,
      },
      {
        id: 'RecoveryWatchNotStarted',
        description:
          'A remediated incident has no recovery watch (it could not be started): its ratio back to baseline will never be measured, and the saga output names the error.',
        metric: new cloudwatch.Metric({
          namespace,
          metricName: 'RecoveryWatchesNotStarted',
          dimensionsMap: { service: 'remediation-saga' },
          period: fiveMinutes,
          statistic: 'Sum',
        }),
        threshold: 1,
      },
    );
    for (const agent of props.modelCallers ?? []) {
      specs.push({
        id: `${labelOf(agent)}ModelThrottles`,
        description: `${labelOf(agent)} (${agent.serviceName}): the model refused calls for its rate limit (after the client's retries); plans fall back to the rule planner.`,
        metric: custom(agent, 'ModelThrottles', fiveMinutes),
        threshold: 1,
      });
    }
    const policyAgent = props.policyAgent;
    if (policyAgent) {
      const surge = props.policyDenialSurge ?? 5;
      if (!(Number.isInteger(surge) && surge >= 1))
        throw new Error(`policyDenialSurge must be a positive integer, got ${surge}`);
      specs.push({
        id: 'PolicyDenialSurge',
        description: `${policyAgent.serviceName}: ${surge} or more actions denied within five minutes.`,
        metric: custom(policyAgent, 'PolicyDenials', fiveMinutes),
        threshold: surge,
      });
    }
    if (overrideRate) {
      const threshold = props.overrideRateThreshold ?? 0.25;
      if (!(threshold > 0 && threshold <= 1))
        throw new Error(`overrideRateThreshold must be in (0, 1], got ${threshold}`);
      specs.push({
        id: 'OverrideRate',
        description: `Operators overrode ${Math.round(threshold * 100)}% or more of an hour's decisions (rejections over approvals answered): agents and operators disagree.`,
        metric: overrideRate,
        threshold,
      });
    }
    // The agents' KPIs that a metric measures (see lambdas/domain/operator/kpis.ts): an alarm once one is missed.
    const reporters = new Map(Object.values(props.agents).map((agent) => [agent.serviceName, agent]));
    for (const kpi of AGENT_KPIS) {
      const reporter = kpi.metric && reporters.get(kpi.metric.reportedBy);
      if (!kpi.metric || !reporter) continue;
      // The metric is in seconds where the target is in minutes, else in the target's own unit.
      const threshold = kpi.unit === 'minutes' ? kpi.target * 60 : kpi.target;
      specs.push({
        id: `Kpi${kpi.metric.name}`,
        description: `KPI missed (${kpi.agent}, ${kpi.id}): ${kpi.description} Target: ${kpi.target} ${kpi.unit}.`,
        metric: new cloudwatch.Metric({
          namespace,
          metricName: kpi.metric.name,
          dimensionsMap: { service: reporter.serviceName },
          period: Duration.hours(1),
          statistic: 'Maximum',
        }),
        threshold,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }
    const rules: [string, events.Rule][] = [['SagaStart', props.saga.rule]];
    for (const agent of Object.values(props.agents)) if (agent.rule) rules.push([labelOf(agent), agent.rule]);
    for (const [label, rule] of rules) {
      specs.push({
        id: `${label}RuleFailedInvocations`,
        description: `The rule feeding ${label} could not deliver events (they go to the rules' dead-letter queue).`,
        metric: new cloudwatch.Metric({
          namespace: 'AWS/Events',
          metricName: 'FailedInvocations',
          dimensionsMap: { EventBusName: props.backbone.bus.eventBusName, RuleName: rule.ruleName },
          period: fiveMinutes,
          statistic: 'Sum',
        }),
        threshold: 1,
      });
    }

    for (const spec of specs) {
      const alarm = new cloudwatch.Alarm(this, spec.id, {
        alarmDescription: spec.description,
        metric: spec.metric,
        threshold: spec.threshold,
        evaluationPeriods: 1,
        comparisonOperator:
          spec.comparison ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
      this.alarms.push(alarm);
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(6),
      widgets: [
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 6 })],
        [
          new cloudwatch.GraphWidget({
            title: 'Saga executions',
            width: 12,
            left: [
              stateMachine.metricStarted({ period: fiveMinutes }),
              stateMachine.metricSucceeded({ period: fiveMinutes }),
              stateMachine.metricFailed({ period: fiveMinutes }),
              stateMachine.metricTimedOut({ period: fiveMinutes }),
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'Agent errors and throttles',
            width: 12,
            left: Object.values(props.agents).map((agent) =>
              agent.function.metricErrors({ period: fiveMinutes, label: `${labelOf(agent)} errors` }),
            ),
            right: Object.values(props.agents).map((agent) =>
              agent.function.metricThrottles({ period: fiveMinutes, label: `${labelOf(agent)} throttles` }),
            ),
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Stream backlog: age of the oldest message (s)',
            width: 12,
            left: Object.values(props.agents).flatMap((agent) =>
              agent.queue
                ? [
                    agent.queue.metricApproximateAgeOfOldestMessage({
                      period: Duration.minutes(1),
                      statistic: 'Maximum',
                      label: labelOf(agent),
                    }),
                  ]
                : [],
            ),
          }),
          new cloudwatch.GraphWidget({
            title: 'Events in per agent',
            width: 12,
            left: Object.values(props.agents).map((agent) =>
              custom(agent, 'EventsIn', fiveMinutes, labelOf(agent)),
            ),
          }),
          new cloudwatch.GraphWidget({
            title: 'Dead-letter queues: messages',
            width: 12,
            left: [
              props.backbone.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'rules' }),
              ...Object.values(props.agents).map((agent) =>
                agent.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: labelOf(agent) }),
              ),
            ],
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Model calls, throttles and tokens',
            width: 12,
            left: (props.modelCallers ?? []).flatMap((agent) => [
              custom(agent, 'ModelCalls', fiveMinutes, `${labelOf(agent)} calls`),
              custom(agent, 'ModelThrottles', fiveMinutes, `${labelOf(agent)} throttles`),
            ]),
            right: (props.modelCallers ?? []).flatMap((agent) => [
              custom(agent, 'InputTokens', fiveMinutes, `${labelOf(agent)} input tokens`),
              custom(agent, 'OutputTokens', fiveMinutes, `${labelOf(agent)} output tokens`),
            ]),
          }),
          new cloudwatch.GraphWidget({
            title: 'Governance: policy denials, override rate',
            width: 12,
            left: policyAgent ? [custom(policyAgent, 'PolicyDenials', fiveMinutes, 'policy denials')] : [],
            right: overrideRate ? [overrideRate] : [],
          }),
        ],
      ],
    });
  }
}

/**
 * An agent's name in alarm ids and graph labels: its construct path below the stack (`MonitoringAgent`,
 * `GovernancePolicyAgent`, `OperatorApiHandler`), so that agents nested in other constructs stay distinct.
 */
function labelOf(agent: AgentFunction): string {
  const stack = Stack.of(agent);
  return agent.node.scopes
    .slice(agent.node.scopes.indexOf(stack) + 1)
    .map((scope) => scope.node.id)
    .join('');
}
