import { Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { sources } from '../lambdas/domain/contracts/registry';
import { grantPutEventsAs, ignoreReplays } from './event-backbone';
import type { RecoveryWatch } from './recovery-watch';
import { remediationSagaDefinition } from './saga-definition';
import { tracedStateMachine } from './traced-state-machine';

export interface RemediationSagaProps {
  readonly bus: events.IEventBus;
  readonly planningFunction: lambda.IFunction;
  /** Learns from each outcome: episodic memory (its only writer of outcomes), procedural and semantic. */
  readonly learningFunction: lambda.IFunction;
  /** The policy decision point, invoked before each task. */
  readonly policyFunction: lambda.IFunction;
  /** Started once an incident is remediated: it measures the hour after (the ratio-back-to-baseline KPI). */
  readonly recoveryWatch: RecoveryWatch;
  /** Where spikes that could not start an execution go. */
  readonly ruleDeadLetterQueue: sqs.IQueue;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** The agents' metrics namespace: where the saga reports a recovery watch it could not start. @default 'ProactiveAgents' */
  readonly metricsNamespace?: string;
}

/**
 * The remediation saga: a Standard state machine (JSONPath ASL from a file, ARNs through
 * DefinitionSubstitutions, each Task's Retry from its kind), started by each `order_cancellation_spike`. One
 * definition runs every validated plan: each task in order, authorized by the policy decision point (allow, deny,
 * approval through the escalation chain, or suggest only), as a command answered through a task token, and on a
 * failure the compensations back to the first task, in reverse order.
 */
export class RemediationSaga extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly rule: events.Rule;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: RemediationSagaProps) {
    super(scope, id);
    ({ stateMachine: this.stateMachine, logGroup: this.logGroup } = tracedStateMachine(this, {
      // The ASL file, each Task with the retry policy of its kind (lib/saga-retry-policies.ts).
      definition: remediationSagaDefinition(),
      substitutions: {
        PlanningFunctionArn: props.planningFunction.functionArn,
        LearningFunctionArn: props.learningFunction.functionArn,
        PolicyFunctionArn: props.policyFunction.functionArn,
        RecoveryWatchArn: props.recoveryWatch.stateMachine.stateMachineArn,
        EventBusName: props.bus.eventBusName,
        MetricsNamespace: props.metricsNamespace ?? 'ProactiveAgents',
      },
      invokes: [props.planningFunction, props.learningFunction, props.policyFunction],
      logRetention: props.logRetention,
      timeout: Duration.days(1),
    }));
    props.recoveryWatch.grantStart(this.stateMachine);
    // A recovery watch that could not start is reported as a metric (ReportWatchNotStarted): PutMetricData has no
    // resource-level permissions, so the grant is narrowed to the agents' namespace instead.
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': props.metricsNamespace ?? 'ProactiveAgents' } },
      }),
    );
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudwatch:PutMetricData has no resource-level permissions; the statement is limited to the agents metrics namespace.',
    });
    // The saga speaks for planning: plans, commands, compensations, failures (compensation_failed too) and escalations.
    grantPutEventsAs(this.stateMachine, props.bus, sources.planning);

    this.rule = new events.Rule(this, 'StartOnSpike', {
      eventBus: props.bus,
      description: 'Starts a remediation saga for every cancellation spike.',
      eventPattern: { source: ['proactive.monitoring'], detailType: ['order_cancellation_spike'] },
    });
    // A replayed spike must not start a second saga: the first one already acted on it.
    ignoreReplays(this.rule);
    this.rule.addTarget(
      new targets.SfnStateMachine(this.stateMachine, {
        deadLetterQueue: props.ruleDeadLetterQueue,
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
      }),
    );
  }

  /** Lets `grantee` answer the saga's task tokens (SendTaskSuccess and SendTaskFailure on this state machine). */
  public grantTaskResponse(grantee: iam.IGrantable): iam.Grant {
    // Success and failure only: no task here heartbeats.
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
      resourceArns: [this.stateMachine.stateMachineArn],
    });
  }
}
