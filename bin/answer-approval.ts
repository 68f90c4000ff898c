import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  TaskDoesNotExist,
  TaskTimedOut,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { ApprovalTaskGone, NoPendingApproval, SeveralPendingApprovals } from './approval-errors';
import { pendingApprovals, type ApprovalSearch, type PendingApproval } from './pending-approvals';

/** The error name the saga's `RequestApproval` catches as a rejection. */
export const APPROVAL_REJECTED = 'ApprovalRejected';

/** What `npm run approve` was given: an incident (correlation id) to look up, or a task token to use as is. */
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
  if (matches.length === 0) throw new NoPendingApproval(correlationId, pending);
  if (matches.length > 1) throw new SeveralPendingApprovals(correlationId, matches);
  return matches[0]!;
}
