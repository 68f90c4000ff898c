import type { PendingApproval } from './step-functions-approvals';

/**
 * Why an approval could not be found or answered (`npm run approve`, the operator API); the message says what to
 * do instead.
 */
export class ApprovalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ApprovalError';
  }
}

/** One line per pending approval: what it asks, of whom, in which execution, and its token. */
function describePending(approval: PendingApproval): string {
  const { request } = approval;
  return `${request.correlationId}: ${request.taskType} (tier ${request.tier.index + 1} ${request.tier.name}, asked of ${request.tier.approvers}; execution ${approval.executionName}; token ${approval.taskToken})`;
}

/** The incident has no approval waiting (never asked, already answered, or its last tier lapsed). */
export class NoPendingApproval extends ApprovalError {
  constructor(
    readonly correlationId: string,
    readonly pending: readonly PendingApproval[],
  ) {
    super(
      pending.length === 0
        ? `no approval is pending for ${correlationId}, nor for any other incident`
        : [
            `no approval is pending for ${correlationId}; pending now:`,
            ...pending.map((p) => `  ${describePending(p)}`),
          ].join('\n'),
    );
    this.name = 'NoPendingApproval';
  }
}

/** Several executions wait on an approval for the same incident: the token says which one is meant. */
export class SeveralPendingApprovals extends ApprovalError {
  constructor(
    readonly correlationId: string,
    readonly matches: readonly PendingApproval[],
  ) {
    super(
      [
        `${matches.length} approvals are pending for ${correlationId}; answer one by its token:`,
        ...matches.map((p) => `  ${describePending(p)}`),
      ].join('\n'),
    );
    this.name = 'SeveralPendingApprovals';
  }
}

/**
 * Step Functions no longer waits on the token: its task is closed — already answered, its tier timed out first, or
 * its execution ended (`TaskTimedOut`, as AWS documents it) — it is unknown (`TaskDoesNotExist`), or not a token
 * at all (`InvalidToken`).
 */
export class ApprovalTaskGone extends ApprovalError {
  constructor(
    readonly reason: 'TaskDoesNotExist' | 'TaskTimedOut' | 'InvalidToken',
    options: ErrorOptions,
  ) {
    const why = {
      TaskDoesNotExist: 'no task waits on this token (TaskDoesNotExist): it is unknown',
      TaskTimedOut:
        'the approval no longer waits (TaskTimedOut): it was already answered, or its tier lapsed and the escalation chain moved on (answer the next tier for the incident), or its saga ended',
      InvalidToken: 'this is not a task token (InvalidToken)',
    }[reason];
    super(why, options);
    this.name = 'ApprovalTaskGone';
  }
}

/** No saga to read approvals from: the stack is not deployed in this account and region, or not running. */
export class NoRemediationSaga extends ApprovalError {
  constructor(nameContains: string) {
    super(
      `no state machine whose name contains ${nameContains}: deploy the stack (or start the sandbox), check the region, or pass --state-machine <arn>`,
    );
    this.name = 'NoRemediationSaga';
  }
}

/** A `RequestApproval` task whose `approval_requested` detail breaks its contract: the field is named. */
export class ApprovalRequestUnreadable extends ApprovalError {
  constructor(executionArn: string, field: string, message: string) {
    super(
      `execution ${executionArn} waits on an approval whose request is unreadable at ${field}: ${message}`,
    );
    this.name = 'ApprovalRequestUnreadable';
  }
}
