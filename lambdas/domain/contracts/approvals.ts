import { z } from 'zod';

/**
 * Contracts of the saga's human-in-the-loop steps: a task that policy holds for approval is asked of each
 * escalation tier in turn (`approval_requested`, answered through its task token with `npm run approve`), every
 * answer or lapse is recorded (`approval_decided`), and a suggest-only agent's plan is published, not run
 * (`remediation_suggested`). The saga emits them as `proactive.planning`.
 */

const taskFields = {
  schemaVersion: z.literal(1),
  correlationId: z.string().min(1),
  planId: z.string().min(1),
  taskId: z.string().min(1),
  taskType: z.string().min(1),
};

const tierRef = z.object({
  /** 0 for the first tier of the escalation chain. */
  index: z.number().int().nonnegative(),
  name: z.string().min(1),
  /** Who is asked at this tier (an operator group, a rota). */
  approvers: z.string().min(1),
  /** How long this tier has before the next one is asked (or the chain ends). */
  timeoutSeconds: z.number().int().positive(),
});

export const approvalRequestedV1 = z.object({
  ...taskFields,
  /** What would run: the task's parameters, cost and risk, as the plan has them. */
  parameters: z.record(z.string(), z.unknown()),
  costCents: z.number().int().nonnegative(),
  risk: z.enum(['low', 'medium', 'high']),
  /** Why: the policy decision that asked for approval, its determining policies and reasons. */
  decisionId: z.string().min(1),
  determiningPolicies: z.array(z.string().min(1)),
  reasons: z.array(z.string()),
  tier: tierRef,
  /** Answer with SendTaskSuccess (approve) or SendTaskFailure `ApprovalRejected` (reject): `npm run approve`. */
  taskToken: z.string().min(1),
});
export type ApprovalRequested = z.infer<typeof approvalRequestedV1>;

export const approvalDecidedV1 = z.object({
  ...taskFields,
  /**
   * `approved` and `rejected` come from a person; `escalated`: the tier did not answer in time and the next one
   * is asked; `expired`: the last tier did not answer and the chain ends in `then`.
   */
  outcome: z.enum(['approved', 'rejected', 'escalated', 'expired']),
  tier: tierRef.pick({ index: true, name: true }),
  /** Who answered and what they said (`by <name>: <comment>`), or why the tier lapsed. */
  note: z.string(),
  /** Only with `expired`: the escalation chain's end. */
  then: z.enum(['compensate', 'deny']).optional(),
});
export type ApprovalDecided = z.infer<typeof approvalDecidedV1>;

export const remediationSuggestedV1 = z.object({
  ...taskFields,
  /** The agent's autonomy makes its plan a suggestion: published (`remediation_planned`), never executed. */
  decisionId: z.string().min(1),
  reasons: z.array(z.string()),
});
