import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import * as path from 'node:path';
import { RECOVERY_HOUR_SECONDS, recoveryWindowMinutes } from '../lambdas/domain/operator/kpis';
import { AgentFunction } from './agent-function';
import { retryPolicy } from './saga-retry-policies';
import { tracedStateMachine } from './traced-state-machine';

export interface RecoveryWatchProps {
  readonly bus: events.IEventBus;
  readonly ruleDeadLetterQueue: sqs.IQueue;
  /** The monitoring agent's window counters, which the measurement reads (Query only). */
  readonly counters: dynamodb.ITableV2;
  /** The detector's overrides, as the monitoring agent gets them: the hour is counted in its windows. */
  readonly detectorConfig?: Record<string, number>;
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | undefined;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/** Events of the hour may arrive this long after it (the monitoring agent's stream batches and retries). */
const LATE_EVENTS_SECONDS = 300;

/**
 * The recovery watch: the monitoring agent's KPI, ratio back to baseline, measured on AWS. The saga starts one
 * execution when it has remediated an incident; it waits out the hour after the remediation (in whole detector
 * windows, plus time for late events), then a function of the monitoring context reads the scope's window counters
 * for that hour and reports its cancellation ratio as a multiple of the incident's baseline
 * (`RatioAfterResolution`, which the operations alarms watch). A Standard state machine, since the wait is an
 * hour: no function waits, and nothing is lost to a deploy in between.
 */
export class RecoveryWatch extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  /** Its measurement (Powertools service `recovery-watch`). */
  public readonly check: AgentFunction;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: RecoveryWatchProps) {
    super(scope, id);
    const windowMinutes = recoveryWindowMinutes(props.detectorConfig ?? {});
    this.check = new AgentFunction(this, 'Check', {
      bus: props.bus,
      ruleDeadLetterQueue: props.ruleDeadLetterQueue,
      logLevel: props.logLevel,
      entry: path.join(__dirname, '..', 'lambdas', 'handlers', 'recovery-watch.ts'),
      serviceName: 'recovery-watch',
      description:
        "Measures a remediated incident's scope over the hour after it: its cancellation ratio against the baseline.",
      environment: {
        COUNTERS_TABLE_NAME: props.counters.tableName,
        DETECTOR_CONFIG: JSON.stringify(props.detectorConfig ?? {}),
      },
    });
    iam.Grant.addToPrincipal({
      grantee: this.check.function,
      actions: ['dynamodb:Query'],
      resourceArns: [props.counters.tableArn],
    });

    const waitSeconds = RECOVERY_HOUR_SECONDS + windowMinutes * 60 + LATE_EVENTS_SECONDS;
    ({ stateMachine: this.stateMachine, logGroup: this.logGroup } = tracedStateMachine(this, {
      definition: recoveryWatchDefinition(waitSeconds),
      substitutions: { CheckFunctionArn: this.check.function.functionArn },
      invokes: [this.check.function],
      logRetention: props.logRetention,
    }));
  }

  /** Lets `grantee` (the saga) start a watch: StartExecution on this state machine only. */
  public grantStart(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['states:StartExecution'],
      resourceArns: [this.stateMachine.stateMachineArn],
    });
  }
}

/** The watch's ASL (JSONPath): wait out the hour, then measure it; a failed measurement fails the execution. */
function recoveryWatchDefinition(waitSeconds: number): string {
  return JSON.stringify({
    Comment: 'The hour after a remediation, measured against the incident baseline (ratio back to baseline).',
    StartAt: 'WaitOutTheHour',
    // The whole watch: its wait, then a quarter of an hour for the measurement and its retries.
    TimeoutSeconds: waitSeconds + 900,
    States: {
      WaitOutTheHour: { Type: 'Wait', Seconds: waitSeconds, Next: 'MeasureRecovery' },
      MeasureRecovery: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: '${CheckFunctionArn}', 'Payload.$': '$' },
        ResultSelector: { 'report.$': '$.Payload' },
        TimeoutSeconds: 60,
        Retry: retryPolicy('invoke'),
        End: true,
      },
    },
  });
}
