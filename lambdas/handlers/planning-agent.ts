import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { RemediationPlan } from '../domain/contracts/platform';
import { parseDetail } from '../domain/contracts/parse';
import { EscalationRequired } from '../domain/planning/errors';
import { RemediationPlanner } from '../domain/planning/planner';
import { memoryPorts, templateThreshold } from './shared/memory';
import { createObservability, instrument } from './shared/observability';

const observability = createObservability();
const { logger, tracer, metrics } = observability;
const planner = new RemediationPlanner(
  memoryPorts(tracer, (report) =>
    metrics.addMetric('PiiRedacted', MetricUnit.Count, report.redactions.length),
  ),
  { templateThreshold: templateThreshold() },
);

/**
 * The saga's Plan task: `{ spike, executionId }` in, a validated plan out. An incident no plan fits throws
 * EscalationRequired, which the saga catches by name.
 */
export async function run(input: { spike?: unknown; executionId?: string }): Promise<RemediationPlan> {
  const spike = parseDetail('order_cancellation_spike', input.spike);
  const result = await planner.plan({ spike, executionId: input.executionId });
  if (result.status === 'escalated') {
    metrics.addMetric('PlanningEscalations', MetricUnit.Count, 1);
    throw new EscalationRequired(result.escalation);
  }
  const plan = parseDetail('remediation_planned', result.plan);
  metrics.addMetric(plan.planner === 'template' ? 'TemplateReuses' : 'ReasonerPlans', MetricUnit.Count, 1);
  logger.info('plan ready', {
    correlationId: plan.correlationId,
    planner: plan.planner,
    tasks: plan.tasks.length,
  });
  return plan;
}

export const handler = instrument(run, observability);
