import type { GovernanceConfig } from './governance-config';

/**
 * The risk score of a task, in cents: the value at stake weighted by how risky the task is and by whose orders
 * they are.
 *
 *     riskScoreCents = round(valueAtStakeCents × taskRiskWeights[risk] × segmentWeight(customerSegment))
 *
 * `valueAtStakeCents` is the total of the orders the task moves, holds or notifies; the weights come from
 * configuration (`riskScore`), a segment it does not name weighing `defaultSegmentWeight`. With the default
 * weights (low 1, medium 2, high 4; standard 1, premium 2), rerouting $10,000 of premium orders, a medium-risk
 * task, scores $40,000. The score is capped at 2^53 − 1 so it stays an exact integer for Cedar's `Long`.
 */
export function riskScoreCents(
  weights: GovernanceConfig['riskScore'],
  task: { readonly valueAtStakeCents: number; readonly risk: 'low' | 'medium' | 'high' },
  customerSegment: string,
): number {
  const segmentWeight =
    (Object.hasOwn(weights.segmentWeights, customerSegment)
      ? weights.segmentWeights[customerSegment]
      : undefined) ?? weights.defaultSegmentWeight;
  const score = Math.round(task.valueAtStakeCents * weights.taskRiskWeights[task.risk] * segmentWeight);
  return Math.min(score, Number.MAX_SAFE_INTEGER);
}
