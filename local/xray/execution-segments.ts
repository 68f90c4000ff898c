import type { StepFunctionsHost } from '../stepfunctions/host';
import { causeOf, wallSeconds, type SegmentSink } from './segment-sink';
import { formatTraceHeader, newSegmentId, newTraceId, parseTraceHeader } from './trace-header';

/** One Task state's run on the execution's trace. */
interface TaskTrace {
  /** The header its service call carries (Lambda's `_X_AMZN_TRACE_ID`, a PutEvents entry's `TraceHeader`). */
  readonly traceHeader: string;
  /** Ends the state's subsegment; with the error it failed with, if any. */
  end(error?: unknown): void;
}

export interface ExecutionTrace {
  task(stateName: string, resource: string): TaskTrace;
  /** Ends the execution's segment with its final status. */
  finish(status: string, error?: string, cause?: string): void;
}

/** What the Step Functions stand-in needs from tracing (local/stepfunctions/local-step-functions.ts). */
export interface StepFunctionsTracing {
  /** The execution's trace, or undefined when the caller's header says it is not sampled. */
  startExecution(input: {
    readonly stateMachineName: string;
    readonly executionArn: string;
    readonly traceHeader?: string;
  }): ExecutionTrace | undefined;
}

/**
 * The segments Step Functions records for an execution of a state machine with tracing enabled
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-xray-tracing.html): the execution's segment,
 * continuing StartExecution's `traceHeader` (else a new trace), and a subsegment per Task state, whose id is the
 * `Parent` of the header its Lambda invocation or PutEvents entry carries. Each subsegment is sent when its state
 * ends, the segment when the execution ends.
 */
export function stepFunctionsTracing(sink: SegmentSink, virtualNow: () => number): StepFunctionsTracing {
  return {
    startExecution({ stateMachineName, executionArn, traceHeader }) {
      const caller = parseTraceHeader(traceHeader);
      if (caller && !caller.sampled) return undefined;
      const traceId = caller?.root ?? newTraceId(virtualNow());
      const id = newSegmentId();
      const start = wallSeconds();
      return {
        task(stateName, resource) {
          const taskId = newSegmentId();
          const taskStart = wallSeconds();
          return {
            traceHeader: formatTraceHeader({ root: traceId, parent: taskId, sampled: true }),
            end(error) {
              const failure = error instanceof Error ? error : undefined;
              sink.add({
                type: 'subsegment',
                name: stateName,
                id: taskId,
                trace_id: traceId,
                parent_id: id,
                start_time: taskStart,
                end_time: Math.max(taskStart, wallSeconds()),
                namespace: 'aws',
                aws: { resource },
                ...(failure ? { error: true, cause: causeOf(failure.name, failure.message) } : {}),
              });
            },
          };
        },
        finish(status, error, cause) {
          sink.add({
            name: stateMachineName,
            id,
            trace_id: traceId,
            ...(caller?.parent ? { parent_id: caller.parent } : {}),
            start_time: start,
            end_time: Math.max(start, wallSeconds()),
            origin: 'AWS::StepFunctions::StateMachine',
            aws: { execution_arn: executionArn, status },
            ...(status === 'SUCCEEDED'
              ? {}
              : { fault: true, cause: causeOf(error ?? status, cause ?? `the execution ${status}`) }),
          });
        },
      };
    },
  };
}

/** The host as one Task state sees it: its Lambda invocations and PutEvents entries carry the state's header. */
export function tracedHost(host: StepFunctionsHost, traceHeader: string): StepFunctionsHost {
  return {
    clock: host.clock,
    dynamodb: host.dynamodb,
    invokeLambda: (functionArn, payload) => host.invokeLambda(functionArn, payload, traceHeader),
    putEvents: (entries) =>
      host.putEvents(entries.map((entry) => ({ ...entry, TraceHeader: entry.TraceHeader ?? traceHeader }))),
  };
}
