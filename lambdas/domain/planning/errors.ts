import type { DraftPlan } from '../memory/reasoner';

/** Base error of the planning context. */
class PlanningError extends Error {
  override name = 'PlanningError';
}

/**
 * The reasoner could not be reached after the client's own retries (throttling, service or model errors).
 * Adapters raise it; the planner escalates instead of failing the saga.
 */
export class ReasonerUnavailable extends PlanningError {
  override name = 'ReasonerUnavailable';
}

/** Why planning handed the incident to a human. */
export type EscalationReason =
  /** Two reasoner drafts failed validation against the task catalog. */
  | 'reasoner_output_invalid'
  /** The reasoner found no task in the catalog that fits. */
  | 'reasoner_declined'
  /** The reasoner could not be reached. */
  | 'reasoner_unavailable';

/** Planning's answer when it has no plan a machine should run: everything an operator needs to decide. */
export interface Escalation {
  readonly correlationId: string;
  /** The episodic-memory entity, e.g. `warehouse#WH-NYC`. */
  readonly entity: string;
  readonly reason: EscalationReason;
  readonly message: string;
  /** The evidence gathered before escalating (same lines a plan would carry). */
  readonly evidence: readonly string[];
  /** Each reasoner draft and, for a rejected one, why. */
  readonly attempts: readonly { readonly draft: DraftPlan; readonly error?: string }[];
}

/**
 * Thrown by a handler for an escalation, so the saga catches it by name (`ErrorEquals: ["EscalationRequired"]`)
 * and emits `remediation_failed` with stage `planning`, or asks for approval.
 */
export class EscalationRequired extends PlanningError {
  override name = 'EscalationRequired';
  constructor(
    readonly escalation: Escalation,
    options?: ErrorOptions,
  ) {
    super(
      `incident ${escalation.correlationId} needs an operator (${escalation.reason}): ${escalation.message}`,
      options,
    );
  }
}
