import type { AutonomyLevel } from './governance-config';
import type { EntityRef } from './policy-request';

/** The context of a policy query: `context.<name>` in Cedar (see `policySchema`). */
export interface PolicyContext {
  readonly costCents: number;
  readonly risk: 'low' | 'medium' | 'high';
  readonly riskScoreCents: number;
  readonly valueAtStakeCents: number;
  readonly orders: number;
  readonly customerSegment: string;
  readonly jurisdiction: string;
  readonly autonomy: AutonomyLevel;
  readonly irreversible: boolean;
  /** The configuration's thresholds. */
  readonly limits: Readonly<Record<string, number>>;
}

/** One Cedar request: principal, action, resource, context. */
export interface PolicyQuery {
  readonly principal: EntityRef;
  readonly action: EntityRef;
  readonly resource: EntityRef;
  readonly context: PolicyContext;
}

/** A policy that could not be evaluated on a request (Cedar skips it; the decision point fails closed). */
export interface PolicyEvaluationError {
  readonly policyId: string;
  readonly message: string;
}

/** What one policy set answered. */
export interface PolicySetAnswer {
  readonly decision: 'allow' | 'deny';
  /** The ids (`@id`) of the policies that determined the answer: the matching forbids, or permits. */
  readonly determiningPolicies: readonly string[];
  readonly errors: readonly PolicyEvaluationError[];
}

/**
 * The port to a policy engine holding one configuration's two policy sets, already parsed (the Cedar adapter
 * parses them once per configuration version).
 */
export interface PolicyEngine {
  /** The authorization set: allow when a permit matches and no forbid does. */
  authorize(query: PolicyQuery): PolicySetAnswer;
  /**
   * The approval set with an implicit permit of everything: `deny` means approval is required, its determining
   * policies are the forbids that asked for it.
   */
  approval(query: PolicyQuery): PolicySetAnswer;
}
