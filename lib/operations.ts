import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { AgentFunction } from './agent-function';
import type { EventBackbone } from './event-backbone';
import type { RemediationSaga } from './remediation-saga';

export interface OperationsProps {
  readonly backbone: EventBackbone;
  readonly agents: Readonly<Record<string, AgentFunction>>;
  readonly saga: RemediationSaga;
  /** A stream agent's oldest message may wait this long before its alarm fires. @default Duration.minutes(5) */
  readonly maxQueueAge?: Duration;
}

/** What an alarm watches, and how it reads a breach. */
interface AlarmSpec {
  readonly id: string;
  readonly description: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
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
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    this.topic = new sns.Topic(this, 'OperatorTopic', {
      displayName: 'Proactive Agents operator notifications',
      masterKey: key,
      enforceSSL: true,
    });
    const notify = new actions.SnsAction(this.topic);
    const fiveMinutes = Duration.minutes(5);

    const specs: AlarmSpec[] = [];
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
      const label = agent.node.id;
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
    );
    const rules: [string, events.Rule][] = [['SagaStart', props.saga.rule]];
    for (const agent of Object.values(props.agents)) if (agent.rule) rules.push([agent.node.id, agent.rule]);
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
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
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
              agent.function.metricErrors({ period: fiveMinutes, label: `${agent.node.id} errors` }),
            ),
            right: Object.values(props.agents).map((agent) =>
              agent.function.metricThrottles({ period: fiveMinutes, label: `${agent.node.id} throttles` }),
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
                      label: agent.node.id,
                    }),
                  ]
                : [],
            ),
          }),
          new cloudwatch.GraphWidget({
            title: 'Dead-letter queues: messages',
            width: 12,
            left: [
              props.backbone.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'rules' }),
              ...Object.values(props.agents).map((agent) =>
                agent.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: agent.node.id }),
              ),
            ],
          }),
        ],
      ],
    });
  }
}
