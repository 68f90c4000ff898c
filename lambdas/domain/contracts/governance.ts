import { z } from 'zod';
import { autonomyLevel } from '../governance/governance-config';

const entityRef = z.object({ type: z.string().min(1), id: z.string().min(1) });

/**
 * Every decision of the policy decision point: what was asked (principal, action, resource and the context the
 * policies saw), what was decided, the policies that determined it, the configuration version and how long it
 * took. Emitted by `proactive.governance` before the decision is returned to the saga.
 */
export const policyDecisionV1 = z.object({
  schemaVersion: z.literal(1),
  /** The incident. */
  correlationId: z.string().min(1),
  /** Unique per decision: the policy function's request id. */
  decisionId: z.string().min(1),
  planId: z.string().min(1).optional(),
  taskId: z.string().min(1),
  decision: z.enum(['allow', 'deny', 'require_approval', 'suggest']),
  /** What the policies alone decided, before the agent's autonomy level applied. */
  policyOutcome: z.enum(['allow', 'deny', 'require_approval']),
  principal: entityRef,
  action: entityRef,
  resource: entityRef,
  context: z.looseObject({
    costCents: z.number().int().nonnegative(),
    risk: z.enum(['low', 'medium', 'high']),
    riskScoreCents: z.number().int().nonnegative(),
    valueAtStakeCents: z.number().int().nonnegative(),
    orders: z.number().int().nonnegative(),
    customerSegment: z.string().min(1),
    jurisdiction: z.string().min(1),
    autonomy: autonomyLevel,
    irreversible: z.boolean(),
    limits: z.record(z.string(), z.number()),
  }),
  /** Policy `@id`s and built-in rules (`autonomy:…`, `config:blocked-actions`) that determined the decision. */
  determiningPolicies: z.array(z.string().min(1)),
  reasons: z.array(z.string()),
  /** Policies that failed to evaluate (the decision failed closed). */
  errors: z.array(z.object({ policyId: z.string(), message: z.string() })),
  /** `sha256:<12 hex>` of the AppConfig document that decided. */
  configurationVersion: z.string().min(1),
  latencyMs: z.object({
    /** Building the request and evaluating both policy sets. */
    evaluation: z.number().nonnegative(),
    /** Everything before the event: reading the configuration (cached), parsing a new version, evaluating. */
    total: z.number().nonnegative(),
  }),
});
export type PolicyDecisionEvent = z.infer<typeof policyDecisionV1>;

/**
 * The inference firewall refused a model call: it would have taken the agent past its daily cost ceiling (the
 * budget ledger's state when it refused). The agent falls back (`fallback`) instead of calling the model.
 */
export const budgetExceededV1 = z.object({
  schemaVersion: z.literal(1),
  /** The incident being planned when the call was refused. */
  correlationId: z.string().min(1),
  agent: z.string().min(1),
  modelId: z.string().min(1),
  /** The budget period: a UTC day, `YYYY-MM-DD`. */
  period: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  spentMicroUsd: z.number().int().nonnegative(),
  ceilingMicroUsd: z.number().int().nonnegative(),
  /** The worst case the refused call would have cost (its prompt and whole output allowance). */
  requestedMicroUsd: z.number().int().nonnegative(),
  /** What the agent does instead: the rule planner (which hands the incident to an operator when no rule fits). */
  fallback: z.enum(['rule']),
});

/**
 * A task the governance configuration blocks (`blockedActions`) was refused before it ran: whatever the
 * policies and the agent's autonomy say, it never executes.
 */
export const actionBlockedV1 = z.object({
  schemaVersion: z.literal(1),
  correlationId: z.string().min(1),
  planId: z.string().min(1).optional(),
  taskId: z.string().min(1),
  agent: z.string().min(1),
  taskType: z.string().min(1),
  resource: entityRef,
  /** The policy decision that refused it. */
  decisionId: z.string().min(1),
  configurationVersion: z.string().min(1),
});
