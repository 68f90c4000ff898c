import {
  ExecutionDoesNotExist,
  InvalidToken,
  paginateGetExecutionHistory,
  paginateListExecutions,
  paginateListStateMachines,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  TaskDoesNotExist,
  TaskTimedOut,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { approvalRequestedV1, type ApprovalRequested } from '../domain/contracts/approvals';
import {
  ApprovalRequestUnreadable,
  ApprovalTaskGone,
  NoPendingApproval,
  NoRemediationSaga,
  SeveralPendingApprovals,
} from './approval-errors';
import { mapLimited } from './concurrency';

/*
 * The saga's approvals in Step Functions itself, for every operator's tool (`npm run approve`, the operator HTTP
 * API): which approvals the running executions wait on (from their histories), and answering one.
 */

/** The saga's state that asks a person (statemachines/remediation-saga.asl.json). */
const APPROVAL_STATE = 'RequestApproval';
/** How the saga's state machine is named, on AWS (`RemediationSagaStateMachine…-…`) and in the sandbox. */
const SAGA_NAME_CONTAINS = 'RemediationSaga';

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
  /**
   * Only these executions (ARNs) — those whose incident's decision trace has an approval asked and not answered —
   * one history each, without listing state machines or executions: an execution that has ended, or no longer
   * exists, is left out.
   */
  readonly executionArns?: readonly string[];
}

/**
 * Events that end a task's attempt, or the execution: once one is newer than the latest TaskScheduled, no callback
 * is awaited.
 */
const ATTEMPT_ENDINGS: ReadonlySet<string> = new Set([
  'TaskSucceeded',
  'TaskFailed',
  'TaskTimedOut',
  'TaskSubmitFailed',
  'TaskStartFailed',
  'TaskStateAborted',
  'ExecutionSucceeded',
  'ExecutionFailed',
  'ExecutionAborted',
  'ExecutionTimedOut',
]);

/** Histories read at once when the executions are named. */
const HISTORIES_IN_FLIGHT = 4;

/**
 * The approval an execution waits on, from its history read newest first (GetExecutionHistory `reverseOrder`):
 * the latest `TaskScheduled` no attempt ending follows, provided the state it belongs to (the nearest older
 * `…StateEntered`; a retried attempt's events lie in between) is `RequestApproval`. Stops reading at that state,
 * so a long history is read only as far back as its last task.
 */
async function awaitedApproval(
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
    // zod reports at least one issue; the fallbacks only keep the message whole.
    const issue = parsed.error.issues[0];
    throw new ApprovalRequestUnreadable(
      executionArn,
      ['detail', ...(issue?.path ?? []).map(String)].join('.'),
      issue?.message ?? 'invalid',
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
  if (search.executionArns !== undefined) return pendingIn(client, search.executionArns);
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
        found.push(pendingOf(stateMachineArn, executionArn, awaited, name));
      }
    }
  }
  return found;
}

/** A pending approval of one execution (its name, when not given, is the ARN's last part). */
function pendingOf(
  stateMachineArn: string,
  executionArn: string,
  awaited: { request: ApprovalRequested; scheduledAt?: Date },
  executionName = executionArn.slice(executionArn.lastIndexOf(':') + 1),
): PendingApproval {
  return {
    stateMachineArn,
    executionArn,
    executionName,
    taskToken: awaited.request.taskToken,
    ...(awaited.scheduledAt === undefined ? {} : { scheduledAt: awaited.scheduledAt }),
    request: awaited.request,
  };
}

/** The approvals the named executions wait on, one history each (see `ApprovalSearch.executionArns`). */
async function pendingIn(client: SFNClient, executionArns: readonly string[]): Promise<PendingApproval[]> {
  const found = await mapLimited(
    Array.from(new Set(executionArns)),
    HISTORIES_IN_FLIGHT,
    async (executionArn) => {
      let awaited: Awaited<ReturnType<typeof awaitedApproval>>;
      try {
        awaited = await awaitedApproval(historyNewestFirst(client, executionArn), executionArn);
      } catch (error) {
        if (error instanceof ExecutionDoesNotExist) return undefined;
        throw error;
      }
      return awaited && pendingOf(stateMachineArnOf(executionArn), executionArn, awaited);
    },
  );
  return found.filter((approval): approval is PendingApproval => approval !== undefined);
}

/** `arn:…:execution:<machine>:<name>` → `arn:…:stateMachine:<machine>` (a Standard execution's ARN names both). */
function stateMachineArnOf(executionArn: string): string {
  const parts = executionArn.split(':');
  return parts
    .slice(0, 5)
    .concat('stateMachine', parts[6] ?? '')
    .join(':');
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

/** The error name the saga's `RequestApproval` catches as a rejection. */
const APPROVAL_REJECTED = 'ApprovalRejected';

/** What to answer: an incident (correlation id) to look up, or a task token to use as is. */
export type ApprovalTarget =
  | { readonly kind: 'incident'; readonly correlationId: string }
  | { readonly kind: 'token'; readonly taskToken: string };

/** A person's answer. */
export interface ApprovalAnswer {
  readonly approve: boolean;
  /** Who answers (recorded in `approval_decided`). */
  readonly by: string;
  readonly comment: string;
}

export interface AnsweredApproval {
  readonly outcome: 'approved' | 'rejected';
  /** `by <name>: <comment>`, as the saga records it. */
  readonly note: string;
  readonly taskToken: string;
  /** The approval looked up for an incident (absent when a token was given). */
  readonly approval?: PendingApproval;
}

/**
 * Task tokens are opaque base64 text, hundreds of characters on AWS; correlation ids name an entity and a time
 * (`warehouse#WH-NYC#2026-11-20T10:40:00Z`) or are an event id. A long run of base64 characters is a token.
 */
const TASK_TOKEN = /^[A-Za-z0-9+/=_-]{64,}$/;

export function approvalTargetOf(argument: string): ApprovalTarget {
  return TASK_TOKEN.test(argument)
    ? { kind: 'token', taskToken: argument }
    : { kind: 'incident', correlationId: argument };
}

/**
 * Answers an approval: for an incident, finds the one approval its saga waits on (see `pendingApprovals`);
 * then SendTaskSuccess `{"note": "by <name>: <comment>"}` to approve, or SendTaskFailure `ApprovalRejected`
 * with that note as the cause to reject. A token is used as is: Step Functions says whether it still waits.
 */
export async function answerApproval(
  client: SFNClient,
  target: ApprovalTarget,
  answer: ApprovalAnswer,
  search: ApprovalSearch = {},
): Promise<AnsweredApproval> {
  const approval =
    target.kind === 'incident' ? await pendingFor(client, target.correlationId, search) : undefined;
  const taskToken = approval?.taskToken ?? (target.kind === 'token' ? target.taskToken : '');
  const note = `by ${answer.by}: ${answer.comment}`;
  try {
    if (answer.approve) {
      await client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ note }) }));
    } else {
      await client.send(new SendTaskFailureCommand({ taskToken, error: APPROVAL_REJECTED, cause: note }));
    }
  } catch (error) {
    if (error instanceof TaskDoesNotExist) throw new ApprovalTaskGone('TaskDoesNotExist', { cause: error });
    if (error instanceof TaskTimedOut) throw new ApprovalTaskGone('TaskTimedOut', { cause: error });
    if (error instanceof InvalidToken) throw new ApprovalTaskGone('InvalidToken', { cause: error });
    throw error;
  }
  return {
    outcome: answer.approve ? 'approved' : 'rejected',
    note,
    taskToken,
    ...(approval === undefined ? {} : { approval }),
  };
}

async function pendingFor(
  client: SFNClient,
  correlationId: string,
  search: ApprovalSearch,
): Promise<PendingApproval> {
  const pending = await pendingApprovals(client, search);
  const matches = pending.filter((p) => p.request.correlationId === correlationId);
  const [match] = matches;
  if (match === undefined) throw new NoPendingApproval(correlationId, pending);
  if (matches.length > 1) throw new SeveralPendingApprovals(correlationId, matches);
  return match;
}
