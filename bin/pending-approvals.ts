import {
  paginateGetExecutionHistory,
  paginateListExecutions,
  paginateListStateMachines,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { approvalRequestedV1, type ApprovalRequested } from '../lambdas/domain/contracts/approvals';
import { ApprovalRequestUnreadable, NoRemediationSaga } from './approval-errors';

/** The saga's state that asks a person (statemachines/remediation-saga.asl.json). */
export const APPROVAL_STATE = 'RequestApproval';
/** How the saga's state machine is named, on AWS (`RemediationSagaStateMachine…-…`) and in the sandbox. */
export const SAGA_NAME_CONTAINS = 'RemediationSaga';

/** An approval a saga execution waits on: what it asks (the `approval_requested` detail) and its task token. */
export interface PendingApproval {
  readonly stateMachineArn: string;
  readonly executionArn: string;
  readonly executionName: string;
  readonly taskToken: string;
  /** When the tier was asked. */
  readonly scheduledAt?: Date;
  readonly request: ApprovalRequested;
}

/** Where to look: one state machine, or every state machine whose name contains the saga's. */
export interface ApprovalSearch {
  readonly stateMachineArn?: string;
  /** @default SAGA_NAME_CONTAINS */
  readonly nameContains?: string;
}

/** Events that end a task's attempt: once one is newer than the latest TaskScheduled, no callback is awaited. */
const ATTEMPT_ENDINGS: ReadonlySet<string> = new Set([
  'TaskSucceeded',
  'TaskFailed',
  'TaskTimedOut',
  'TaskSubmitFailed',
  'TaskStartFailed',
  'TaskStateAborted',
]);

/**
 * The approval an execution waits on, from its history read newest first (GetExecutionHistory `reverseOrder`):
 * the latest `TaskScheduled` no attempt ending follows, provided the state it belongs to (the nearest older
 * `…StateEntered`; a retried attempt's events lie in between) is `RequestApproval`. Stops reading at that state,
 * so a long history is read only as far back as its last task.
 */
export async function awaitedApproval(
  newestFirst: AsyncIterable<HistoryEvent> | Iterable<HistoryEvent>,
  executionArn: string,
): Promise<{ request: ApprovalRequested; scheduledAt?: Date } | undefined> {
  let scheduled: HistoryEvent | undefined;
  for await (const event of newestFirst) {
    const type = event.type ?? '';
    if (scheduled === undefined) {
      if (ATTEMPT_ENDINGS.has(type)) return undefined;
      if (type === 'TaskScheduled') scheduled = event;
      continue;
    }
    if (!type.endsWith('StateEntered')) continue;
    if (event.stateEnteredEventDetails?.name !== APPROVAL_STATE) return undefined;
    return {
      request: approvalRequestOf(scheduled.taskScheduledEventDetails?.parameters, executionArn),
      ...(scheduled.timestamp === undefined ? {} : { scheduledAt: scheduled.timestamp }),
    };
  }
  return undefined;
}

/**
 * The `approval_requested` detail in the task's parameters (the PutEvents entry as the state's Parameters built
 * it: `Detail` an object, or a JSON string when a state serialises it), checked against its contract.
 */
function approvalRequestOf(parameters: string | undefined, executionArn: string): ApprovalRequested {
  let entry: unknown;
  try {
    entry = (JSON.parse(parameters ?? 'null') as { Entries?: unknown[] } | null)?.Entries?.[0];
  } catch {
    throw new ApprovalRequestUnreadable(
      executionArn,
      'parameters',
      'not JSON (was the history read with includeExecutionData?)',
    );
  }
  if (typeof entry !== 'object' || entry === null) {
    throw new ApprovalRequestUnreadable(executionArn, 'parameters.Entries[0]', 'missing');
  }
  let detail = (entry as { Detail?: unknown }).Detail;
  if (typeof detail === 'string') {
    try {
      detail = JSON.parse(detail) as unknown;
    } catch {
      throw new ApprovalRequestUnreadable(executionArn, 'parameters.Entries[0].Detail', 'not JSON');
    }
  }
  const parsed = approvalRequestedV1.safeParse(detail);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ApprovalRequestUnreadable(
      executionArn,
      ['detail', ...issue.path.map(String)].join('.'),
      issue.message,
    );
  }
  return parsed.data;
}

/**
 * Every approval the saga waits on now, read from Step Functions itself: the saga's state machines
 * (ListStateMachines), their running executions (ListExecutions), and the newest events of each one's history
 * (GetExecutionHistory, newest first).
 */
export async function pendingApprovals(
  client: SFNClient,
  search: ApprovalSearch = {},
): Promise<PendingApproval[]> {
  const machines = await sagaStateMachines(client, search);
  const found: PendingApproval[] = [];
  for (const stateMachineArn of machines) {
    for await (const page of paginateListExecutions(
      { client },
      { stateMachineArn, statusFilter: 'RUNNING' },
    )) {
      for (const execution of page.executions ?? []) {
        const { executionArn, name } = execution;
        if (executionArn === undefined) continue;
        const awaited = await awaitedApproval(historyNewestFirst(client, executionArn), executionArn);
        if (!awaited) continue;
        found.push({
          stateMachineArn,
          executionArn,
          executionName: name ?? executionArn.split(':').pop()!,
          taskToken: awaited.request.taskToken,
          ...(awaited.scheduledAt === undefined ? {} : { scheduledAt: awaited.scheduledAt }),
          request: awaited.request,
        });
      }
    }
  }
  return found;
}

async function sagaStateMachines(client: SFNClient, search: ApprovalSearch): Promise<string[]> {
  if (search.stateMachineArn !== undefined) return [search.stateMachineArn];
  const nameContains = search.nameContains ?? SAGA_NAME_CONTAINS;
  const arns: string[] = [];
  for await (const page of paginateListStateMachines({ client }, {})) {
    for (const machine of page.stateMachines ?? []) {
      if (machine.name?.includes(nameContains) && machine.stateMachineArn) arns.push(machine.stateMachineArn);
    }
  }
  if (arns.length === 0) throw new NoRemediationSaga(nameContains);
  return arns;
}

/** An execution's history newest first, a page at a time: the reader stops asking once it has what it needs. */
async function* historyNewestFirst(client: SFNClient, executionArn: string): AsyncGenerator<HistoryEvent> {
  const pages = paginateGetExecutionHistory(
    { client, pageSize: 100 },
    { executionArn, reverseOrder: true, includeExecutionData: true },
  );
  for await (const page of pages) yield* page.events ?? [];
}
