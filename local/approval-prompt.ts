import { approvalRequestedV1, type ApprovalRequested } from '../lambdas/domain/contracts/approvals';
import type { EventEnvelope } from './eventbridge/bus';
import type { PendingTaskToken } from './stepfunctions/task-tokens';

/** The `approval_requested` event that carries a token (put on the bus as the task started waiting). */
export function approvalRequestOf(
  events: Iterable<EventEnvelope>,
  taskToken: string,
): ApprovalRequested | undefined {
  let found: ApprovalRequested | undefined;
  for (const event of events) {
    if (event['detail-type'] !== 'approval_requested') continue;
    const parsed = approvalRequestedV1.safeParse(event.detail);
    if (parsed.success && parsed.data.taskToken === taskToken) found = parsed.data;
  }
  return found;
}

/**
 * What `npm start` prints when the run holds for a person: what is asked and why, and the two commands that
 * answer it (from another terminal, against this sandbox's endpoint).
 */
export function approvalPrompt(
  pending: PendingTaskToken,
  request: ApprovalRequested | undefined,
  realSeconds: number,
): string[] {
  const wait = `The run holds up to ${realSeconds} s (real time) for an answer; then this tier times out on the virtual clock and the escalation chain goes on.`;
  if (request === undefined) {
    // No approval_requested event carries the token (the state put none): it can still be answered by token.
    return [
      `Waiting on ${pending.stateName} (execution ${pending.executionArn.split(':').at(-1) ?? pending.executionArn}).`,
      `  ${wait}`,
      `  Approve:  npm run approve -- ${pending.token}`,
      `  Reject:   npm run approve -- ${pending.token} --reject`,
    ];
  }
  const { tier } = request;
  return [
    `Approval requested: ${request.taskType} for ${request.correlationId}, tier ${tier.index + 1} (${tier.name}), asked of ${tier.approvers}; policies: ${request.determiningPolicies.join(', ')}`,
    `  ${wait}`,
    `  Approve:  npm run approve -- '${request.correlationId}'`,
    `  Reject:   npm run approve -- '${request.correlationId}' --reject`,
  ];
}
