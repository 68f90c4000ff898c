import { z } from 'zod';

/**
 * Contracts of the operator HTTP API (`lambdas/handlers/operator-api.ts`): the bodies it accepts. What it
 * answers is described by the handler; errors are RFC 9457 problem details (`lambdas/domain/operator/problem.ts`).
 */

/**
 * `POST /approvals/{id}`: a person's answer to the approval an incident's saga waits on. Who answers is not part
 * of the body: it is the caller's IAM identity, as API Gateway authenticated it.
 */
export const approvalAnswerV1 = z.strictObject({
  /** `approve` runs the task; `reject` fails it with `ApprovalRejected`, and what the plan did is compensated. */
  decision: z.enum(['approve', 'reject']),
  /** Why, recorded in `approval_decided` (`by <caller>: <reason>`). @default "approved" / "rejected" */
  reason: z.string().trim().min(1).max(4096).optional(),
});

/** `GET /incidents?limit=<n>`: how many incidents, newest first. */
export const incidentListQueryV1 = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

/**
 * `GET /override-rate?hours=<n>&end=<time>`: the hours of operator decisions to show, up to a week, ending with the
 * hour that holds `end` (ISO 8601, e.g. a replay's time in the sandbox). @default end - now
 */
export const overrideRateQueryV1 = z.strictObject({
  hours: z.coerce.number().int().min(1).max(168).default(24),
  end: z.iso.datetime({ offset: true }).optional(),
});
