import type { OrderCancellationSpike, RemediationPlan } from '../../lambdas/domain/contracts/platform';
import { spikeEvidence } from '../../lambdas/domain/planning/evidence';
import { planOf, ruleDraft, type PlanningOptions } from '../../lambdas/domain/planning/plan';
import { validateDraft } from '../../lambdas/domain/planning/task-catalog';

/**
 * The rule's plan for a spike, as the planner writes it when the reasoner is unavailable (and as the local
 * reasoner drafts it): the rule's draft, validated against the task catalog. Throws when the rule has none.
 */
export function rulePlan(spike: OrderCancellationSpike, options: PlanningOptions = {}): RemediationPlan {
  const draft = ruleDraft(spike, options);
  if (draft.escalation !== undefined) throw new Error(`the rule has no plan: ${draft.escalation}`);
  const validation = validateDraft(draft, spike);
  if (!validation.ok) throw new Error(`the rule's draft is invalid: ${validation.error}`);
  return planOf(spike, validation.tasks, spikeEvidence(spike), 'rule');
}
