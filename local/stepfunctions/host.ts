import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { VirtualClock } from '../clock';

/** One PutEvents entry as the sandbox's EventBridge stand-in takes it. */
export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Time?: Date;
  Resources?: string[];
  /** X-Ray: the trace the event travels on (the Task state's, when the execution is traced). */
  TraceHeader?: string;
}

interface PutEventsResult {
  FailedEntryCount: number;
  Entries: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[];
}

/** One datapoint of a PutMetricData request, as the API takes it. */
export interface MetricDatum {
  readonly MetricName: string;
  readonly Dimensions?: readonly { readonly Name: string; readonly Value: string }[];
  readonly Value?: number;
  readonly Unit?: string;
}

/** What the Step Functions stand-in needs from the rest of the sandbox. */
export interface StepFunctionsHost {
  /** Time for task timeouts, heartbeats, Wait states, history timestamps and `$$.State.EnteredTime`. */
  clock: VirtualClock;
  /**
   * Invokes a function synchronously and resolves with its result; rejects with an Error whose `name` is the
   * Lambda errorType (`Error`, `ContractViolation`, `Sandbox.Timedout`…).
   */
  invokeLambda(functionArn: string, payload: unknown, traceHeader?: string): Promise<unknown>;
  putEvents(entries: PutEventsEntry[]): Promise<PutEventsResult>;
  /** A client pointed at the sandbox's dynalite. */
  dynamodb: DynamoDBClient;
  /** CloudWatch PutMetricData (the `aws-sdk:cloudwatch:putMetricData` integration); refused when absent. */
  putMetricData?(namespace: string, data: readonly MetricDatum[]): void;
  /**
   * Whether the state machine's role may make a Task state's call (IAM evaluation of its policies); every call is
   * allowed when absent.
   */
  authorize?(
    roleArn: string,
    action: string,
    resource: string,
    context: Readonly<Record<string, string>>,
  ): Promise<{ readonly allowed: true } | { readonly allowed: false; readonly reason: string }>;
}
