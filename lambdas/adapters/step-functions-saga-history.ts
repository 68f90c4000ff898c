import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  paginateGetExecutionHistory,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';

/** One event the saga put on the bus (a command, an announcement), and how its task ended. */
interface SagaStep {
  /** When the state scheduled it. */
  readonly time?: string;
  /** The saga's state (`RunTask`, `RunCompensation`, `RequestApproval`, `AnnouncePlan`, …). */
  readonly state: string;
  readonly detailType?: string;
  readonly taskId?: string;
  readonly taskType?: string;
  /** `succeeded`, `failed` or `timed_out`; absent while the task still waits (a command's answer, an approval). */
  readonly result?: 'succeeded' | 'failed' | 'timed_out';
  /** A failed task's error name and cause. */
  readonly error?: string;
  readonly cause?: string;
  /** What a command's answer said (its task output), when it succeeded. */
  readonly output?: unknown;
}

/** A saga execution as the incident timeline shows it. */
export interface SagaExecution {
  readonly executionArn: string;
  readonly status?: string;
  readonly startedAt?: string;
  readonly stoppedAt?: string;
  /** The X-Ray trace of the execution, when Step Functions reports one (`Root=` of its trace header). */
  readonly traceId?: string;
  /** Everything the saga put on the bus, oldest first. */
  readonly steps: readonly SagaStep[];
  /** The plan's tasks as commands (`RunTask`), with their outcomes. */
  readonly taskOutcomes: readonly SagaStep[];
  /** The compensations the saga ran (`RunCompensation`), with their outcomes. */
  readonly compensations: readonly SagaStep[];
}

const ENDINGS: Readonly<Record<string, SagaStep['result']>> = {
  TaskSucceeded: 'succeeded',
  TaskFailed: 'failed',
  TaskTimedOut: 'timed_out',
  TaskSubmitFailed: 'failed',
  TaskStartFailed: 'failed',
};

const parse = (text: string | undefined): unknown => {
  try {
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return text;
  }
};

/** The PutEvents entry a `events:putEvents` task was scheduled with: its detail-type and task. */
function entryOf(parameters: string | undefined): Pick<SagaStep, 'detailType' | 'taskId' | 'taskType'> {
  const entry = (parse(parameters) as { Entries?: Record<string, unknown>[] } | undefined)?.Entries?.[0];
  if (entry === undefined) return {};
  const detail = (typeof entry.Detail === 'string' ? parse(entry.Detail) : entry.Detail) as
    Record<string, unknown> | undefined;
  const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const detailType = str(entry.DetailType);
  const taskId = str(detail?.taskId);
  const taskType = str(detail?.taskType);
  return {
    ...(detailType === undefined ? {} : { detailType }),
    ...(taskId === undefined ? {} : { taskId }),
    ...(taskType === undefined ? {} : { taskType }),
  };
}

/** The steps of a history read oldest first: each `events` task with the state that ran it and its ending. */
function sagaSteps(history: readonly HistoryEvent[]): SagaStep[] {
  const steps: SagaStep[] = [];
  let state = '';
  let open: { index: number; step: SagaStep } | undefined;
  for (const event of history) {
    const type = event.type ?? '';
    if (type.endsWith('StateEntered')) state = event.stateEnteredEventDetails?.name ?? state;
    if (type === 'TaskScheduled' && event.taskScheduledEventDetails?.resourceType === 'events') {
      const entry = entryOf(event.taskScheduledEventDetails.parameters);
      // A command's detail-type is its task type (`reroute_orders`, `revert_reroute`).
      const command =
        state.startsWith('Run') && entry.taskType === undefined && entry.detailType !== undefined;
      const step: SagaStep = {
        ...(event.timestamp === undefined ? {} : { time: event.timestamp.toISOString() }),
        state,
        ...entry,
        ...(command ? { taskType: entry.detailType } : {}),
      };
      open = { index: steps.length, step };
      steps.push(step);
      continue;
    }
    const result = ENDINGS[type];
    if (result === undefined || open === undefined) continue;
    const failure =
      event.taskFailedEventDetails ??
      event.taskTimedOutEventDetails ??
      event.taskSubmitFailedEventDetails ??
      event.taskStartFailedEventDetails;
    const output = event.taskSucceededEventDetails?.output;
    steps[open.index] = {
      ...open.step,
      result,
      ...(failure?.error === undefined ? {} : { error: failure.error }),
      ...(failure?.cause === undefined ? {} : { cause: failure.cause }),
      // A command's answer (not PutEvents' own receipt, which only lists entry ids).
      ...(output !== undefined && open.step.state.startsWith('Run') ? { output: parse(output) } : {}),
    };
    open = undefined;
  }
  return steps;
}

/**
 * The execution's status and steps: DescribeExecution and its whole history, oldest first (with execution data:
 * the steps' parameters). Undefined when Step Functions no longer knows the execution (its history expired).
 */
export async function sagaExecution(
  client: SFNClient,
  executionArn: string,
): Promise<SagaExecution | undefined> {
  let described;
  try {
    described = await client.send(new DescribeExecutionCommand({ executionArn }));
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) return undefined;
    throw error;
  }
  const history: HistoryEvent[] = [];
  for await (const page of paginateGetExecutionHistory(
    { client, pageSize: 1000 },
    { executionArn, includeExecutionData: true },
  )) {
    history.push(...(page.events ?? []));
  }
  const steps = sagaSteps(history);
  const traceId = /Root=([^;]+)/.exec(described.traceHeader ?? '')?.[1];
  return {
    executionArn,
    ...(described.status === undefined ? {} : { status: described.status }),
    ...(described.startDate === undefined ? {} : { startedAt: described.startDate.toISOString() }),
    ...(described.stopDate === undefined ? {} : { stoppedAt: described.stopDate.toISOString() }),
    ...(traceId === undefined ? {} : { traceId }),
    steps,
    taskOutcomes: steps.filter((step) => step.state === 'RunTask'),
    compensations: steps.filter((step) => step.state === 'RunCompensation'),
  };
}
